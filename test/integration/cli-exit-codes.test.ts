import { DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { type MotoServer, startMoto } from '../../testkit/moto';
import { listRecords, stopTasks } from '../../testkit/moto-world';
import { ensureBuilt, runCli } from '../cli/run-cli';
import { ipOf, type Scenario, seedScenario } from '../cli/scenario';

jest.setTimeout(180_000);

/**
 * Issue 9 Deliver 6: exit codes a script can rely on, through the real launcher (bin/ecs-registrar.js) against moto.
 * sync: 0 only when every event settled and something was for this registrar; 1 when any event was invalid or
 * failed, or nothing could be applied; 2 for usage, settings and unreadable files. reconcile: 1 when partial or
 * refused. The reason is always on stderr, as a JSON object with --json.
 */
describe('CLI exit codes on moto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    ensureBuilt();
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  const owned = async (s: Scenario) =>
    (await listRecords(s.c, s.zoneId)).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:cli-test:'));
  // The addresses: each task's A record (its claim TXT, issue 13, sits beside it).
  const valuesOf = (rs: ResourceRecordSet[]) =>
    rs
      .filter((r) => r.Type === 'A')
      .map((r) => r.ResourceRecords![0]!.Value)
      .sort();

  describe('sync', () => {
    test('every event applied: exit 0, nothing on stderr', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const file = s.eventsFile('ok.jsonl', s.runningEvents());

      // Act
      const out = runCli(['sync', '--events', file], s.env);

      // Assess
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/2 events: 2 applied; 4 changes/); // each task's A and claim TXT (issue 13)
      expect(valuesOf(await owned(s))).toEqual(s.tasks.map(ipOf).sort());
    });

    test('one invalid event beside good ones: the good ones are applied, exit 1, the reason on stderr', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const file = s.eventsFile('mixed.jsonl', [s.runningEvents()[0]!, 'not json at all', s.runningEvents()[1]!]);

      // Act
      const out = runCli(['sync', '--events', file], s.env);

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/INVALID +\S+mixed\.jsonl:2: body: is not valid JSON/);
      expect(out.stdout).toMatch(/3 events: 2 applied, 1 invalid; 4 changes/);
      expect(out.stderr).toBe('ecs-registrar sync: 1 of 3 events invalid\n');
      expect(valuesOf(await owned(s))).toEqual(s.tasks.map(ipOf).sort());
    });

    test('a garbage file and a file of only invalid events exit 1 and write nothing', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const garbage = s.eventsFile('garbage.txt', ['\u0000\u0001PK binary junk', 'lorem ipsum', '{"half": ']);
      const invalid = s.eventsFile('invalid.jsonl', [
        { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: { taskArn: 'nope' } },
        { source: 'aws.ecs', 'detail-type': 42 },
      ]);

      // Act
      const g = runCli(['sync', '--events', garbage], s.env);
      const i = runCli(['sync', '--events', invalid], s.env);

      // Assess
      expect(g.code).toBe(1);
      expect(g.stderr).toBe('ecs-registrar sync: 3 of 3 events invalid\n');
      expect(i.code).toBe(1);
      expect(i.stderr).toBe('ecs-registrar sync: 2 of 2 events invalid\n');
      expect(i.stdout).toMatch(/INVALID .*invalid\.jsonl:1: detail\.\S+/);
      expect(await owned(s)).toEqual([]);
    });

    test('every label broken: the events are invalid, exit 1, the label named', async () => {
      // Prepare
      const s = await seedScenario(moto, { labels: { 'ecs-registrar.name': 'web', 'ecs-registrar.ttl': 'soon' } });
      const file = s.eventsFile('labels.jsonl', s.runningEvents());

      // Act
      const out = runCli(['sync', '--events', file], s.env);

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toContain('label ecs-registrar.ttl="soon"');
      expect(out.stderr).toMatch(/^ecs-registrar sync: 2 of 2 events invalid; 2 registration problems\n$/);
      expect(await owned(s)).toEqual([]);
    });

    test('nothing to apply (an empty file, or every event for a cluster not served) exits 1 and says why', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const empty = s.eventsFile('empty.jsonl', []);
      const file = s.eventsFile('other-cluster.jsonl', s.runningEvents());

      // Act
      const e = runCli(['sync', '--events', empty], s.env);
      const ignored = runCli(['sync', '--events', file, '--clusters', 'staging'], s.env);

      // Assess
      expect(e.code).toBe(1);
      expect(e.stderr).toBe('ecs-registrar sync: the file holds no events\n');
      expect(ignored.code).toBe(1);
      expect(ignored.stdout).toMatch(/2 events: 2 ignored/);
      expect(ignored.stderr).toBe('ecs-registrar sync: every event was ignored: nothing for this registrar to apply\n');
    });

    test('an unreadable file or a broken JSON array is a usage-level error: exit 2, nothing read from AWS', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const broken = s.eventsFile('broken.json', ['[{"source": "aws.ecs"']);

      // Act
      const missing = runCli(['sync', '--events', `${s.dir}/nope.jsonl`], s.env);
      const array = runCli(['sync', '--events', broken], s.env);

      // Assess
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`ecs-registrar sync: ${s.dir}/nope.jsonl: cannot be read (ENOENT)\n`);
      expect(missing.stdout).toBe('');
      expect(array.code).toBe(2);
      expect(array.stderr).toMatch(/^ecs-registrar sync: \S+broken\.json: is not a valid JSON array/);
    });

    test('with --json the report is on stdout and the reason is a JSON object on stderr', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const file = s.eventsFile('mixed.jsonl', [s.runningEvents()[0]!, '{oops']);

      // Act
      const out = runCli(['sync', '--events', file, '--json'], s.env);

      // Assess
      expect(out.code).toBe(1);
      const report = JSON.parse(out.stdout) as { items: { status: string }[] };
      expect(report.items.map((i) => i.status).sort()).toEqual(['applied', 'invalid']);
      expect(JSON.parse(out.stderr)).toEqual({
        error: { type: 'CommandFailedError', message: '1 of 2 events invalid', command: 'sync', exitCode: 1 },
      });
    });

    test('a dry run says planned, never applied, and writes nothing', async () => {
      // Prepare
      const s = await seedScenario(moto);
      const file = s.eventsFile('ok.jsonl', s.runningEvents());

      // Act
      const out = runCli(['sync', '--events', file, '--dry-run'], s.env);
      const json = runCli(['sync', '--events', file, '--dry-run', '--json'], s.env);

      // Assess
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/2 events: 2 planned; 4 changes planned \(dry run: nothing written\)/);
      expect(out.stdout).not.toMatch(/applied/);
      expect(out.stdout).toMatch(/^would CREATE/m);
      const report = JSON.parse(json.stdout) as { items: { status: string }[]; changes: { status: string }[] };
      expect(report.items.map((i) => i.status)).toEqual(['planned', 'planned']);
      expect(report.changes.map((c) => c.status)).toEqual(['planned', 'planned', 'planned', 'planned']);
      expect(await owned(s)).toEqual([]);
    });
  });

  describe('reconcile', () => {
    /** A registered scenario: records written by the CLI's sync in us-east-1. */
    async function registered(): Promise<Scenario> {
      const s = await seedScenario(moto, { count: 3 });
      const sync = runCli(['sync', '--events', s.eventsFile('running.jsonl', s.runningEvents())], s.env);
      expect(sync.code).toBe(0);
      return s;
    }

    test('the wrong AWS_REGION (records of tasks in us-east-1, run in eu-west-1): refused, nothing deleted, exit 1', async () => {
      // Prepare
      const s = await registered();
      const before = await owned(s);

      // Act
      const out = runCli(['reconcile'], { ...s.env, AWS_REGION: 'eu-west-1' });
      const json = runCli(['reconcile', '--json'], { ...s.env, AWS_REGION: 'eu-west-1' });

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/REFUSED +owner "cli-test" has entries recorded for tasks in another Region/);
      expect(out.stdout).toMatch(/outcome: refused; drift 0; region eu-west-1/);
      expect(out.stderr).toMatch(
        /^ecs-registrar reconcile: refused, nothing written: .*another Region than this run's \(eu-west-1\): 3 in us-east-1\. Set AWS_REGION to the Region the tasks run in/,
      );
      expect(json.code).toBe(1);
      expect((JSON.parse(json.stdout) as { outcome: string }).outcome).toBe('refused');
      const error = (JSON.parse(json.stderr) as { error: { message: string; outcome: string; exitCode: number } })
        .error;
      expect(error.outcome).toBe('refused');
      expect(error.exitCode).toBe(1);
      expect(error.message).toMatch(/AWS_REGION/);
      expect(await owned(s)).toEqual(before);
      expect(before).toHaveLength(6); // 3 tasks x (A + claim TXT)
    });

    test('REGISTRAR_CLUSTERS naming a cluster that does not exist: refused, nothing deleted, exit 1', async () => {
      // Prepare
      const s = await registered();
      const before = await owned(s);

      // Act
      const out = runCli(['reconcile'], { ...s.env, REGISTRAR_CLUSTERS: 'prdo' });

      // Assess
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /^ecs-registrar reconcile: refused, nothing written: the cluster filter names clusters ECS does not have in us-east-1: prdo \(MISSING\)\. Check REGISTRAR_CLUSTERS/,
      );
      expect(await owned(s)).toEqual(before);
    });

    test('the guard refuses to empty a cluster (exit 1, "rerun with --force"); --force applies and says so, no rerun advice', async () => {
      // Prepare: every task stops and the stop events are lost
      const s = await registered();
      await stopTasks(
        s.c,
        s.world.cluster,
        s.tasks.map((t) => t.taskArn!),
      );

      // Act
      const refused = runCli(['reconcile'], s.env);
      const dry = runCli(['reconcile', '--dry-run'], s.env);
      const afterRefusals = await owned(s);
      const forced = runCli(['reconcile', '--force'], s.env);

      // Assess
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(
        /REFUSED +the plan deletes every owned entry of cluster prod \(3\).*rerun with --force to apply/,
      );
      expect(refused.stderr).toMatch(
        /^ecs-registrar reconcile: refused, nothing written: .*rerun with --force to apply\n$/,
      );
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/GUARD +a real run would be refused: .*rerun with --force/);
      expect(dry.stdout).toMatch(/outcome: planned \(dry run: nothing written\); drift 6/);
      expect(dry.stdout).not.toMatch(/\bapplied\b/);
      expect(afterRefusals).toHaveLength(6);
      expect(forced.stderr).toBe('');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(
        /FORCED +the deletion guard was overridden by --force: the plan deletes every owned entry of cluster prod \(3\)\n/,
      );
      expect(forced.stdout).not.toMatch(/rerun/);
      expect(forced.stdout).not.toMatch(/REFUSED/);
      expect(forced.stdout).toMatch(/outcome: applied; drift 6/); // 3 A records and their claim TXTs
      expect(await owned(s)).toEqual([]);
    });

    test('a task whose task definition cannot be read is kept: outcome partial, exit 1, the task named', async () => {
      // Prepare: ECS can no longer describe the running tasks' task definition
      const s = await registered();
      const def = s.tasks[0]!.taskDefinitionArn!;
      await s.c.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: def }));
      await s.c.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [def] }));
      const before = await owned(s);

      // Act
      const out = runCli(['reconcile'], s.env);

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/KEPT +task:\S+: cannot read task definition/);
      expect(out.stdout).toMatch(/outcome: partial/);
      expect(out.stderr).toBe(
        'ecs-registrar reconcile: partial: 3 tasks could not be read and their entries were kept; the next run looks again\n',
      );
      expect(await owned(s)).toEqual(before);
    });
  });
});
