#!/usr/bin/env node
// Thin launcher for the bundled CLI (dist/cli/ecs-registrar.js, built by `npm run build`; `npm pack` builds it
// first). The bundle runs itself only when it is the entry point, so the launcher calls its `run` explicitly:
// requiring it alone would print nothing and exit 0.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'ecs-registrar.js');
if (!existsSync(bundle)) {
  console.error('ecs-registrar: the CLI is not built yet. Run `npm run build` in the project directory first.');
  process.exit(2);
}
require(bundle).run(process.argv.slice(2));
