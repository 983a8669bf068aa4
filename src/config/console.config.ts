import { ConfigType, registerAs } from '@nestjs/config';
import { bool, int } from './env';

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** CONSOLE_ENABLED=false: /console is not served (the admin API under it stays, guarded by role). */
    enabled: bool(env, 'CONSOLE_ENABLED', true),
    /**
     * CONSOLE_SUPPORT_GRANT_LIMIT: the most promotional credits a `support` user may grant in one action
     * (admins have no such limit); 0 forbids support grants.
     */
    supportGrantLimit: int(env, 'CONSOLE_SUPPORT_GRANT_LIMIT', 1000, 0, 1_000_000),
  };
}

export const consoleConfig = registerAs('console', () => loadConsoleConfig());
export type ConsoleConfig = ConfigType<typeof consoleConfig>;
