// Bundles each Lambda function exactly as `sam build` does, and the CLI.
//
// One source of build settings: each function's esbuild flags come from its Metadata.BuildProperties in
// template.yaml, turned into esbuild options the way aws-lambda-builders' esbuild workflow turns them into command-line
// flags (--bundle --platform=node, Target/Format/Minify defaults es2020/cjs/true, Sourcemap only when true,
// External, MainFields). So dist/<function>/<function>.js is the deployed bundle, byte for byte (test/infra/sam-build.test.ts
// checks this against a SAM-style build from a clean copy). Layout: dist/<function>/<function>.js, as SAM's
// artifact holds <function>.js at its root and `Handler: <function>.handler` resolves the same way.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;

// CloudFormation short tags (!Ref, !Sub, ...) are irrelevant to Metadata: parse them as plain values, quietly.
const template = parse(readFileSync(join(root, 'template.yaml'), 'utf8'), { logLevel: 'error' });

/** SAM's BuildProperties -> esbuild options (aws_lambda_builders/workflows/nodejs_npm_esbuild/esbuild.py). */
export function esbuildOptionsFromSam(props) {
  const known = new Set([
    'EntryPoints',
    'External',
    'Format',
    'MainFields',
    'Minify',
    'Target',
    'Sourcemap',
    'UseNpmCi',
  ]);
  const unknown = Object.keys(props).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    // A property SAM would pass through and this script would not: the two builds would differ.
    throw new Error(`template.yaml BuildProperties ${unknown.join(', ')}: not mirrored by scripts/build.mjs`);
  }
  return {
    bundle: true,
    platform: 'node',
    target: props.Target ?? 'es2020',
    format: props.Format ?? 'cjs',
    minify: props.Minify ?? true,
    sourcemap: props.Sourcemap === true,
    external: props.External ?? [],
    // SAM passes --main-fields only when set; esbuild's default for platform node is main,module.
    ...(props.MainFields === undefined ? {} : { mainFields: String(props.MainFields).split(',') }),
  };
}

const functions = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::Serverless::Function' && r.Metadata?.BuildMethod === 'esbuild')
  .map(([id, r]) => {
    const entry = r.Metadata.BuildProperties.EntryPoints[0];
    return {
      id,
      entry,
      name: basename(entry, extname(entry)),
      options: esbuildOptionsFromSam(r.Metadata.BuildProperties),
    };
  });

const sizes = {};
/** Each bundle's SDK commands (`<package> <Command>`): bench/run.ts builds each bundle's cold-start floor from them. */
const sdkCommands = {};
const jsOutput = (result) =>
  result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.js'))];
const bytesOf = (result) => jsOutput(result).bytes;
/** The commands whose code is in the bundle (the others are imported by the SDK's index and shaken out). */
const commandsOf = (result) =>
  Object.entries(jsOutput(result).inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([f]) => f.match(/node_modules\/(@aws-sdk\/client-[^/]+)\/dist-es\/commands\/(\w+Command)\.js$/))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
    .sort();
for (const fn of functions) {
  const result = await build({
    ...fn.options,
    entryPoints: [join(root, fn.entry)],
    outdir: join(root, 'dist', fn.name),
    metafile: true,
    logLevel: 'warning',
  });
  sizes[`dist/${fn.name}/${fn.name}.js`] = bytesOf(result);
  sdkCommands[`dist/${fn.name}/${fn.name}.js`] = commandsOf(result);
}

// The CLI is not deployed by SAM: it runs on the user's Node (20 or later), with a source map for stack traces.
// The EC2 client stays external as in the functions (lib/aws/clients.ts loads it on first use from node_modules), and
// the SDK resolves to its ES modules as in the functions, so only the commands sent are bundled.
const cliResult = await build({
  external: ['@aws-sdk/client-ec2'],
  mainFields: ['module', 'main'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  entryPoints: [join(root, 'cli', 'ecs-registrar.ts')],
  outfile: join(root, 'dist', 'cli', 'ecs-registrar.js'),
  target: 'node20',
});
sizes['dist/cli/ecs-registrar.js'] = bytesOf(cliResult);
sdkCommands['dist/cli/ecs-registrar.js'] = commandsOf(cliResult);

mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
writeFileSync(join(root, 'dist', 'sdk-commands.json'), `${JSON.stringify(sdkCommands, null, 2)}\n`);
for (const [file, bytes] of Object.entries(sizes)) console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB`);
