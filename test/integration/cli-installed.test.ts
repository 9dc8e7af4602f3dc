import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { version } from '../../package.json';
import { type MotoServer, startMoto } from '../../testkit/moto';
import { listRecords } from '../../testkit/moto-world';
import { ensureBuilt, root, runCli } from '../cli/run-cli';
import { ipOf, seedScenario } from '../cli/scenario';

jest.setTimeout(300_000);

/**
 * Issue 9: the command a user installs must work. The package is packed with `npm pack` and installed from the
 * tarball into an empty folder, exactly as `npm install ecs-registrar` would, then the installed
 * node_modules/.bin/ecs-registrar (and `npx ecs-registrar`) is run against moto.
 */
describe('the installed ecs-registrar command (npm pack, npm install of the tarball)', () => {
  let moto: MotoServer;
  let work: string;
  let installed: string;
  let app: string;

  beforeAll(async () => {
    ensureBuilt();
    work = mkdtempSync(join(tmpdir(), 'ecs-registrar-pack-'));
    // --ignore-scripts: the prepack build already ran (npm test builds first); rebuilding here would rewrite the
    // bundle under the other test files that are running it.
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed!.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['bin/ecs-registrar.js', 'dist/cli/ecs-registrar.js', 'package.json']),
    );
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true }));
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed!.filename)],
      { cwd: app, encoding: 'utf8' },
    );
    if (install.status !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`);
    installed = join(app, 'node_modules', '.bin', 'ecs-registrar');
    expect(existsSync(installed)).toBe(true);
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('--help prints the usage and exits 0, through the installed bin and through npx', () => {
    // Act
    const direct = runCli(['--help'], {}, { executable: installed });
    const npx = spawnSync('npx', ['--no-install', 'ecs-registrar', '--help'], { cwd: app, encoding: 'utf8' });

    // Assess
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/^ecs-registrar: keep Route 53 records and Cloud Map instances/);
    expect(direct.stdout).toContain('Usage: ecs-registrar COMMAND [options]');
    expect(direct.stdout).toMatch(/\n {2}sync +apply ECS events/);
    expect(direct.stdout).toMatch(/\n {2}reconcile +repair drift/);
    expect(npx.status).toBe(0);
    expect(npx.stdout).toBe(direct.stdout);
  });

  test('--version prints the package version; help COMMAND and COMMAND --help print that command', () => {
    // Act
    const v = runCli(['--version'], {}, { executable: installed });
    const helpSync = runCli(['help', 'sync'], {}, { executable: installed });
    const syncHelp = runCli(['sync', '--help'], {}, { executable: installed });
    const none = runCli([], {}, { executable: installed });

    // Assess
    expect(v).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(helpSync.code).toBe(0);
    expect(helpSync.stdout).toContain('Usage: ecs-registrar sync --events FILE');
    expect(helpSync.stdout).toContain('Exit codes:');
    expect(helpSync.stdout).toContain('Examples:');
    expect(syncHelp).toEqual(helpSync);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: ecs-registrar COMMAND [options]');
  });

  test('sync applies events from a file and reconcile repairs a deleted record, against moto', async () => {
    // Prepare
    const s = await seedScenario(moto, { count: 2 });
    const file = s.eventsFile('running.jsonl', s.runningEvents());

    // Act
    const sync = runCli(['sync', '--events', file], s.env, { executable: installed });

    // Assess
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/2 events: 2 applied; 4 changes; \d+ AWS calls/);
    const values = async () =>
      (await listRecords(s.c, s.zoneId))
        .filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:cli-test:') && r.Type === 'A')
        .map((r) => r.ResourceRecords![0]!.Value)
        .sort();
    expect(await values()).toEqual(s.tasks.map(ipOf).sort());

    // Act: a converged reconcile; then a record deleted by hand, which a dry run plans and a real run repairs
    const converged = runCli(['reconcile'], s.env, { executable: installed });
    const [lost] = (await listRecords(s.c, s.zoneId)).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:'));
    await s.c.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: s.zoneId,
        ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: lost! }] },
      }),
    );
    const dry = runCli(['reconcile', '--dry-run', '--json'], s.env, { executable: installed });
    const afterDry = await values();
    const real = runCli(['reconcile'], s.env, { executable: installed });

    // Assess
    expect(converged.code).toBe(0);
    expect(converged.stdout).toMatch(/outcome: converged; drift 0/);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      outcome: string;
      drift: number;
      changes: { action: string; status: string }[];
    };
    expect(plan.outcome).toBe('planned');
    // The A and its claim TXT (issue 13): moto's DELETE removed every record with the SetIdentifier (moto.md)
    expect(plan.changes.map((c) => `${c.action} ${c.status}`)).toEqual(['CREATE planned', 'CREATE planned']);
    expect(afterDry).toHaveLength(1);
    expect(real.stderr).toBe('');
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/outcome: applied; drift 2/);
    expect(await values()).toEqual(s.tasks.map(ipOf).sort());
  });
});
