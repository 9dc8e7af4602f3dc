#!/usr/bin/env node
// Thin launcher: the CLI is bundled by `npm run build` (run by `npm test` and by `npm run prepare`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'ecs-registrar.js');
if (!existsSync(bundle)) {
  console.error('ecs-registrar: the CLI is not built yet. Run `npm run build` in the project directory first.');
  process.exit(2);
}
require(bundle);
