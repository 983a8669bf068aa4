import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from '../database/typeorm-options';

/** A DataSource for command-line tools, built by the same options builder as the app. */
export async function openCliDataSource(): Promise<{
  ds: DataSource;
  close: () => Promise<void>;
  description: string;
}> {
  const resolved = await buildDataSourceOptions(loadDatabaseConfig());
  const ds = await new DataSource(resolved.options).initialize();
  return {
    ds,
    description: resolved.description,
    close: async () => {
      await ds.destroy();
      await resolved.embedded?.stop();
    },
  };
}

/** Runs a CLI main, printing one line on failure and exiting non-zero. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
