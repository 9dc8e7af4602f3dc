import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { type MotoServer, startMoto } from '../../testkit/moto';
import { listRecords } from '../../testkit/moto-world';
import { bin, ensureBuilt, root, runCli } from '../cli/run-cli';
import { ipOf, seedScenario } from '../cli/scenario';

jest.setTimeout(180_000);

/** Issue 12: the commands a newcomer reaches for (status, events, validate against real zones), on moto. */
describe('status, events and validate on moto, through the CLI', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    ensureBuilt();
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('events writes replayable Task State Change events from DescribeTasks; sync applies them', async () => {
    // Prepare
    const s = await seedScenario(moto, { count: 2 });
    const file = join(s.dir, 'from-ecs.jsonl');

    // Act: moto's DescribeTasks has no version, so first without --assume-version, then with it
    const noVersion = runCli(['events', '--cluster', 'prod'], s.env);
    const written = runCli(['events', '--cluster', 'prod', '--assume-version', '2', '--out', file], s.env);
    const one = runCli(
      ['events', '--cluster', 'prod', '--task', s.tasks[0]!.taskArn!, '--assume-version', '2', '--json'],
      s.env,
    );
    const sync = runCli(['sync', '--events', file], s.env);

    // Assess
    expect(noVersion.code).toBe(1);
    expect(noVersion.stdout).toBe('');
    expect(noVersion.stderr).toMatch(
      /skipped arn:aws:ecs:us-east-1:\d+:task\/prod\/\S+: DescribeTasks returned no version/,
    );
    expect(noVersion.stderr).toMatch(/ecs-registrar events: 2 tasks skipped \(see above\); 0 events written\n$/);
    expect(written.code).toBe(0);
    expect(written.stderr).toBe(`wrote 2 events to ${file}\n`);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => [e.source, e['detail-type'], e.detail.version, e.detail.lastStatus])).toEqual([
      ['aws.ecs', 'ECS Task State Change', 2, 'RUNNING'],
      ['aws.ecs', 'ECS Task State Change', 2, 'RUNNING'],
    ]);
    expect(events[0].detail.attachments[0].type).toBe('eni');
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as { resources: string[] }[]).map((e) => e.resources[0])).toEqual([
      s.tasks[0]!.taskArn,
    ]);
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/2 events: 2 applied; 4 changes/); // each task's A and claim TXT (issue 13)
    const values = (await listRecords(s.c, s.zoneId))
      .filter((r) => r.SetIdentifier && r.Type === 'A')
      .map((r) => r.ResourceRecords![0]!.Value);
    expect(values.sort()).toEqual(s.tasks.map(ipOf).sort());
  });

  test('events: a missing --cluster is a usage error; a cluster ECS does not have fails with exit 1', async () => {
    const s = await seedScenario(moto, { count: 1 });
    const missing = runCli(['events'], s.env);
    const unknown = runCli(['events', '--cluster', 'nope', '--json'], s.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^ecs-registrar events: --cluster NAME is required\n/);
    expect(unknown.code).toBe(1);
    expect((JSON.parse(unknown.stderr) as { error: { message: string } }).error.message).toMatch(
      /^cannot describe the tasks of nope: /,
    );
  });

  test('status lists what this owner registered, per zone, name and task; foreign records are counted, not shown', async () => {
    // Prepare
    const s = await seedScenario(moto, { count: 2 });
    expect(runCli(['sync', '--events', s.eventsFile('running.jsonl', s.runningEvents())], s.env).code).toBe(0);
    await s.c.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: s.zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'legacy.example.com.',
                Type: 'A',
                TTL: 300,
                ResourceRecords: [{ Value: '10.9.9.9' }],
              },
            },
          ],
        },
      }),
    );

    // Act
    const text = runCli(['status'], s.env);
    const json = runCli(['status', '--json', '--zone', s.zoneId], s.env);
    const wrongZone = runCli(['status', '--zone', 'ZNOTOURS'], s.env);

    // Assess
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `^zone ${s.zoneId} example\\.com\\. \\(public\\): 4 records owned by "cli-test", 1 others left alone\n`,
      ),
    );
    for (const t of s.tasks) {
      const id = t.taskArn!.split('/').pop()!;
      expect(text.stdout).toMatch(
        new RegExp(
          `\n  web\\.example\\.com\\. +60 +A +${ipOf(t).replace(/\./g, '\\.')} +task:${id} \\(us-east-1/prod\\)\n`,
        ),
      );
    }
    expect(text.stdout).not.toContain('legacy');
    expect(text.stdout).toMatch(/\n4 records in 1 zone, 0 Cloud Map instances; 2 tasks, 0 services\n$/);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      zones: { id: string; records: { subject: string }[]; foreign: number }[];
    };
    expect(report.zones.map((z) => [z.id, z.records.length, z.foreign])).toEqual([[s.zoneId, 4, 1]]); // 2 tasks x (A + claim TXT)
    expect(wrongZone.code).toBe(2);
    expect(wrongZone.stderr).toMatch(/^ecs-registrar status: --zone: ZNOTOURS is not one of the stack's zones/);
  });

  test('validate with zone ids reads their domains from Route 53: names outside the zone and foreign zones are errors', async () => {
    // Prepare
    const s = await seedScenario(moto, { count: 1 });
    const file = join(s.dir, 'td.json');
    writeFileSync(
      file,
      JSON.stringify({
        family: 'api',
        containerDefinitions: [
          {
            name: 'api',
            dockerLabels: { 'ecs-registrar.name': 'api.other.org.' },
            portMappings: [{ containerPort: 80 }],
          },
          { name: 'admin', dockerLabels: { 'ecs-registrar.name': 'admin', 'ecs-registrar.zone': 'ZSOMEONEELSE' } },
          { name: 'ok', dockerLabels: { 'ecs-registrar.name': 'ok' } },
        ],
      }),
    );

    // Act
    const out = runCli(['validate', '--task-definition', file], s.env);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/: 2 problems\n/);
    expect(out.stdout).toMatch(/error: container "api": label ecs-registrar\.name="api\.other\.org\."/);
    expect(out.stdout).toMatch(/error: container "admin": label ecs-registrar\.zone="ZSOMEONEELSE"/);
    expect(out.stdout).toContain('    ok: ok.example.com. ');
    expect(out.stdout).not.toContain('note:');
  });

  test('sync prints label warnings by default, with the closest known label, once per task definition', async () => {
    // Prepare
    const s = await seedScenario(moto, {
      count: 2,
      labels: { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A', 'ecs-registrar.tll': '30' },
    });

    // Act
    const out = runCli(['sync', '--events', s.eventsFile('running.jsonl', s.runningEvents())], s.env);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(
      /^warning: container "web": unknown label ecs-registrar\.tll; ignored; did you mean ecs-registrar\.ttl\? \(task:\S+\)\n$/,
    );
  });

  describe('the progress line of a long reconcile', () => {
    let proxy: Server;
    let slowEndpoint: string;
    beforeAll(async () => {
      // Every AWS call made 400 ms slower, so that a small reconcile runs for seconds, like a large one.
      const target = new URL(moto.endpoint);
      proxy = createServer((req, res) => {
        setTimeout(() => {
          const upstream = request(
            { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (up) => {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          req.pipe(upstream);
        }, 400);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      slowEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => proxy.close(r));
    });

    /** Runs without blocking this process, which serves the proxy. `tty` runs it under script(1): a terminal. */
    const runAsync = (args: string[], env: Record<string, string>, tty: boolean) =>
      new Promise<{ code: number; out: string; err: string }>((resolve, reject) => {
        const command = tty ? 'script' : process.execPath;
        const argv = tty
          ? ['-qec', [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']
          : [bin, ...args];
        const child = spawn(command, argv, { env: { ...process.env, ...env }, cwd: root });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });

    test('on a terminal, stderr shows elapsed time and AWS calls while it runs, then clears; never in a pipe', async () => {
      // Prepare
      const s = await seedScenario(moto, { count: 2 });
      expect(runCli(['sync', '--events', s.eventsFile('running.jsonl', s.runningEvents())], s.env).code).toBe(0);
      const env = { ...s.env, AWS_ENDPOINT_URL: slowEndpoint };

      // Act
      const tty = await runAsync(['reconcile', '--dry-run'], env, true);
      const piped = await runAsync(['reconcile', '--dry-run'], env, false);

      // Assess
      expect(tty.code).toBe(0);
      // The terminal's line-clearing sequence, carriage return then ESC [2K
      const clear = `\r${String.fromCharCode(27)}[2K`;
      const lines = tty.out.split(clear);
      expect(
        lines.filter((l) => /^reconcile: [1-9]\d* s, [1-9]\d* AWS calls \((ecs|route53) \d+/.test(l)).length,
      ).toBeGreaterThan(0);
      // The last write before the report clears the line
      expect(lines.at(-1)).toMatch(/^\r?\n?outcome: converged/);
      expect(piped.code).toBe(0);
      expect(piped.err).toBe('');
      expect(piped.out).toMatch(/^outcome: converged \(dry run: nothing written\); drift 0/);
    });
  });
});
