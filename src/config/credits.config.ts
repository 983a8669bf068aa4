import { ConfigType, registerAs } from '@nestjs/config';
import { bool, int } from './env';

/** The credit engine's background work: expiring grants and holds, and warning before grants expire. */
export function loadCreditsConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** The scheduled expiry job (grants past expires_at, holds past their TTL); reads never wait for it. */
    expiryEnabled: bool(env, 'CREDITS_EXPIRY_ENABLED', true),
    expiryIntervalSeconds: int(env, 'CREDITS_EXPIRY_INTERVAL_SECONDS', 60, 1, 86_400),
    /** Grants (or holds) handled per run, in transactions of one user each. */
    expiryBatchSize: int(env, 'CREDITS_EXPIRY_BATCH_SIZE', 500, 1, 100_000),
    /** credits.expiring_soon is sent once per grant this long before it expires. */
    expiringSoonHours: int(env, 'CREDITS_EXPIRING_SOON_HOURS', 72, 1, 24 * 365),
  };
}

export const creditsConfig = registerAs('credits', () => loadCreditsConfig());
export type CreditsConfig = ConfigType<typeof creditsConfig>;
