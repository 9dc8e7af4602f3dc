import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkBuiltHandlers, formatProblem, loadTemplate, resolveHandlers } from '../../tools/template-check';

/**
 * `npm run build` produces one bundle per function, and the bundle each template Handler names exists and exports
 * that handler. `npm test` builds before jest; when the bundles are missing or older than the sources (jest run on
 * its own), this file runs the build itself first.
 */

const root = resolve(__dirname, '..', '..');
const template = loadTemplate(join(root, 'template.yaml'));
const functionNames = readdirSync(join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const bundleOf = (name: string) => join(root, 'dist', name, `${name}.js`);

function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let buildOutput = '';

beforeAll(() => {
  // The bundles depend on the sources and, for their esbuild settings, on template.yaml.
  const sources = Math.max(
    statSync(join(root, 'template.yaml')).mtimeMs,
    ...['functions', 'lib', 'infra', 'cli'].map((d) => newestSource(join(root, d))),
  );
  const stale = functionNames.filter((n) => !existsSync(bundleOf(n)) || statSync(bundleOf(n)).mtimeMs < sources);
  if (stale.length === 0) return;
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  buildOutput = `npm run build (bundles missing or stale: ${stale.join(', ')}) exited ${run.status}\n${run.stdout}\n${run.stderr}`;
}, 200_000);

test('npm run build produces one bundle per function', () => {
  expect(functionNames.length).toBeGreaterThan(0);
  const report = functionNames.map((name) => {
    const dir = join(root, 'dist', name);
    const bundles = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')) : [];
    return { function: `functions/${name}.ts`, bundles: bundles.map((b) => `dist/${name}/${b}`) };
  });
  const expected = functionNames.map((name) => ({
    function: `functions/${name}.ts`,
    bundles: [`dist/${name}/${name}.js`],
  }));
  if (buildOutput) console.log(buildOutput);
  expect(report).toEqual(expected);
});

test('every function in the template is built from functions/ and every functions/ entry point is deployed', () => {
  const { entries, problems } = resolveHandlers(template, root);
  expect(problems.map(formatProblem)).toEqual([]);
  expect(entries.map((e) => e.entryPoint).sort()).toEqual(functionNames.map((n) => `functions/${n}.ts`));
});

test("each template handler's bundle exists and exports the handler", () => {
  const { problems, notes } = checkBuiltHandlers(template, root);
  for (const note of notes) console.log(`handler check: ${note}`);
  if (problems.length && buildOutput) console.log(buildOutput);
  expect(problems.map(formatProblem)).toEqual([]);
  expect(notes).toHaveLength(functionNames.length);
});

describe('the bundle check itself', () => {
  const fn = (entry: string, handler: string) => ({
    ...template,
    Resources: {
      Fn: {
        Type: 'AWS::Serverless::Function',
        Metadata: { BuildMethod: 'esbuild', BuildProperties: { EntryPoints: [entry], Format: 'cjs' } },
        Properties: { CodeUri: './', Handler: handler },
      },
    },
  });

  test('names the missing bundle and why it is missing', () => {
    const { problems } = checkBuiltHandlers(fn('functions/not-written-yet.ts', 'not-written-yet.handler'), root);
    expect(problems.map(formatProblem)).toContain(
      'Resources.Fn.Properties.Handler: bundle dist/not-written-yet/not-written-yet.js for Fn (Handler not-written-yet.handler) is missing: its entry point functions/not-written-yet.ts does not exist, so npm run build cannot produce it',
    );
  });

  test('falls back to a static check, and says so, when the bundle cannot be required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-check-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{}');
      mkdirSync(join(dir, 'functions'));
      writeFileSync(join(dir, 'functions', 'x.ts'), 'export const handler = async () => ({});');
      mkdirSync(join(dir, 'dist', 'x'), { recursive: true });
      const bundle =
        'var e={};d(e,{handler:()=>h});module.exports=e;throw new Error("REGISTRAR_X is required");function h(){}';
      writeFileSync(join(dir, 'dist', 'x', 'x.js'), bundle);
      const ok = checkBuiltHandlers(fn('functions/x.ts', 'x.handler'), dir);
      expect(ok.problems).toEqual([]);
      expect(ok.notes[0]).toMatch(
        /^dist\/x\/x\.js: could not be required \(.*REGISTRAR_X is required.*\); export checked statically: found$/,
      );
      const wrong = checkBuiltHandlers(fn('functions/x.ts', 'x.main'), dir);
      expect(wrong.problems.map(formatProblem)).toEqual([
        "Resources.Fn.Properties.Handler: dist/x/x.js does not export 'main' (static check of the esbuild export map)",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
