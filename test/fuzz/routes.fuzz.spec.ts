import fc from 'fast-check';
import { ErrorCode } from '../../src/common/errors';
import { authConfig, AuthConfig, stripeConfig, StripeConfig } from '../../src/config';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { captureLogs, CapturedLogs, leakedSecrets } from '../support/log-capture';
import { createTestApp, TestApp } from '../support/test-app';

/** At least 2,000 cases per CI pass (FUZZ_RUNS raises it), within a time budget that fails loudly if exceeded. */
const RUNS = Math.max(2000, Number(process.env.FUZZ_RUNS ?? 2000));
const TIME_BUDGET_MS = Number(process.env.FUZZ_TIME_BUDGET_MS ?? 240_000);
/** FUZZ_SEED replays a failure's run (fast-check prints the seed with the counterexample). */
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  query: string[];
  body: string[] | null;
}

type Auth = 'none' | 'user' | 'admin' | 'api_key' | 'garbage' | 'forged_jwt';

interface Case {
  op: Operation;
  pathValues: string[];
  query: Record<string, string>;
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string };
  contentType: string;
  auth: Auth;
  idempotencyKey: string | null;
  tollgateUser: string | null;
}

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const hostile = fc.constantFrom(
  '',
  '..',
  '%00',
  "' OR 1=1 --",
  '__proto__',
  'constructor',
  '00000000-0000-4000-8000-000000000000',
  'a'.repeat(300),
  '-1',
  '1e309',
  'NaN',
  'null',
  'price_',
  'prod_',
  'evt_',
  '\u0000',
  '😀',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
);
const value = fc.oneof(
  { depthSize: 'small', withCrossShrink: true },
  scalar,
  fc.array(scalar, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }),
);

describe('fuzzing every route (fuzz)', () => {
  let logs: CapturedLogs;
  let t: TestApp;
  let user: TestUser;
  let admin: TestUser;
  let apiKey: string;
  let operations: Operation[];

  beforeAll(async () => {
    logs = captureLogs();
    t = await createTestApp({ env: { LOG_LEVEL: 'debug' } });
    user = await registerUser(t);
    admin = await registerUser(t, 'admin@tollgate.test');
    await t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount: 50, bucket: 'purchased', reason: 'fuzz seed' })
      .expect(201);
    apiKey = (await createApiKey(t, admin, ['credits:read', 'credits:consume', 'users:write'])).secret;
    operations = await operationsOf(t);
  }, 120_000);
  afterAll(async () => {
    logs.stop();
    await t.close();
  });

  async function operationsOf(app: TestApp): Promise<Operation[]> {
    const doc = (await app.http().get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string }>;
            requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
          }
        >
      >;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => {
        const ref = op.requestBody?.content['application/json']?.schema.$ref;
        const schema = ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
        return {
          method: method as Operation['method'],
          path,
          query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          body: op.requestBody ? Object.keys(schema?.properties ?? {}) : null,
        };
      }),
    );
  }

  /** Everything a rejected request must leave alone: every ledger row and every balance. */
  async function snapshot(): Promise<string> {
    const [ledger] = await t.dataSource.query(
      `SELECT count(*)::int AS n, coalesce(sum(amount), 0)::int AS total, coalesce(max(id), 0)::text AS last
         FROM credit_ledger`,
    );
    const [balances] = await t.dataSource.query(
      `SELECT coalesce(sum(monthly), 0)::int AS monthly, coalesce(sum(purchased), 0)::int AS purchased,
              count(*)::int AS n FROM credit_balances`,
    );
    return JSON.stringify({ ledger, balances });
  }

  function caseFor(op: Operation): fc.Arbitrary<Case> {
    const params = (op.path.match(/\{[^}]+\}/g) ?? []).length;
    const bodyFields = op.body ?? [];
    return fc.record({
      op: fc.constant(op),
      pathValues: fc.array(fc.oneof(fc.string({ maxLength: 40 }), hostile), {
        minLength: params,
        maxLength: params,
      }),
      query: fc.dictionary(
        fc.oneof(fc.constantFrom(...op.query, 'limit', 'cursor', 'x'), fc.string({ maxLength: 6 })),
        fc.oneof(printable(40), hostile),
        { maxKeys: 3 },
      ),
      body: fc.oneof(
        fc.constant({ kind: 'none' as const }),
        fc
          .dictionary(fc.oneof(fc.constantFrom(...bodyFields, 'extra'), fc.string({ maxLength: 8 })), value, {
            maxKeys: 4,
          })
          .map((v) => ({ kind: 'json' as const, value: v })),
        fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'json' as const, value: v })),
        fc
          .oneof(printable(60), fc.constantFrom('{"a":', '[[[[', '{"__proto__":{"x":1}}', '\u0000', 'null'))
          .map((text) => ({ kind: 'raw' as const, text })),
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
      ),
      auth: fc.constantFrom<Auth>('none', 'user', 'user', 'admin', 'api_key', 'garbage', 'forged_jwt'),
      idempotencyKey: fc.option(fc.oneof(printable(300), fc.constantFrom('k1', 'k2')), { nil: null }),
      tollgateUser: fc.option(
        fc.oneof(
          printable(40),
          hostile.filter((s) => /^[\x20-\x7e]*$/.test(s)),
        ),
        { nil: null },
      ),
    });
  }

  function send(c: Case) {
    let i = 0;
    const path = c.op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(c.pathValues[i++] ?? ''));
    const query = new URLSearchParams(c.query).toString();
    const req = t.http()[c.op.method](query ? `${path}?${query}` : path);
    const bearer = {
      none: undefined,
      user: user.token,
      admin: admin.token,
      api_key: apiKey,
      garbage: 'not.a.token',
      forged_jwt: `${user.token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`,
    }[c.auth];
    if (bearer) req.set('Authorization', `Bearer ${bearer}`);
    if (c.idempotencyKey !== null) req.set('Idempotency-Key', c.idempotencyKey);
    if (c.tollgateUser !== null) req.set('X-Tollgate-User', c.tollgateUser);
    if (c.body.kind === 'none') return req;
    req.set('Content-Type', c.contentType);
    return req.send(c.body.kind === 'raw' ? c.body.text : JSON.stringify(c.body.value));
  }

  it(
    `answers ${RUNS} generated requests without a 5xx, and a rejected one changes no balance or ledger row`,
    async () => {
      const codes = new Set<string>(Object.values(ErrorCode));
      let ran = 0;
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...operations).chain((op) => caseFor(op)),
          async (c) => {
            ran += 1;
            const before = await snapshot();
            const res = await send(c);
            const where = `${c.op.method.toUpperCase()} ${c.op.path} → ${res.status} ${JSON.stringify(res.body)}`;
            if (res.status >= 500) throw new Error(`5xx: ${where}`);
            if (res.status >= 400) {
              if (!codes.has((res.body as { code?: string }).code ?? ''))
                throw new Error(`no stable code: ${where}`);
              const after = await snapshot();
              if (after !== before)
                throw new Error(`a rejected request changed credits: ${where}\n${before}\n${after}`);
            }
          },
        ),
        {
          numRuns: RUNS,
          seed: SEED,
          interruptAfterTimeLimit: TIME_BUDGET_MS,
          markInterruptAsFailure: true,
          endOnFailure: true,
        },
      );
      expect(ran).toBeGreaterThanOrEqual(RUNS);
      expect(Date.now() - started).toBeLessThan(TIME_BUDGET_MS);
      // The process survived all of it and still answers.
      await t.http().get('/health/ready').expect(200);
    },
    TIME_BUDGET_MS + 60_000,
  );

  it('logged no token, password, secret or API key while being fuzzed at debug level', async () => {
    const auth = t.app.get<AuthConfig>(authConfig.KEY);
    const stripe = t.app.get<StripeConfig>(stripeConfig.KEY);
    const text = logs.text();
    expect(text.length).toBeGreaterThan(10_000); // the capture really saw the suite's request lines
    expect(
      leakedSecrets(text, {
        user_token: user.token,
        admin_token: admin.token,
        api_key: apiKey,
        password: 'correct horse battery',
        jwt_secret: auth.jwtSecret,
        webhook_secret: stripe.webhookSecrets[0],
        stripe_secret_key: stripe.secretKey,
      }),
    ).toEqual([]);
  });
});
