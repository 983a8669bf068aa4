import { loadMetricsConfig } from '../config/metrics.config';

describe('METRICS_PORT', () => {
  it('is off unless set, follows METRICS_ENABLED=false, and is refused on the API port', () => {
    expect(loadMetricsConfig({}).port).toBeUndefined();
    expect(loadMetricsConfig({ METRICS_PORT: '9464' }).port).toBe(9464);
    // Production without a token: /metrics off on the main port, on on the metrics port.
    const prod = loadMetricsConfig({ NODE_ENV: 'production', METRICS_PORT: '9464' });
    expect([prod.enabled, prod.port]).toEqual([false, 9464]);
    expect(loadMetricsConfig({ METRICS_PORT: '9464', METRICS_ENABLED: 'false' }).port).toBeUndefined();
    expect(() => loadMetricsConfig({ METRICS_PORT: '8000' })).toThrow(
      'METRICS_PORT must differ from PORT (8000)',
    );
    expect(() => loadMetricsConfig({ METRICS_PORT: 'metrics' })).toThrow('METRICS_PORT');
  });
});
