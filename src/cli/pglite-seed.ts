import { writeSeed } from '../common/db/embedded-seed';
import { runCli } from './cli-data-source';

/** Writes the embedded PostgreSQL seed (see embedded-seed.ts). Run by scripts/prepare.js on npm ci. */
runCli(async () => {
  console.log(`embedded PostgreSQL seed ready: ${await writeSeed()}`);
});
