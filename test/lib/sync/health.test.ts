import { ChangeResourceRecordSetsCommand, type ChangeResourceRecordSetsCommandInput } from '@aws-sdk/client-route-53';
import { reconcileOrFail } from '../../../lib/reconcile/reconcile';
import { processEventBatch } from '../../../lib/sync/process-batch';
import { FakeWorld, ZONE_ID } from '../../../testkit/fake-world';

/** The health gate (issue 15) on the event path and the reconciler, on the semantics-faithful fakes. */
const world = new FakeWorld();
beforeEach(() => world.reset());

const id = (arn: string) => arn.split('/').pop()!;
/** The task's A records at web.example.com (what clients get). */
const answers = (arn: string) =>
  world.route53
    .records(ZONE_ID)
    .filter((r) => r.Name === 'web.example.com.' && r.Type === 'A' && r.SetIdentifier?.includes(`:${id(arn)}:`));
const ownedBy = (arn: string) => world.ownedRecords().filter((r) => r.SetIdentifier?.includes(`:${id(arn)}:`));

/** A Fargate task definition whose container `web` has a health check, opted in under `require-healthy`. */
function checkedDefinition(labels: Record<string, string> = { 'ecs-registrar.health': 'require-healthy' }): string {
  return world.ecs.registerTaskDefinition({
    family: 'web',
    networkMode: 'awsvpc',
    containerDefinitions: [
      {
        name: 'web',
        image: 'web:1',
        dockerLabels: { 'ecs-registrar.name': 'web', ...labels },
        portMappings: [{ containerPort: 8080, name: 'http' }],
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'] },
      },
    ],
  }).taskDefinitionArn!;
}

async function healthyTasks(n: number, def = checkedDefinition()): Promise<string[]> {
  const arns = Array.from({ length: n }, (_, i) => world.runningTask(def, `10.0.0.${i + 1}`));
  for (const arn of arns) world.ecs.setHealth(arn, 'HEALTHY');
  const report = await processEventBatch(world.takeInputs(), world.deps());
  expect(report.retry).toEqual([]);
  return arns;
}

describe('require-healthy on the event path', () => {
  test('a task is not registered while its health check has not passed, and is once ECS says HEALTHY', async () => {
    // Prepare
    const arn = world.runningTask(checkedDefinition(), '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps());
    expect(ownedBy(arn)).toEqual([]);
    world.ecs.setHealth(arn, 'HEALTHY');

    // Act
    await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(answers(arn).map((r) => r.ResourceRecords?.[0]?.Value)).toEqual(['10.0.0.1']);
    expect(ownedBy(arn)).toHaveLength(4); // A, SRV, SRV target A, claim
  });

  test('a task that turns UNHEALTHY leaves DNS within one batch and comes back when HEALTHY', async () => {
    // Prepare
    const [sick, well] = await healthyTasks(2);
    world.ecs.setHealth(sick!, 'UNHEALTHY');

    // Act
    const withdrawn = await processEventBatch(world.takeInputs(), world.deps());
    const afterWithdrawal = ownedBy(sick!).length;
    world.ecs.setHealth(sick!, 'HEALTHY');
    const back = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(afterWithdrawal).toBe(0);
    expect(withdrawn.health.withdrawn).toEqual([`task:${id(sick!)}|${ZONE_ID}|web.example.com.`]);
    expect(withdrawn.health.failOpen).toEqual([]);
    expect(answers(well!)).toHaveLength(1);
    expect(back.health.withdrawn).toEqual([]);
    expect(answers(sick!)).toHaveLength(1);
    expect(ownedBy(sick!)).toHaveLength(4);
  });

  test('fail-open: when every task of the name is UNHEALTHY, the name keeps all its records and says so', async () => {
    // Prepare
    const arns = await healthyTasks(2);
    world.ecs.setHealth(arns[0]!, 'UNHEALTHY');
    await processEventBatch(world.takeInputs(), world.deps());
    world.ecs.setHealth(arns[1]!, 'UNHEALTHY');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess: the first was withdrawn while the second was healthy; the second, last at the name, is kept.
    expect(answers(arns[0]!)).toHaveLength(0);
    expect(answers(arns[1]!)).toHaveLength(1);
    expect(report.health.failOpen).toEqual([`${ZONE_ID}|web.example.com.`]);
    expect(report.health.withdrawn).toEqual([]);
  });

  test('both unhealthy in one batch: neither is withdrawn (the name would be empty)', async () => {
    // Prepare
    const arns = await healthyTasks(2);
    for (const arn of arns) world.ecs.setHealth(arn, 'UNHEALTHY');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(arns.map((a) => answers(a).length)).toEqual([1, 1]);
    expect(report.health.failOpen).toEqual([`${ZONE_ID}|web.example.com.`]);
  });

  test('a health status that goes back to UNKNOWN never withdraws a registered task', async () => {
    // Prepare
    const [arn] = await healthyTasks(1);
    world.ecs.setHealth(arn!, 'UNKNOWN');

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(report.items[0]?.status).not.toBe('retry');
    expect(ownedBy(arn!)).toHaveLength(4);
  });

  test('a container without a health check counts as healthy under require-healthy', async () => {
    // Prepare
    const def = world.webTaskDefinition('web', {
      'ecs-registrar.name': 'web',
      'ecs-registrar.health': 'require-healthy',
    });
    const arn = world.runningTask(def, '10.0.0.9');

    // Act
    await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(answers(arn)).toHaveLength(1);
  });

  test('the stack default REGISTRAR_HEALTH applies to containers without the label; ignore registers at RUNNING', async () => {
    // Prepare
    const gated = world.runningTask(checkedDefinition({}), '10.0.0.1');
    await processEventBatch(world.takeInputs(), world.deps({ health: 'require-healthy' }));
    const ignored = world.runningTask(checkedDefinition({}), '10.0.0.2');

    // Act
    await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(ownedBy(gated)).toEqual([]);
    expect(answers(ignored)).toHaveLength(1);
  });
});

describe('the reconciler applies the same gate', () => {
  test('a missed UNHEALTHY transition (no event) is repaired by the reconciler, with the metric input', async () => {
    // Prepare
    const [sick, well] = await healthyTasks(2);
    world.ecs.setHealth(sick!, 'UNHEALTHY', { emit: false });
    expect(world.takeInputs()).toEqual([]);

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(answers(sick!)).toHaveLength(0);
    expect(answers(well!)).toHaveLength(1);
    expect(report.health?.withdrawn).toEqual([`task:${id(sick!)}|${ZONE_ID}|web.example.com.`]);
  });

  test('with every task unhealthy the reconciler keeps (and restores) them all: fail-open', async () => {
    // Prepare
    const arns = await healthyTasks(2);
    world.ecs.setHealth(arns[0]!, 'UNHEALTHY');
    await processEventBatch(world.takeInputs(), world.deps());
    world.ecs.setHealth(arns[1]!, 'UNHEALTHY', { emit: false });

    // Act
    const report = await reconcileOrFail({}, world.deps());
    const again = await reconcileOrFail({ dryRun: true }, world.deps());

    // Assess
    expect(arns.map((a) => answers(a).length)).toEqual([1, 1]);
    expect(report.health?.failOpen).toEqual([`${ZONE_ID}|web.example.com.`]);
    expect(again.outcome).toBe('converged');
  });

  test('a not-yet-healthy task is neither registered nor withdrawn by the reconciler', async () => {
    // Prepare
    const [registered] = await healthyTasks(1);
    world.ecs.setHealth(registered!, 'UNKNOWN', { emit: false });
    const fresh = world.runningTask(checkedDefinition(), '10.0.0.7');
    world.takeInputs();

    // Act
    const report = await reconcileOrFail({}, world.deps());

    // Assess
    expect(ownedBy(registered!)).toHaveLength(4);
    expect(ownedBy(fresh)).toEqual([]);
    expect(report.outcome).toBe('converged');
  });
});

describe('rolling update: never empty by accident', () => {
  test('a new healthy task and the old one stopping in one batch: one atomic request, the name always answers', async () => {
    // Prepare
    const [old] = await healthyTasks(1);
    const fresh = world.runningTask(checkedDefinition(), '10.0.0.2');
    world.ecs.setHealth(fresh, 'HEALTHY');
    world.ecs.stopTask(old!, { until: 'RUNNING' });
    const answersAfterEachRequest: number[] = [];
    world.mocks.route53
      .on(ChangeResourceRecordSetsCommand)
      .callsFake(async (i: ChangeResourceRecordSetsCommandInput) => {
        const out = await world.route53.changeResourceRecordSets(i);
        answersAfterEachRequest.push(
          world.route53.records(ZONE_ID).filter((r) => r.Name === 'web.example.com.' && r.Type === 'A').length,
        );
        return out;
      });

    // Act
    const report = await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(report.retry).toEqual([]);
    expect(answersAfterEachRequest).toEqual([1]);
    expect(answers(fresh)).toHaveLength(1);
    expect(answers(old!)).toHaveLength(0);
  });

  test('an old healthy task stays while its replacement is not yet healthy, and goes once it is', async () => {
    // Prepare
    const [old] = await healthyTasks(1);
    const fresh = world.runningTask(checkedDefinition(), '10.0.0.2');
    await processEventBatch(world.takeInputs(), world.deps());
    const whileWaiting = [answers(old!).length, answers(fresh).length];
    world.ecs.setHealth(fresh, 'HEALTHY');
    world.ecs.stopTask(old!, { until: 'RUNNING' });

    // Act
    await processEventBatch(world.takeInputs(), world.deps());

    // Assess
    expect(whileWaiting).toEqual([1, 0]);
    expect([answers(old!).length, answers(fresh).length]).toEqual([0, 1]);
  });
});
