import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthConfig } from './auth.config';

describe('dev JWT secret', () => {
  it('survives a restart: kept beside the embedded data, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-dev-'));
    const env = { NODE_ENV: 'development', PGLITE_DATA_DIR: join(dir, 'pglite') };
    const first = loadAuthConfig(env).jwtSecret;
    expect(loadAuthConfig(env).jwtSecret).toBe(first); // a second process start
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'dev-jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('stays random per process with an in-memory database, and JWT_SECRET always wins', () => {
    const memory = { NODE_ENV: 'development', PGLITE_DATA_DIR: 'memory://' };
    expect(loadAuthConfig(memory).jwtSecret).not.toBe(loadAuthConfig(memory).jwtSecret);
    const explicit = 'x7Hq9vR2mL4pT8wK1zN6bC3yF5gJ0dSa';
    expect(loadAuthConfig({ ...memory, JWT_SECRET: explicit }).jwtSecret).toBe(explicit);
  });
});
