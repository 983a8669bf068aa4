import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ERROR_CATALOGUE } from '../../src/common/errors';
import { OUTBOUND_EVENT_TYPES } from '../../src/outbound/outbound-event-types';
import { PAYLOAD_KEYS } from '../../src/outbound/reactions/payloads';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The contract pages under docs/ are the repository's own description of its public contract. They must list
 * what the code serves and reads, and nothing it does not: each failure names the route, code, variable or
 * event type and the page to fix, so whoever adds one (or merges a branch that did) knows what to write.
 */
const ROOT = resolve(__dirname, '../..');
const ROUTES_DOC = 'docs/http-api.md';
const ERRORS_DOC = 'docs/errors.md';
const CONFIG_DOC = 'docs/configuration.md';
const OUTBOUND_DOC = 'docs/outbound-events.md';
const STRIPE_DOC = 'docs/stripe-webhook.md';

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Cells of the markdown table rows of a page (`| a | b |` → ['a', 'b']), header and rule rows included. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The `code` spans of a cell: "`A` / `B`" → ['A', 'B']. */
const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** `### \`GET /path\`` headings of the routes page. */
function documentedRoutes(markdown: string): string[] {
  return [...markdown.matchAll(/^### `([A-Z]+ \/[^`]*)`\s*$/gm)].map((m) => m[1]);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** The code that ships: src/ and scripts/, without unit specs. */
const shippedSources = (): Array<{ path: string; text: string }> =>
  ['src', 'scripts'].flatMap((dir) =>
    walk(join(ROOT, dir)).map((full) => ({
      path: relative(ROOT, full).split(sep).join('/'),
      text: readFileSync(full, 'utf8'),
    })),
  );

/**
 * Environment variables the code reads: through the config readers (`int(env, 'NAME', …)`), `process.env.NAME`,
 * `process.env['NAME']`, and `env.NAME` on an env object.
 */
function environmentVariablesRead(sources: Array<{ path: string; text: string }>): Map<string, string> {
  const patterns = [
    /\b(?:str|int|bool|url|list|oneOf|bytes)\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
    /\bprocess\.env\.([A-Z][A-Z0-9_]*)/g,
    /\bprocess\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
    /(?<![.\w])env\.([A-Z][A-Z0-9_]*)/g,
  ];
  const found = new Map<string, string>();
  for (const { path, text } of sources) {
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) if (!found.has(match[1])) found.set(match[1], path);
    }
  }
  return found;
}

type OpenApiResponse = {
  content?: Record<string, { examples?: Record<string, { value: { code: string } }> }>;
};
type OpenApiDoc = { paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>> };

/** `### \`METHOD /path\`` section → every "NNN `CODE`" its Errors line names (a status applies to the codes after it). */
function documentedErrorCodes(markdown: string): Map<string, Array<{ status: number; code: string }>> {
  const out = new Map<string, Array<{ status: number; code: string }>>();
  const sections = markdown.split(/^### /m).slice(1);
  for (const section of sections) {
    const route = /^`([A-Z]+ \/[^`]*)`/.exec(section)?.[1];
    const errors = /Errors:([\s\S]*?)(?:\n\n|\n- |$)/.exec(section)?.[1];
    if (!route || !errors) continue;
    const pairs: Array<{ status: number; code: string }> = [];
    let status = 0;
    for (const m of errors.matchAll(/\b([45]\d\d)\b|`([A-Z][A-Z0-9_]+)`/g)) {
      if (m[1]) status = Number(m[1]);
      else if (status && m[2] && m[2] in ERROR_CATALOGUE) pairs.push({ status, code: m[2] });
    }
    out.set(route, pairs);
  }
  return out;
}

/** The example codes the live OpenAPI document shows for one operation and status. */
function exampleCodes(doc: OpenApiDoc, route: string, status: number): string[] | undefined {
  const [method, path] = route.split(' ');
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  if (!response) return undefined;
  return Object.values(response.content?.['application/json']?.examples ?? {}).map((e) => e.value.code);
}

function fail(problems: string[]): void {
  if (problems.length > 0)
    throw new Error(`${problems.length} contract doc problem(s):\n- ${problems.join('\n- ')}`);
}

describe('contract docs (e2e)', () => {
  let t: TestApp;
  let operations: string[];
  let openapi: OpenApiDoc;

  beforeAll(async () => {
    t = await createTestApp();
    const doc = (await t.http().get('/docs-json').expect(200)).body as OpenApiDoc;
    openapi = doc;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
  });
  afterAll(async () => t.close());

  it(`${ROUTES_DOC} has a section for every route of the OpenAPI document, and only for routes the app serves`, async () => {
    expect(operations.length).toBeGreaterThan(40);
    const documented = documentedRoutes(read(ROUTES_DOC));
    const problems = operations
      .filter((op) => !documented.includes(op))
      .map(
        (op) => `${ROUTES_DOC}: route ${op} (in /docs-json) has no section; add a heading "### \`${op}\`"`,
      );
    // Documented routes outside the OpenAPI document (/metrics, /docs, /demo …) must really be served.
    for (const route of documented.filter((r) => !operations.includes(r))) {
      const [method, path] = route.split(' ');
      const answer = method === 'GET' ? await t.http().get(path) : undefined;
      if (!answer || answer.status === 404) {
        problems.push(`${ROUTES_DOC}: section "### \`${route}\`" names a route the app does not serve`);
      }
    }
    const repeated = documented.filter((r, i) => documented.indexOf(r) !== i);
    problems.push(...repeated.map((r) => `${ROUTES_DOC}: route ${r} has more than one section`));
    fail(problems);
  });

  it(`${ERRORS_DOC} has a row with the right status for every error code, and no code the catalogue lacks`, () => {
    const rows = new Map<string, string>();
    for (const cells of tableRows(read(ERRORS_DOC))) {
      const [code] = codeSpans(cells[0] ?? '');
      if (code && /^[A-Z][A-Z0-9_]+$/.test(code)) rows.set(code, cells[1]);
    }
    const problems: string[] = [];
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      const documented = rows.get(code);
      if (documented === undefined) {
        problems.push(
          `${ERRORS_DOC}: error code ${code} (status ${status}) has no row; add "| \`${code}\` | ${status} | when | message |"`,
        );
      } else if (documented !== String(status)) {
        problems.push(
          `${ERRORS_DOC}: error code ${code} says status ${documented}, the catalogue says ${status}`,
        );
      }
    }
    for (const code of rows.keys()) {
      if (!(code in ERROR_CATALOGUE))
        problems.push(`${ERRORS_DOC}: error code ${code} is not in error-codes.ts`);
    }
    fail(problems);
  });

  it(`${CONFIG_DOC} has a row for every environment variable the code reads, and none it does not`, () => {
    const readByCode = environmentVariablesRead(shippedSources());
    // The scan itself must see the readers it is meant to see, or this test could pass on nothing.
    for (const known of ['DATABASE_URL', 'OUTBOUND_BATCH_SIZE', 'STRIPE_EMULATOR_HOST', 'JEST_WORKER_ID']) {
      expect(readByCode.has(known)).toBe(true);
    }
    const documented = new Set(
      tableRows(read(CONFIG_DOC)).flatMap((cells) =>
        codeSpans(cells[0] ?? '').filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name)),
      ),
    );
    const problems: string[] = [];
    for (const [name, where] of readByCode) {
      if (!documented.has(name)) {
        problems.push(
          `${CONFIG_DOC}: environment variable ${name} (read in ${where}) has no row; add "| \`${name}\` | default | allowed | what it does |"`,
        );
      }
    }
    for (const name of documented) {
      if (!readByCode.has(name))
        problems.push(`${CONFIG_DOC}: environment variable ${name} is documented but nothing reads it`);
    }
    fail(problems);
  });

  it(`${OUTBOUND_DOC} lists exactly the data keys each outbound event type carries`, () => {
    // A row's data column: code spans outside parentheses (those name values), "balances" for the three
    // balance fields, and "as `other.type`" for another row's keys.
    const rows = new Map(
      tableRows(read(OUTBOUND_DOC))
        .map((cells) => [codeSpans(cells[0] ?? '')[0], cells[2] ?? ''] as const)
        .filter(([type]) => type && (OUTBOUND_EVENT_TYPES as readonly string[]).includes(type)),
    );
    const documented = (type: string, seen = new Set<string>()): Set<string> => {
      const cell = (rows.get(type) ?? '').replace(/\([^)]*\)/g, '');
      const keys = new Set<string>();
      if (/\bbalances\b/.test(cell))
        for (const k of [
          'monthly_credits',
          'purchased_credits',
          'promotional_credits',
          'total_credits',
          'held_credits',
        ])
          keys.add(k);
      for (const span of codeSpans(cell)) {
        if (span.includes('.') && !seen.has(span)) {
          for (const k of documented(span, new Set([...seen, type]))) keys.add(k);
        } else keys.add(span.replace(/\?$/, ''));
      }
      return keys;
    };
    const problems: string[] = [];
    for (const type of OUTBOUND_EVENT_TYPES) {
      const inDocs = documented(type);
      const inCode = new Set<string>(PAYLOAD_KEYS[type] as readonly string[]);
      for (const k of inCode)
        if (!inDocs.has(k))
          problems.push(`${OUTBOUND_DOC}: ${type} carries \`${k}\`, which its row does not list`);
      for (const k of inDocs)
        if (!inCode.has(k))
          problems.push(`${OUTBOUND_DOC}: ${type} lists \`${k}\`, which its payload type does not carry`);
    }
    fail(problems);
  });

  it(`${OUTBOUND_DOC} has a row for every outbound event type, and ${STRIPE_DOC} names every Stripe event handled`, () => {
    const problems: string[] = [];
    const outboundRows = new Set(tableRows(read(OUTBOUND_DOC)).flatMap((cells) => codeSpans(cells[0] ?? '')));
    for (const type of OUTBOUND_EVENT_TYPES) {
      if (!outboundRows.has(type))
        problems.push(
          `${OUTBOUND_DOC}: outbound event type ${type} has no row; add "| \`${type}\` | when | data |"`,
        );
    }
    for (const type of outboundRows) {
      if (/^[a-z_]+\.[a-z_.]+$/.test(type) && !(OUTBOUND_EVENT_TYPES as readonly string[]).includes(type)) {
        problems.push(
          `${OUTBOUND_DOC}: outbound event type ${type} is documented but not in outbound-event-types.ts`,
        );
      }
    }
    const handled = shippedSources()
      .filter((s) => s.path.startsWith('src/webhooks/handlers/'))
      .flatMap((s) => [...s.text.matchAll(/@OnStripeEvent\(([^)]*)\)/g)])
      .flatMap((m) => [...m[1].matchAll(/'([a-z_.]+)'/g)].map((q) => q[1]));
    expect(handled.length).toBeGreaterThan(10);
    const stripeRows = new Set(tableRows(read(STRIPE_DOC)).flatMap((cells) => codeSpans(cells[0] ?? '')));
    for (const type of handled) {
      if (!stripeRows.has(type))
        problems.push(`${STRIPE_DOC}: handled Stripe event ${type} is not in the event table`);
    }
    fail(problems);
  });

  it(`${ROUTES_DOC}'s error codes per route are what /docs-json shows, each under its real status`, () => {
    const documented = documentedErrorCodes(read(ROUTES_DOC));
    expect(documented.size).toBeGreaterThan(25); // the parser must see the Errors lines it is meant to see
    const problems: string[] = [];
    for (const [route, pairs] of documented) {
      for (const { status, code } of pairs) {
        if (ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status !== status)
          problems.push(
            `${ROUTES_DOC}: ${route} lists ${status} ${code}, whose status is ${ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status}`,
          );
        const shown = exampleCodes(openapi, route, status);
        if (!shown)
          problems.push(`/docs-json: ${route} has no ${status} response, ${ROUTES_DOC} lists ${code}`);
        else if (!shown.includes(code))
          problems.push(
            `/docs-json: ${route} ${status} has no ${code} example (${ROUTES_DOC} lists it; src/common/openapi-errors.ts)`,
          );
      }
    }
    // And every example shows a code whose status is the response's.
    for (const [path, item] of Object.entries(openapi.paths))
      for (const [method, op] of Object.entries(item))
        for (const [status, response] of Object.entries(op.responses))
          for (const example of Object.values(response.content?.['application/json']?.examples ?? {}))
            if (
              String(ERROR_CATALOGUE[example.value.code as keyof typeof ERROR_CATALOGUE]?.status) !== status
            )
              problems.push(
                `/docs-json: ${method.toUpperCase()} ${path} ${status} shows ${example.value.code}`,
              );
    fail(problems);
  });

  it('a sample of real requests answers statuses and codes that /docs-json documents for the route', async () => {
    const user = (
      await t
        .http()
        .post('/auth/register')
        .send({ email: `docs-${Date.now()}@tollgate.test`, password: 'correct horse battery' })
        .expect(201)
    ).body.access_token as string;
    const admin = (
      await t
        .http()
        .post('/auth/register')
        .send({ email: 'admin@tollgate.test', password: 'correct horse battery' })
        .expect(201)
    ).body.access_token as string;
    const missing = '00000000-0000-4000-8000-000000000000';
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const endpoint = (
      await t
        .http()
        .post('/admin/webhook-endpoints')
        .set(bearer(admin))
        .send({ url: 'http://127.0.0.1:9/tollgate', events: ['purchase.completed'] })
        .expect(201)
    ).body.id as string;
    const sample: Array<[string, string, () => Promise<{ status: number; body: { code?: string } }>]> = [
      ['GET /credits', 'no token', () => t.http().get('/credits')],
      [
        'POST /credits/consume',
        'a bad amount',
        () => t.http().post('/credits/consume').set(bearer(user)).send({ amount: -1 }),
      ],
      [
        'POST /credits/consume',
        'no credits',
        () => t.http().post('/credits/consume').set(bearer(user)).send({ amount: 1 }),
      ],
      [
        'GET /payments/products',
        'a bad product_type',
        () => t.http().get('/payments/products?product_type=nope'),
      ],
      ['GET /admin/users', 'a user token', () => t.http().get('/admin/users').set(bearer(user))],
      [
        'POST /payments/create-checkout-session',
        'an unknown price',
        () =>
          t
            .http()
            .post('/payments/create-checkout-session')
            .set(bearer(user))
            .send({ price_id: 'price_nope', product_id: 'prod_nope' }),
      ],
      [
        'DELETE /payments/cancel-subscription',
        'no subscription',
        () => t.http().delete('/payments/cancel-subscription').set(bearer(user)),
      ],
      [
        'POST /auth/register',
        'a taken email',
        () =>
          t
            .http()
            .post('/auth/register')
            .send({ email: 'admin@tollgate.test', password: 'correct horse battery' }),
      ],
      [
        'DELETE /admin/webhook-endpoints/{id}',
        'an unknown endpoint',
        () => t.http().delete(`/admin/webhook-endpoints/${missing}`).set(bearer(admin)),
      ],
      [
        'POST /admin/webhook-endpoints/{id}/test',
        'a real endpoint',
        () => t.http().post(`/admin/webhook-endpoints/${endpoint}/test`).set(bearer(admin)),
      ],
      [
        'POST /admin/webhook-endpoints/{id}/replay',
        'an unknown event',
        () =>
          t
            .http()
            .post(`/admin/webhook-endpoints/${endpoint}/replay`)
            .set(bearer(admin))
            .send({ event_id: 'msg_unknown' }),
      ],
    ];
    const problems: string[] = [];
    for (const [route, what, send] of sample) {
      const res = await send();
      const [method, path] = route.split(' ');
      const responses = openapi.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      if (!responses[String(res.status)]) {
        problems.push(`${route} (${what}) answered ${res.status}, which /docs-json does not list`);
        continue;
      }
      if (res.status >= 400 && !exampleCodes(openapi, route, res.status)?.includes(res.body.code ?? ''))
        problems.push(
          `${route} (${what}) answered ${res.status} ${res.body.code}, not an example of that status`,
        );
    }
    fail(problems);
  });
});
