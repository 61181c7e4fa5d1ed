#!/usr/bin/env node
// The `layerwise` command: runs the compiled CLI in build/ (npx tsc -p tsconfig.node.json).
// Plain CommonJS, so it runs on any Node >= 20 without a loader.
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'build', 'backend', 'cli', 'index.js');
if (!existsSync(entry)) {
  console.error(
    `layerwise: the CLI is not built (${entry} is missing).\n` +
      'Run the set-up first: scripts/setup.sh (or: npm run build:node).'
  );
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then(code => {
    process.exitCode = code;
  });
