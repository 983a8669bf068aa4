import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMigrationsLocked } from '../common/db/migrations';
import { openCliDataSource, runCli } from './cli-data-source';

/**
 * npm run migration:run | migration:revert | migration:generate -- <Name>
 * Same options builder as the app, so it works on DATABASE_URL and on the embedded database alike.
 */
runCli(async () => {
  const [command, name] = process.argv.slice(2);
  const { ds, close, description, embedded } = await openCliDataSource();
  try {
    if (command === 'run') {
      const ran = await runMigrationsLocked(ds, embedded); // replicas and a migrate Job may race: one runs them
      console.log(
        ran.length
          ? `${description}: applied ${ran.length} migration${ran.length === 1 ? '' : 's'}: ${ran.join(', ')}`
          : `${description}: already up to date (nothing to apply)`,
      );
    } else if (command === 'revert') {
      await ds.undoLastMigration({ transaction: 'each' });
      console.log(`${description}: reverted the last migration`);
    } else if (command === 'generate') {
      if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name))
        throw new Error('usage: migration:generate -- <PascalCaseName>');
      await ds.runMigrations();
      const sql = await ds.driver.createSchemaBuilder().log();
      if (sql.upQueries.length === 0) return console.log('No changes: entities match the schema.');
      const ts = Date.now();
      const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
      const q = (s: string) => `    await q.query(${JSON.stringify(s)});`;
      const file = join(process.cwd(), 'migrations', `${ts}-${kebab}.ts`);
      writeFileSync(
        file,
        `import { MigrationInterface, QueryRunner } from 'typeorm';\n\n` +
          `/** Generated: review before committing, then add it to migrations/index.ts. */\n` +
          `export class ${name}${ts} implements MigrationInterface {\n  name = '${name}${ts}';\n\n` +
          `  async up(q: QueryRunner): Promise<void> {\n${sql.upQueries.map((x) => q(x.query)).join('\n')}\n  }\n\n` +
          `  async down(q: QueryRunner): Promise<void> {\n${sql.downQueries
            .reverse()
            .map((x) => q(x.query))
            .join('\n')}\n  }\n}\n`,
      );
      console.log(`Wrote ${file}`);
    } else {
      throw new Error('usage: migrate run|revert|generate <Name>');
    }
  } finally {
    await close();
  }
});
