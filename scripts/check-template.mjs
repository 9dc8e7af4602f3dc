// Template checks from the command line (the same ones `npm test` runs in test/infra/):
//   node scripts/check-template.mjs [--built] [template.yaml]
// First cfn-lint (required: `pip install cfn-lint`), then this stack's own rules (tools/template-check, bundled
// with esbuild and run from the project root). --built also requires each handler's bundle in dist/.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'template.yaml';
const lint = spawnSync('cfn-lint', [file], { stdio: 'inherit', cwd: root });
if (lint.error) {
  console.error(`cfn-lint is not on PATH (${lint.error.message}): install it with \`pip install cfn-lint\``);
  process.exit(1);
}
if (lint.status !== 0) process.exit(lint.status ?? 1);

const outfile = join(root, 'dist', '.run', 'check-template.js');
await build({
  entryPoints: [join(root, 'tools', 'template-check', 'cli.ts')],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
