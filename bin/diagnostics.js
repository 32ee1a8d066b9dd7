#!/usr/bin/env node
// Entry for `npx diagnostics`: runs the compiled CLI (built by `npm ci` through the prepare script).
const path = require('node:path');
const compiled = path.join(__dirname, '..', 'dist', 'cli', 'diagnostics.js');
try {
  require.resolve(compiled);
} catch {
  console.error('The CLI is not built yet: run `npm run build` first.');
  process.exit(1);
}
require(compiled)
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
