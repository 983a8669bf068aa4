import { connect } from 'node:net';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';

/** Bytes on the wire, exactly as given (supertest would re-encode a string and JSON-serialise a Buffer). */
async function post(
  t: TestApp,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${t.url}${path}`, {
    method: path.startsWith('/users/') ? 'PUT' : 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

const json = (text: string) => new TextEncoder().encode(text);
/** `{"email":"<bytes>","password":"xxxxxxxxxx"}` with raw bytes inside the string. */
const withBytes = (...bytes: number[]) =>
  Buffer.concat([
    Buffer.from('{"email":"'),
    Buffer.from(bytes),
    Buffer.from('@example.com","password":"xxxxxxxxxx"}'),
  ]);

describe('ill-formed text in a request body: 400 VALIDATION_FAILED, never 500 (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    user = await registerUser(t);
  }, 120_000);
  afterAll(async () => t?.close());

  it.each([
    ['/auth/login', '{"email":"\\ud800","password":"xxxxxxxxxx"}'],
    ['/auth/register', '{"email":"\\udc00a@example.com","password":"xxxxxxxxxx"}'],
    ['/auth/register', '{"email":"a@example.com","password":"xxxxxxxxxx\\ud83d"}'],
    ['/auth/login', '{"email\\ud800":"a@example.com","password":"xxxxxxxxxx"}'],
  ])('refuses a lone UTF-16 surrogate escape on %s: %s', async (path, body) => {
    const res = await post(t, path, json(body));
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(res.body.message).toMatch(/surrogate/);
  });

  it("refuses a lone surrogate in PUT /users/{id}'s email (admin) and leaves the user as it was", async () => {
    const res = await post(t, `/users/${user.id}`, json('{"email":"\\ud800"}'), admin.auth);
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const me = await t.http().get('/auth/me').set(user.auth).expect(200);
    expect((me.body as { email: string }).email).toBe(user.email);
  });

  it.each([
    ['an overlong "/" (C0 AF)', withBytes(0xc0, 0xaf)],
    ['an overlong NUL (E0 80 80)', withBytes(0xe0, 0x80, 0x80)],
    ['a UTF-8-encoded surrogate (ED A0 80)', withBytes(0xed, 0xa0, 0x80)],
    ['a truncated sequence (E2 82)', withBytes(0xe2, 0x82)],
    ['a stray continuation byte (80)', withBytes(0x80)],
  ])('refuses a body that is not UTF-8: %s', async (_, body) => {
    const res = await post(t, '/auth/register', body);
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(res.body.message).toMatch(/UTF-8/);
  });

  it('refuses a body that starts with a byte order mark', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json('{"email":"a@b.co","password":"x"}')]);
    const res = await post(t, '/auth/login', body);
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('treats one email typed precomposed (é) and decomposed (e + U+0301) as one account', async () => {
    const nfc = `caf\u00e9-${Date.now()}@example.com`;
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    await t.http().post('/auth/register').send({ email: nfc, password: 'correct horse battery' }).expect(201);
    const again = await t
      .http()
      .post('/auth/register')
      .send({ email: nfd, password: 'correct horse battery' });
    expect(again.status).toBe(409);
    expect((again.body as { code: string }).code).toBe('AUTH_EMAIL_TAKEN');
    await t.http().post('/auth/login').send({ email: nfd, password: 'correct horse battery' }).expect(200);
  });

  /** Writes `raw` on a fresh connection and returns everything the server sends before it closes. */
  function rawExchange(raw: string): Promise<string> {
    const { port } = new URL(t.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(raw));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }
  const parse = (response: string) => {
    const [head, body] = response.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) as Record<string, unknown> };
  };

  it('answers oversized headers 431 HEADERS_TOO_LARGE in the standard error body', async () => {
    const res = parse(
      await rawExchange(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(res.status).toBe(431);
    expect(res.head).toMatch(/content-type: application\/json/i);
    expect(res.body).toEqual({
      statusCode: 431,
      code: 'HEADERS_TOO_LARGE',
      message: 'The request headers are too large.',
      detail: 'The request headers are too large.',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('answers a request that is not HTTP 400 VALIDATION_FAILED in the standard error body', async () => {
    const res = parse(await rawExchange('HELLO THERE\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it.each([
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/xml',
  ])('answers a %s body 415 UNSUPPORTED_MEDIA_TYPE, whatever it contains', async (type) => {
    for (const body of ['hello', '{"email":"a@example.com","password":"xxxxxxxxxx"}']) {
      const res = await post(t, '/auth/login', body, { 'Content-Type': type });
      expect(res).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
  });
});
