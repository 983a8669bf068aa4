import { ConfigError } from '../config/env';
import { DatabaseNotMigratedError } from './db/migrations';
import { describeStartupError } from './startup-error';

const db = { database: 'db.internal:5432', connectTimeoutMs: 1500 };
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('describeStartupError', () => {
  it('names host:port and DATABASE_URL for a refused, unknown or silent database', () => {
    expect(describeStartupError(coded('ECONNREFUSED'), db)).toBe(
      'Cannot reach PostgreSQL at db.internal:5432 (DATABASE_URL): connection refused.',
    );
    const aggregate = Object.assign(new AggregateError([coded('ECONNREFUSED')], ''), {});
    expect(describeStartupError(aggregate, db)).toContain('connection refused');
    expect(describeStartupError(coded('ENOTFOUND'), db)).toContain('host not found');
    expect(describeStartupError(new Error('timeout exceeded when trying to connect'), db)).toBe(
      'Cannot reach PostgreSQL at db.internal:5432 (DATABASE_URL): no answer after 1500 ms (DB_CONNECT_TIMEOUT_MS).',
    );
  });

  it('names METRICS_PORT when the metrics port is the busy one', () => {
    const busy = Object.assign(coded('EADDRINUSE'), { address: '0.0.0.0', port: 9464 });
    expect(describeStartupError(busy, { metricsPort: 9464 })).toBe(
      'Cannot listen on 0.0.0.0:9464: the port is already in use (another Tollgate?). Stop it or set METRICS_PORT to a free port.',
    );
    expect(describeStartupError(busy, { metricsPort: 9000 })).toContain('set PORT to a free port');
  });

  it('names STRIPE_API_URL when the Stripe server it points at does not answer at startup', () => {
    const stripeDown = Object.assign(new Error('An error occurred with our connection to Stripe.'), {
      type: 'StripeConnectionError',
      detail: coded('ECONNREFUSED'),
    });
    expect(describeStartupError(stripeDown, { ...db, stripeApiUrl: 'http://stripe-emulator:12111' })).toBe(
      'Cannot reach Stripe at http://stripe-emulator:12111 (STRIPE_API_URL): connection refused. Start that server (Docker Compose: COMPOSE_PROFILES=emulator) or fix STRIPE_API_URL.',
    );
    expect(describeStartupError(stripeDown, db)).toBe(
      'Cannot reach Stripe (api.stripe.com): connection refused. Check the network, or set STRIPE_API_URL to an emulator.',
    );
  });

  it('tells an unmigrated database to run npm run migration:run', () => {
    expect(describeStartupError(new DatabaseNotMigratedError(['A1', 'B2']), db)).toBe(
      'PostgreSQL at db.internal:5432: the database is not migrated (2 pending: A1, B2): run npm run migration:run (or set DB_MIGRATE_ON_START=true).',
    );
    expect(describeStartupError(coded('42P01', 'relation "plans" does not exist'), db)).toContain(
      'run npm run migration:run',
    );
  });

  it('says which port is busy, and passes config errors through unchanged', () => {
    const busy = Object.assign(coded('EADDRINUSE', 'listen EADDRINUSE'), { address: '0.0.0.0', port: 8000 });
    expect(describeStartupError(busy)).toBe(
      'Cannot listen on 0.0.0.0:8000: the port is already in use (another Tollgate?). Stop it or set PORT to a free port.',
    );
    expect(describeStartupError(new ConfigError('DATABASE_URL', 'is required in production'))).toBe(
      'Invalid configuration: DATABASE_URL is required in production',
    );
  });

  it('keeps an unknown failure to its first line', () => {
    expect(describeStartupError(new Error('boom\n    at x'))).toBe('Startup failed: boom');
  });
});
