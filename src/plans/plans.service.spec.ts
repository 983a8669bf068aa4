import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { CreditPackage } from './credit-package.entity';
import { FreePlan } from './free-plan.entity';
import { Plan } from './plan.entity';
import { PlansService } from './plans.service';

const plan = (over: Partial<Plan> = {}): Plan =>
  Object.assign(new Plan(), {
    id: 1,
    productName: 'Pro Plan',
    productId: 'prod_pro',
    priceId: 'price_pro',
    price: '29.99',
    description: 'Professional subscription plan',
    unitAmount: 2999,
    currency: 'usd',
    currencyOptions: { eur: 2799, jpy: 4500 },
    monthlyUses: 100,
    interval: 'month',
    intervalCount: 1,
    active: true,
    ...over,
  });

const pack = (over: Partial<CreditPackage> = {}): CreditPackage =>
  Object.assign(new CreditPackage(), {
    id: 1,
    productName: '100 Credits',
    productId: 'prod_credits',
    priceId: 'price_credits',
    price: '19.99',
    description: '',
    unitAmount: 1999,
    currency: 'usd',
    currencyOptions: {},
    usesAmount: 100,
    active: true,
    ...over,
  });

function setup(plans: Plan[] = [plan()], packages: CreditPackage[] = [pack()]) {
  const planRepo = { find: jest.fn(async () => plans) };
  const packageRepo = { find: jest.fn(async () => packages) };
  const service = new PlansService(
    planRepo as unknown as Repository<Plan>,
    packageRepo as unknown as Repository<CreditPackage>,
    { findOne: jest.fn(async () => null) } as unknown as Repository<FreePlan>,
  );
  return { service, planRepo, packageRepo };
}

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof AppError ? e.code : 'not an AppError'),
  );

describe('PlansService (catalog)', () => {
  it('answers amounts in the base currency or a currency option, case-insensitively', () => {
    const { service } = setup();
    expect(service.amountIn(plan(), 'usd')).toBe(2999);
    expect(service.amountIn(plan(), 'EUR')).toBe(2799);
    expect(service.amountIn(plan(), 'gbp')).toBeUndefined();
  });

  it('lists products in the spec shape with credits, formatted by currency exponent', async () => {
    const { service } = setup();
    expect(await service.listProducts({ product_type: 'subscription', currency: 'jpy' })).toEqual({
      currencies: ['eur', 'jpy', 'usd'],
      products: [
        {
          id: 'prod_pro',
          name: 'Pro Plan',
          description: 'Professional subscription plan',
          credits: 100,
          price: {
            price_id: 'price_pro',
            unit_amount: '4500',
            currency: 'jpy',
            recurring: { interval: 'month', interval_count: 1 },
          },
        },
      ],
    });
    const oneTime = await service.listProducts({ product_type: 'one_time' });
    expect(oneTime.products[0]).toMatchObject({
      credits: 100,
      price: { unit_amount: '19.99', currency: 'usd', recurring: null },
    });
    // Sold in JPY overall, but this package is not priced in it: left out rather than converted.
    expect((await service.listProducts({ product_type: 'one_time', currency: 'jpy' })).products).toEqual([]);
  });

  it('rejects unknown product types and currencies with their own codes', async () => {
    const { service } = setup();
    expect(await codeOf(service.listProducts({ product_type: 'lifetime' }))).toBe(
      ErrorCode.InvalidProductType,
    );
    expect(await codeOf(service.listProducts({}))).toBe(ErrorCode.InvalidProductType);
    expect(await codeOf(service.listProducts({ product_type: 'one_time', currency: 'gbp' }))).toBe(
      ErrorCode.UnsupportedCurrency,
    );
    expect(await service.supportedCurrencies()).toEqual(['eur', 'jpy', 'usd']);
  });

  it('reads the database once until invalidated, even for concurrent callers', async () => {
    const { service, planRepo } = setup();
    await Promise.all([
      service.listProducts({ product_type: 'subscription' }),
      service.supportedCurrencies(),
    ]);
    await service.listProducts({ product_type: 'subscription' });
    expect(planRepo.find).toHaveBeenCalledTimes(1);
    service.invalidate();
    await service.listProducts({ product_type: 'subscription' });
    expect(planRepo.find).toHaveBeenCalledTimes(2);
  });

  it('does not keep a load that was raced by invalidate()', async () => {
    const { service, planRepo } = setup();
    let release!: (rows: Plan[]) => void;
    planRepo.find.mockImplementationOnce(() => new Promise<Plan[]>((r) => (release = r)));
    const stale = service.supportedCurrencies();
    service.invalidate();
    release([plan({ currencyOptions: {} })]);
    expect(await stale).toEqual(['usd']);
    expect(await service.supportedCurrencies()).toEqual(['eur', 'jpy', 'usd']);
    expect(planRepo.find).toHaveBeenCalledTimes(2);
  });
});
