import { defaultCatalogPath, loadCatalogFile, parseCatalog, perCreditDecimal } from './catalog-file';

describe('catalog file (catalog)', () => {
  it('ships a valid, versioned default catalog: Pro Plan and the 100-credit package in USD and EUR', () => {
    const catalog = loadCatalogFile(defaultCatalogPath());
    expect(catalog.version).toBeGreaterThanOrEqual(1);
    expect(catalog.plans.find((p) => p.name === 'Pro Plan')).toMatchObject({
      lookup_key: 'tollgate_pro_monthly',
      currency: 'usd',
      amounts: { usd: 2999, eur: 2799 },
      interval: 'month',
      trial_days: 14,
      monthly_uses: 100,
    });
    expect(catalog.packages.find((p) => p.name === '100 Credits')).toMatchObject({
      amounts: { usd: 1999, eur: 1899 },
      credits: 100,
    });
  });

  it('fills defaults and lower-cases currencies', () => {
    const catalog = parseCatalog({
      version: 1,
      plans: [{ lookup_key: 'p', name: 'P', currency: 'USD', amounts: { USD: 100, Eur: 90 } }],
    });
    expect(catalog.packages).toEqual([]);
    expect(catalog.plans[0]).toMatchObject({
      currency: 'usd',
      amounts: { usd: 100, eur: 90 },
      interval: 'month',
      interval_count: 1,
      trial_days: 0,
      monthly_uses: 0,
      full_plan_name: 'P',
      description: '',
    });
  });

  it('lists every problem at once', () => {
    const attempt = () =>
      parseCatalog({
        version: 0,
        plans: [
          { lookup_key: 'Bad Key', name: 'P', currency: 'usd', amounts: { eur: 9.5 }, interval: 'fortnight' },
          { lookup_key: 'dup', name: 'P', currency: 'usd', amounts: { usd: 1 } },
        ],
        packages: [{ lookup_key: 'dup', name: 'C', currency: 'usd', amounts: { usd: 1 }, credits: 0 }],
      });
    expect(attempt).toThrow(/version must be a positive integer/);
    expect(attempt).toThrow(/lookup_key "Bad Key"/);
    expect(attempt).toThrow(/amounts.eur must be a non-negative integer/);
    expect(attempt).toThrow(/must include the base currency "usd"/);
    expect(attempt).toThrow(/interval must be one of/);
    expect(attempt).toThrow(/name "P" is used twice/);
    expect(attempt).toThrow(/lookup_key "dup" is used twice/);
    expect(attempt).toThrow(/credits must be an integer >= 1/);
  });
});

describe('catalog file: plan features', () => {
  const plan = (features: unknown) => ({
    lookup_key: 'p',
    name: 'P',
    currency: 'usd',
    amounts: { usd: 100 },
    features,
  });

  it('ships features on every default plan and a free plan', () => {
    const catalog = loadCatalogFile(defaultCatalogPath());
    expect(catalog.plans.find((p) => p.name === 'Pro Plan')?.features).toMatchObject({ api_access: true });
    expect(catalog.free_plan).toMatchObject({ lookup_key: 'tollgate_free', features: { projects: 1 } });
  });

  it('accepts flags and limits, defaults to none, and keeps the free plan optional', () => {
    const catalog = parseCatalog({ version: 1, plans: [plan({ api_access: true, projects: 10 })] });
    expect(catalog.plans[0].features).toEqual({ api_access: true, projects: 10 });
    expect(catalog.free_plan).toBeNull();
    expect(parseCatalog({ version: 1, plans: [plan(undefined)] }).plans[0].features).toEqual({});
  });

  it('names every bad feature, and refuses a free plan with a price or a taken lookup key', () => {
    const attempt = () =>
      parseCatalog({
        version: 1,
        plans: [plan({ 'API Access': true, projects: -1, seats: 2.5, sso: 'yes' })],
        free_plan: { lookup_key: 'p', name: 'Free', amounts: { usd: 0 }, features: [] },
      });
    expect(attempt).toThrow(/plans\[0\]\.features\.API Access: a feature key must be lower-case/);
    expect(attempt).toThrow(
      /plans\[0\]\.features\.projects must be true\/false \(a flag\) or an integer >= 0/,
    );
    expect(attempt).toThrow(/plans\[0\]\.features\.seats must be/);
    expect(attempt).toThrow(/plans\[0\]\.features\.sso must be/);
    expect(attempt).toThrow(/free_plan\.amounts: the free plan has no price/);
    expect(attempt).toThrow(/free_plan\.features must be an object/);
    expect(attempt).toThrow(/lookup_key "p" is used twice/);
  });
});

describe('catalog file: plan overage', () => {
  const plan = (overage: unknown, extra: Record<string, unknown> = {}) => ({
    version: 1,
    plans: [
      {
        lookup_key: 'scale',
        name: 'Scale',
        currency: 'usd',
        amounts: { usd: 100, eur: 90 },
        overage,
        ...extra,
      },
    ],
  });

  it('reads a plan’s overage: per-credit decimals are exact for any power-of-ten block', () => {
    const parsed = parseCatalog(
      plan({ event_name: 'api_calls', per_credits: 100, amounts: { usd: 2, eur: 250 }, cap: 5000 }),
    );
    expect(parsed.plans[0].overage).toEqual({
      event_name: 'api_calls',
      per_credits: 100,
      amounts: { usd: 2, eur: 250 },
      cap: 5000,
    });
    expect(perCreditDecimal(2, 100)).toBe('0.02');
    expect(perCreditDecimal(250, 100)).toBe('2.5');
    expect(perCreditDecimal(7, 1)).toBe('7');
    expect(perCreditDecimal(1, 10000)).toBe('0.0001');
    expect(perCreditDecimal(30000, 10000)).toBe('3');
  });

  it('refuses an overage that misses a currency, uses one the plan is not sold in, a bad block, cap or event name', () => {
    const attempt = () =>
      parseCatalog(plan({ event_name: 'Bad Name', per_credits: 3, amounts: { usd: 2, gbp: 1 }, cap: 0 }));
    expect(attempt).toThrow(/overage.event_name must be lower-case/);
    expect(attempt).toThrow(/overage.per_credits must be one of 1, 10, 100, 1000, 10000/);
    expect(attempt).toThrow(/overage.amounts must price every currency the plan is sold in \("eur"\)/);
    expect(attempt).toThrow(/overage.amounts.gbp is not a currency the plan is sold in/);
    expect(attempt).toThrow(/overage.cap must be an integer >= 1/);
    expect(() => parseCatalog(plan('2 cents'))).toThrow(/overage must be an object/);
    expect(() =>
      parseCatalog({
        ...plan({ event_name: 'x', per_credits: 1, amounts: { usd: 1, eur: 1 }, cap: 1 }),
        packages: [
          { lookup_key: 'scale.overage', name: 'C', currency: 'usd', amounts: { usd: 1 }, credits: 1 },
        ],
      }),
    ).toThrow(/lookup_key "scale.overage" is taken/);
  });
});
