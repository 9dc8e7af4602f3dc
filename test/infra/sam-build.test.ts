import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve } from 'node:path';
import { checkBuiltHandlers, loadTemplate } from '../../tools/template-check';
import { isObject, type JsonObject } from '../../tools/template-check/types';

/**
 * `sam build` as SAM CLI does it (aws-lambda-builders' esbuild workflow, UseNpmCi): a copy of the project without
 * node_modules, .git and .aws-sam; `npm ci --omit=dev` in it; esbuild found in that copy's node_modules/.bin; the
 * flags built from each function's Metadata.BuildProperties in template.yaml by SAM's own rules (written out here
 * again, independently of scripts/build.mjs). Then each handler must load and export `handler`, and the bundle must
 * be byte-identical to what `npm run build` wrote to dist/, so the tests exercise the deployed code.
 */

const root = resolve(__dirname, '..', '..');
const template = loadTemplate(join(root, 'template.yaml'));
const functions = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::Serverless::Function')
  .map(([id, r]) => ({ id, build: (r.Metadata?.BuildProperties ?? {}) as JsonObject }));

/** aws_lambda_builders/workflows/nodejs_npm_esbuild/esbuild.py, EsbuildCommandBuilder, for PascalCase properties. */
function samEsbuildArgs(props: JsonObject, outdir: string): string[] {
  const args: string[] = [];
  for (const [prop, flag] of [
    ['Minify', 'minify'],
    ['Sourcemap', 'sourcemap'],
  ] as const)
    if (props[prop] === true) args.push(`--${flag}`);
  for (const [prop, flag] of [
    ['Target', 'target'],
    ['Format', 'format'],
    ['MainFields', 'main-fields'],
    ['SourcesContent', 'sources-content'],
  ] as const)
    if (props[prop] !== undefined) args.push(`--${flag}=${String(props[prop])}`);
  for (const [prop, flag] of [
    ['External', 'external'],
    ['Loader', 'loader'],
    ['OutExtension', 'out-extension'],
    ['Banner', 'banner'],
  ] as const) {
    const values = props[prop];
    if (values !== undefined) {
      if (!Array.isArray(values)) throw new Error(`BuildProperties.${prop} must be a list`);
      for (const v of values) args.push(`--${flag}:${String(v)}`);
    }
  }
  args.push('--bundle', '--platform=node', `--outdir=${outdir}`);
  if (props.Target === undefined) args.push('--target=es2020');
  if (props.Format === undefined) args.push('--format=cjs');
  if (props.Minify === undefined) args.push('--minify');
  const entryPoints = props.EntryPoints;
  if (!Array.isArray(entryPoints) || entryPoints.length === 0) throw new Error('BuildProperties.EntryPoints missing');
  return [...args, ...entryPoints.map(String)];
}

let copy = '';
let install: ReturnType<typeof spawnSync>;

beforeAll(() => {
  // `npm test` builds before jest; run on its own, this file brings dist/ up to date with the template first.
  const stale = functions.some(({ build }) => {
    const name = basename(String((build.EntryPoints as string[])[0]), '.ts');
    const built = join(root, 'dist', name, `${name}.js`);
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'template.yaml')).mtimeMs;
  });
  if (stale) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, timeout: 120_000 });
  copy = mkdtempSync(join(tmpdir(), 'sam-build-'));
  cpSync(root, copy, {
    recursive: true,
    filter: (src) => {
      const rel = relative(root, src).split(/[\\/]/)[0];
      return !['node_modules', '.git', '.aws-sam', 'dist', 'coverage'].includes(rel ?? '');
    },
  });
  // What SAM runs with UseNpmCi (offline when the npm cache already has every package, as after npm ci here).
  install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 150_000,
  });
}, 160_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

test('npm ci --omit=dev installs the production dependencies, esbuild among them, in a clean copy', () => {
  expect({ status: install.status, stderr: install.status === 0 ? '' : String(install.stderr) }).toEqual({
    status: 0,
    stderr: '',
  });
  // SAM looks for esbuild only in the copy's node_modules/.bin and on PATH (aws-lambda-builders esbuild.py).
  expect(existsSync(join(copy, 'node_modules', '.bin', 'esbuild'))).toBe(true);
  // Dev tooling stays out of the production install.
  expect(existsSync(join(copy, 'node_modules', 'jest'))).toBe(false);
  expect(existsSync(join(copy, 'node_modules', '@biomejs', 'biome'))).toBe(false);
});

test('every function builds with the template Metadata flags, loads, exports handler, and equals the npm run build bundle', () => {
  expect(functions.length).toBeGreaterThan(0);
  const results = functions.map(({ id, build }) => {
    const entry = String((build.EntryPoints as string[])[0]);
    const name = basename(entry, extname(entry));
    // checkBuiltHandlers looks for dist/<name>/<name>.js under the root it is given: the copy.
    const outdir = join(copy, 'dist', name);
    const run = spawnSync(join(copy, 'node_modules', '.bin', 'esbuild'), samEsbuildArgs(build, outdir), {
      cwd: copy,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const artifact = join(outdir, `${name}.js`);
    const built = join(root, 'dist', name, `${name}.js`);
    const fresh = existsSync(built) && statSync(built).mtimeMs >= statSync(join(root, 'template.yaml')).mtimeMs;
    return {
      id,
      esbuild: run.status === 0 ? 'ok' : `exit ${run.status}: ${run.stderr}`,
      artifact: existsSync(artifact) ? `${name}.js` : 'missing',
      sameAsNpmRunBuild: fresh ? readFileSync(artifact).equals(readFileSync(built)) : 'dist is stale: npm run build',
    };
  });
  expect(results).toEqual(
    functions.map(({ id, build }) => ({
      id,
      esbuild: 'ok',
      artifact: `${basename(String((build.EntryPoints as string[])[0]), '.ts')}.js`,
      sameAsNpmRunBuild: true,
    })),
  );
  const { problems, notes } = checkBuiltHandlers(template, copy);
  expect(problems).toEqual([]);
  // Required for real, not the static fallback.
  expect(notes.sort()).toEqual(
    functions
      .map(({ build }) => basename(String((build.EntryPoints as string[])[0]), '.ts'))
      .map((n) => `dist/${n}/${n}.js: required; export 'handler' is a function`)
      .sort(),
  );
});

test('the template asks SAM for npm ci and leaves the lazily loaded EC2 client to the runtime', () => {
  for (const { id, build } of functions) {
    expect({ id, UseNpmCi: build.UseNpmCi, External: build.External }).toEqual({
      id,
      UseNpmCi: true,
      External: ['@aws-sdk/client-ec2'],
    });
  }
  expect(isObject(template.Globals?.Function)).toBe(true);
});
