// Bundles each Lambda function (and the CLI) into one minified, tree-shaken file with a source map.
// Layout: dist/<function>/<function>.js, so the template's `Handler: <function>.handler` resolves the same way
// it does after `sam build` flattens its esbuild output (see ../shared/aws-facts.md section 6.1).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const functions = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'));

// The EC2 client is three fifths of a bundle and most of its import time, yet only bridge/host-mode tasks and public
// IPs need it. It is left out and loaded on first use (lib/aws/clients.ts): in Lambda from the runtime's AWS SDK v3,
// in the CLI from node_modules. template.yaml's esbuild BuildProperties use the same External list.
export const EXTERNAL = ['@aws-sdk/client-ec2'];

const common = {
  external: EXTERNAL,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  treeShaking: true,
  sourcemap: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const sizes = {};
for (const fn of functions) {
  const outfile = join(root, 'dist', fn, `${fn}.js`);
  const result = await build({
    ...common,
    entryPoints: [join(root, 'functions', `${fn}.ts`)],
    outfile,
    target: 'node24',
  });
  sizes[`dist/${fn}/${fn}.js`] =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.js'))].bytes;
}
const cli = join(root, 'dist', 'cli', 'ecs-registrar.js');
const cliResult = await build({
  ...common,
  entryPoints: [join(root, 'cli', 'ecs-registrar.ts')],
  outfile: cli,
  target: 'node20',
});
sizes['dist/cli/ecs-registrar.js'] =
  cliResult.metafile.outputs[Object.keys(cliResult.metafile.outputs).find((o) => o.endsWith('.js'))].bytes;

mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
for (const [file, bytes] of Object.entries(sizes)) console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB`);
