// Preloaded with `node -r` by test/e2e/lean-image.e2e.spec.ts: makes the process fail loudly if it requires a
// package or reads a file that scripts/prune-runtime.js removes from the Docker image. Plain CommonJS.
const Module = require('node:module');
const fs = require('node:fs');
const { REMOVED_PACKAGES, REMOVED_FILES } = require('../../scripts/prune-runtime.js');

const blockedPackage = (request) =>
  REMOVED_PACKAGES.find((name) => request === name || request.startsWith(`${name}/`));
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const name = blockedPackage(request);
  if (name) throw new Error(`lean image: ${request} was required, but the image has no ${name}`);
  return resolve.call(this, request, ...rest);
};
const guard = (fn) =>
  function (path, ...rest) {
    // Declarations and maps are never read at runtime; only the PGlite bundles are worth guarding (a read of
    // any *.map would be Node's own source-map support, which is off).
    if (typeof path === 'string' && REMOVED_FILES.test(path) && path.endsWith('.tar.gz'))
      throw new Error(`lean image: ${path} was read, but the image does not ship it`);
    return fn.call(this, path, ...rest);
  };
fs.readFileSync = guard(fs.readFileSync);
fs.readFile = guard(fs.readFile);
fs.promises.readFile = guard(fs.promises.readFile);
fs.createReadStream = guard(fs.createReadStream);
