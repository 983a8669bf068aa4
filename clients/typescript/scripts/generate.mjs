// Renders the typed client from an OpenAPI document: `node generate.mjs <openapi.json> <output dir>`.
// The only place the generator is called (npm run client:generate, and the freshness test) so both agree.
import { readFileSync } from 'node:fs';
import { createClient } from '@hey-api/openapi-ts';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node generate.mjs <openapi.json> <output dir>');
  process.exit(2);
}
await createClient({
  input: JSON.parse(readFileSync(input, 'utf8')),
  // Imports end in .js: the package is built to ESM that plain Node and moduleResolution NodeNext resolve.
  output: { path: output, importFileExtension: '.js' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
  logs: { level: 'silent' },
});
