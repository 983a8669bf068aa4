import { randomBytes } from 'node:crypto';
import { ConfigType, registerAs } from '@nestjs/config';
import { ConfigError, int, isProduction, str } from './env';

export const MIN_JWT_SECRET_LENGTH = 32;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  let jwtSecret = str(env, 'JWT_SECRET');
  let generated = false;
  if (jwtSecret === undefined) {
    if (isProduction(env)) throw new ConfigError('JWT_SECRET', 'is required in production');
    jwtSecret = randomBytes(32).toString('hex');
    generated = true;
  } else if (jwtSecret.length < MIN_JWT_SECRET_LENGTH || /^(secret|changeme|password)/i.test(jwtSecret)) {
    if (isProduction(env)) {
      throw new ConfigError(
        'JWT_SECRET',
        `is too weak: use at least ${MIN_JWT_SECRET_LENGTH} random characters`,
      );
    }
  }
  return {
    jwtSecret,
    jwtSecretGenerated: generated,
    jwtExpiresInSeconds: int(env, 'JWT_EXPIRES_IN', 3600, 60, 60 * 60 * 24 * 30),
  };
}

export const authConfig = registerAs('auth', () => loadAuthConfig());
export type AuthConfig = ConfigType<typeof authConfig>;
