import { createServer } from 'node:net';
import { createTestApp, TestApp } from '../support/test-app';

/** A loopback port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Redis outage (rate limits in Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After on throttled routes, not 500, and keeps probes up', async () => {
    const products = await t.http().get('/payments/products?product_type=subscription');
    expect([products.status, products.body.code, products.headers['retry-after']]).toEqual([
      503,
      'SERVICE_UNAVAILABLE',
      '1',
    ]);
    const register = await t
      .http()
      .post('/auth/register')
      .send({ email: 'redis-down@example.com', password: 'correct horse battery' });
    expect([register.status, register.body.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    // Nothing was half-done: the account was not created behind the refusal.
    const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM users WHERE email = $1', [
      'redis-down@example.com',
    ]);
    expect(rows).toEqual([]);
    await t.http().get('/health/live').expect(200);
  });
});
