import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isProduction, isTest, str } from './env';

/**
 * The JWT secret when JWT_SECRET is unset outside production: kept beside the embedded data (`.data/dev-jwt-secret`,
 * mode 600, git-ignored) so a restarted dev server still accepts the tokens it issued. Random per process under
 * tests, with an in-memory database, in production (never reached: JWT_SECRET is required there), or when the
 * file cannot be written.
 */
export function devJwtSecret(env: NodeJS.ProcessEnv): string {
  const fresh = () => randomBytes(32).toString('hex');
  const dataDir = str(env, 'PGLITE_DATA_DIR', '.data/pglite')!;
  if (isTest(env) || isProduction(env) || dataDir.startsWith('memory://')) return fresh();
  const file = join(dirname(dataDir), 'dev-jwt-secret');
  try {
    if (existsSync(file)) {
      const saved = readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(saved)) return saved;
    }
    const secret = fresh();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  } catch {
    return fresh();
  }
}
