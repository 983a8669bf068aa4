import { loadAppConfig } from './app.config';
import { loadDemoConfig } from './demo.config';
import { ConfigError } from './env';

describe('demo configuration', () => {
  it('serves the demo and time travel in development, and checkout returns to the demo page', () => {
    const dev = { NODE_ENV: 'development' };
    expect(loadDemoConfig(dev)).toEqual({ enabled: true, timeTravel: true });
    expect(loadAppConfig(dev).frontendUrl).toBe('http://localhost:8000/demo');
    expect(loadAppConfig({ ...dev, PORT: '9000' }).frontendUrl).toBe('http://localhost:9000/demo');
    expect(loadAppConfig({ ...dev, FRONTEND_URL: 'https://app.example.com/' }).frontendUrl).toBe(
      'https://app.example.com',
    );
  });

  it('is off in production unless DEMO_ENABLED=true; FRONTEND_URL keeps its old default without the demo', () => {
    expect(loadDemoConfig({ NODE_ENV: 'production' })).toEqual({ enabled: false, timeTravel: false });
    expect(loadDemoConfig({ NODE_ENV: 'production', DEMO_ENABLED: 'true' }).enabled).toBe(true);
    expect(loadAppConfig({ NODE_ENV: 'development', DEMO_ENABLED: 'false' }).frontendUrl).toBe(
      'http://localhost:3000',
    );
  });

  it('refuses DEMO_TIME_TRAVEL in production with one line', () => {
    expect(() => loadDemoConfig({ NODE_ENV: 'production', DEMO_TIME_TRAVEL: 'true' })).toThrow(
      new ConfigError('DEMO_TIME_TRAVEL', 'cannot be enabled in production'),
    );
  });
});
