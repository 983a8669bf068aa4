import { request as httpRequest } from 'node:http';
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

/** A path segment or query string sent exactly as written (already percent-encoded), not encoded again. */
interface Raw {
  raw: string;
}

interface Case {
  op: Operation;
  pathValues: Array<string | Raw>;
  query: Record<string, string>;
  rawQuery: string | null;
  body:
    | { kind: 'none' }
    | { kind: 'json'; value: unknown }
    | { kind: 'raw'; text: string }
    | { kind: 'bytes'; bytes: number[] };
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
/**
 * Ill-formed or ambiguous text: lone UTF-16 surrogates (JSON.stringify writes them as `\ud800` escapes, valid
 * JSON that is no Unicode text), a BOM, one letter in two normalisations, compatibility forms.
 */
const illFormed = fc.oneof(
  fc.constantFrom(
    '\ud800',
    '\udfff',
    'a\ud83d',
    '\ude00b',
    '\ufeff',
    '\ufeffa@b.co',
    'e\u0301',
    '\u00e9',
    'ﬁ',
  ),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
    .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`),
  fc.string({ maxLength: 12 }).map((x) => `${x}@e\u0301xample.com`),
);
/** UTF-8 that is not: overlong forms, encoded surrogates, truncated sequences, stray continuation bytes. */
const badUtf8 = fc.constantFrom(
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xf0, 0x80, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xe2, 0x82],
  [0x80],
  [0xff],
);
const badBytesBody = fc.oneof(
  badUtf8.map((bad) => [...Buffer.from('{"email":"'), ...bad, ...Buffer.from('","password":"xxxxxxxxxx"}')]),
  badUtf8.map((bad) => [...Buffer.from('{"'), ...bad, ...Buffer.from('":1}')]),
  fc.jsonValue({ maxDepth: 2 }).map((v) => [0xef, 0xbb, 0xbf, ...Buffer.from(JSON.stringify(v) ?? 'null')]),
);
/** The same classes in a URL: percent-encoded overlong and surrogate bytes, a BOM, a combining accent. */
const badPercent = fc.constantFrom(
  '%C0%AF',
  '%E0%80%AF',
  '%ED%A0%80',
  '%EF%BB%BF',
  'e%CC%81',
  '%FF',
  '%E2%82',
);
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  hostile,
  illFormed,
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

function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  bytes: number[],
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(bytes);
    const head = { ...headers, 'Content-Length': String(body.length) };
    const req = httpRequest(url, { method: method.toUpperCase(), headers: head }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

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
      pathValues: fc.array(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          hostile,
          badPercent.map((raw): Raw => ({ raw })),
        ),
        {
          minLength: params,
          maxLength: params,
        },
      ),
      query: fc.dictionary(
        fc.oneof(fc.constantFrom(...op.query, 'limit', 'cursor', 'x'), fc.string({ maxLength: 6 })),
        fc.oneof(printable(40), hostile),
        { maxKeys: 3 },
      ),
      rawQuery: fc.option(
        fc.tuple(fc.constantFrom(...op.query, 'limit', 'x'), badPercent).map(([key, bad]) => `${key}=${bad}`),
        { nil: null },
      ),
      body: fc.oneof(
        fc.constant({ kind: 'none' as const }),
        fc
          .dictionary(
            fc.oneof(fc.constantFrom(...bodyFields, 'extra'), fc.string({ maxLength: 8 }), illFormed),
            value,
            { maxKeys: 4 },
          )
          .map((v) => ({ kind: 'json' as const, value: v })),
        fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: 'json' as const, value: v })),
        fc
          .oneof(printable(60), fc.constantFrom('{"a":', '[[[[', '{"__proto__":{"x":1}}', '\u0000', 'null'))
          .map((text) => ({ kind: 'raw' as const, text })),
        badBytesBody.map((bytes) => ({ kind: 'bytes' as const, bytes })),
        // The route's own fields, each holding ill-formed text: reaches the validators behind the JSON layer.
        fc
          .dictionary(fc.constantFrom(...bodyFields, 'email'), illFormed, { minKeys: 1, maxKeys: 3 })
          .map((v) => ({ kind: 'json' as const, value: v })),
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

  async function send(c: Case): Promise<{ status: number; body: unknown }> {
    let i = 0;
    const path = c.op.path.replace(/\{[^}]+\}/g, () => {
      const v = c.pathValues[i++] ?? '';
      return typeof v === 'string' ? encodeURIComponent(v.toWellFormed()) : v.raw;
    });
    const query = [new URLSearchParams(c.query).toString(), c.rawQuery].filter(Boolean).join('&');
    const url = query ? `${path}?${query}` : path;
    const req = t.http()[c.op.method](url);
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
    if (c.body.kind === 'bytes') {
      // Exact bytes on any method: supertest would JSON-serialise a Buffer, fetch refuses a GET body.
      const headers = { ...(req as unknown as { header: Record<string, string> }).header };
      return rawRequest(
        `${t.url}${url}`,
        c.op.method,
        { ...headers, 'Content-Type': c.contentType },
        c.body.bytes,
      );
    }
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
