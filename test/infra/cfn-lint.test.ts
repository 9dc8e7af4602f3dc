import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The CloudFormation linter (cfn-lint, with the SAM translator CloudFormation itself runs) on template.yaml: schemas,
 * property names and types, references, intrinsic functions, Rules. It is required: without it this test fails and
 * says how to install it (as the integration tests do for moto_server).
 */

const root = resolve(__dirname, '..', '..');
const lint = (file: string) => spawnSync('cfn-lint', [file], { encoding: 'utf8', timeout: 120_000 });
const installHint = 'cfn-lint is not on PATH: install it with `pip install cfn-lint` (see docs/deploy.md)';

test('cfn-lint template.yaml passes', () => {
  const run = lint(join(root, 'template.yaml'));
  if (run.error) throw new Error(`${installHint} (${run.error.message})`);
  expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
}, 130_000);

test('cfn-lint catches a misspelled property and a dangling reference, naming each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    const broken = readFileSync(join(root, 'template.yaml'), 'utf8')
      .replace('      VisibilityTimeout: 420', '      VisiblityTimeout: 420')
      .replace('      Role: !GetAtt SyncFunctionRole.Arn', '      Role: !GetAtt SyncRole.Arn');
    const file = join(dir, 'template.yaml');
    writeFileSync(file, broken);
    const run = lint(file);
    if (run.error) throw new Error(`${installHint} (${run.error.message})`);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/VisiblityTimeout/);
    expect(run.stdout).toMatch(/SyncRole/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 130_000);
