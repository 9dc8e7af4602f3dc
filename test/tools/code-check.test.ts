import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The check runs the way npm test runs it (node tools/code-check/check.mjs in a repository), here on small
// repositories that plant one wrong-way import, one cycle or one long function each.
const CHECK = path.resolve(__dirname, '../../tools/code-check/check.mjs');

function repoWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'code-check-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

function check(dir: string, args: string[] = []): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [CHECK, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const make = (files: Record<string, string>) => {
  const d = repoWith(files);
  dirs.push(d);
  return d;
};

describe('tools/code-check/check.mjs', () => {
  it('passes a tree that keeps the layers, and says what it checked', () => {
    // Prepare
    const dir = make({
      'lib/domain/name.ts': 'export const name = (s: string) => s.toLowerCase();\n',
      'lib/engine/run.ts': "import { name } from '../domain/name';\nexport const run = () => name('A');\n",
      'lib/sync/batch.ts': "import { run } from '../engine/run';\nexport const batch = () => run();\n",
      'lib/reconcile/reconcile.ts': "import { run } from '../engine/run';\nexport const reconcile = () => run();\n",
    });
    // Act
    const { status, out } = check(dir);
    // Assess
    expect(out).toMatch(/code-check: 4 files.*ok/);
    expect(status).toBe(0);
  });

  it('fails a reconciler that imports the event path, naming the rule and the files', () => {
    const dir = make({
      'lib/sync/batch.ts': 'export const batch = () => 1;\n',
      'lib/reconcile/reconcile.ts': "import { batch } from '../sync/batch';\nexport const r = () => batch();\n",
    });
    const { status, out } = check(dir);
    expect(status).toBe(1);
    expect(out).toContain('[drivers-are-independent] lib/reconcile/reconcile.ts imports lib/sync/batch.ts');
  });

  it('fails a pure layer that imports the AWS SDK, even for a type', () => {
    const dir = make({
      'lib/plan/plan.ts': "import type { Change } from '@aws-sdk/client-route-53';\nexport type C = Change;\n",
    });
    const { status, out } = check(dir);
    expect(status).toBe(1);
    expect(out).toContain('[pure-layers-call-no-aws] lib/plan/plan.ts imports @aws-sdk/client-route-53');
  });

  it('fails product code that imports the test fakes', () => {
    const dir = make({
      'testkit/fake.ts': 'export const fake = 1;\n',
      'functions/sync.ts': "import { fake } from '../testkit/fake';\nexport const h = fake;\n",
    });
    const { status, out } = check(dir);
    expect(status).toBe(1);
    expect(out).toContain('[product-ships-no-dev-tooling] functions/sync.ts imports testkit/fake.ts');
  });

  it('fails an import cycle in lib/, listing its members', () => {
    const dir = make({
      'lib/engine/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'lib/engine/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    const { status, out } = check(dir);
    expect(status).toBe(1);
    expect(out).toContain('[no-import-cycles] lib/engine/a.ts <-> lib/engine/b.ts');
  });

  it('fails a function in lib/ longer than 80 lines, and passes one of exactly 80', () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const long = make({ 'lib/plan/long.ts': `export function tooLong() {\n${body(81)}\n}\n` });
    const fits = make({ 'lib/plan/fits.ts': `export function fits() {\n${body(80)}\n}\n` });
    const longRun = check(long);
    expect(longRun.status).toBe(1);
    expect(longRun.out).toContain('[function-length] lib/plan/long.ts:1 tooLong is 81 lines (at most 80)');
    expect(check(fits).status).toBe(0);
  });

  it('with --layers (as npm test runs it) checks imports but not function lengths', () => {
    const body = Array.from({ length: 90 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const long = make({ 'lib/plan/long.ts': `export function tooLong() {\n${body}\n}\n` });
    const wrongWay = make({
      'lib/sync/batch.ts': 'export const batch = () => 1;\n',
      'lib/reconcile/reconcile.ts': "import { batch } from '../sync/batch';\nexport const r = () => batch();\n",
    });
    expect(check(long, ['--layers']).status).toBe(0);
    const layers = check(wrongWay, ['--layers']);
    expect(layers.status).toBe(1);
    expect(layers.out).toContain('[drivers-are-independent]');
  });
});
