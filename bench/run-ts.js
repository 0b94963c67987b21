// Runs a TypeScript file (a benchmark) without a build step: compiles each required .ts file with @swc/core
// under the repository's .swcrc, the same settings the test runner uses.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const { $schema: _schema, ...swcOptions } = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcOptions, filename, swcrc: false, configFile: false });
  module._compile(code, filename);
};

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bench/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));
