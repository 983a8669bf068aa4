import { request as httpRequest } from 'node:http';
import { MetricsPortServer } from '../../src/metrics/metrics-port.server';
import { createTestApp, TestApp } from '../support/test-app';

const TOKEN = 'metrics-token-for-the-port-test';

/** GET with an arbitrary Host header (what Prometheus sends when it scrapes a pod by IP). */
function get(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('METRICS_PORT: Prometheus scrapes pods by IP (e2e)', () => {
  let t: TestApp;
  let apiPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    t = await createTestApp({
      env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN, ALLOWED_HOSTS: 'api.example.com', HOST: '127.0.0.1' },
    });
    apiPort = Number(new URL(t.url).port);
    metricsPort = t.app.get(MetricsPortServer).port!;
  });
  afterAll(async () => {
    await t.close();
  });

  it('the metrics port answers a scrape addressed to the pod IP, without a token, in Prometheus text', async () => {
    expect(metricsPort).toBeGreaterThan(0);
    expect(metricsPort).not.toBe(apiPort);
    const res = await get(metricsPort, '/metrics', `10.1.2.3:${metricsPort}`);
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    expect(res.body).toContain('# TYPE tollgate_outbound_delivery_attempts_total counter');
    expect(res.body).toContain('# TYPE tollgate_http_request_duration_seconds histogram');
  });

  it('serves nothing else there (no API on the metrics port)', async () => {
    expect((await get(metricsPort, '/health/live', `10.1.2.3:${metricsPort}`)).status).toBe(404);
    expect((await get(metricsPort, '/payments/products', `10.1.2.3:${metricsPort}`)).status).toBe(404);
  });

  it('the main port keeps its rules: the Host allow-list, then the bearer token', async () => {
    const byIp = await get(apiPort, '/metrics', `10.1.2.3:${apiPort}`);
    expect([byIp.status, JSON.parse(byIp.body).code]).toEqual([400, 'HOST_NOT_ALLOWED']);
    const noToken = await get(apiPort, '/metrics', 'api.example.com');
    expect([noToken.status, JSON.parse(noToken.body).code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
  });
});
