// Offline template check from the command line (the same checks `npm test` runs in test/infra/template.test.ts):
//   node scripts/check-template.mjs [--built] [template.yaml]
// Bundles infra/template-check/cli.ts with esbuild, leaving node_modules external (the CloudFormation spec package
// reads its database relative to its own files), and runs it from the project root.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outfile = join(root, 'dist', '.run', 'check-template.js');
await build({
  entryPoints: [join(root, 'infra', 'template-check', 'cli.ts')],
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
