import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@aws-sdk/client-ecs';
import { taskStateChange } from '../../testkit/ecs-events';
import type { MotoServer } from '../../testkit/moto';
import {
  createEcsWorld,
  createZone,
  type EcsWorld,
  type MotoClients,
  motoClients,
  registerTaskDefinition,
  runFargateTasks,
} from '../../testkit/moto-world';

export interface Scenario {
  c: MotoClients;
  zoneId: string;
  world: EcsWorld;
  tasks: Task[];
  /** The stack's settings, as the Lambda functions get them. */
  env: Record<string, string>;
  dir: string;
  /** Writes events (objects, or raw lines) as JSON lines into the scenario's folder; returns the path. */
  eventsFile(name: string, events: (object | string)[]): string;
  /** RUNNING events for the scenario's tasks (version 3, the version moto's DescribeTasks omits). */
  runningEvents(): object[];
}

/**
 * A moto world as a user would have it: a hosted zone, a cluster `prod` and `count` opted-in Fargate tasks
 * (`ecs-registrar.name=web`, A records only: moto deletes every record sharing a SetIdentifier, moto.md).
 */
export async function seedScenario(
  moto: MotoServer,
  options: { count?: number; labels?: Record<string, string> } = {},
): Promise<Scenario> {
  await moto.reset();
  await moto.freezeEcsTasks();
  const c = motoClients();
  const zoneId = await createZone(c, 'example.com');
  const world = await createEcsWorld(c, 'prod');
  const def = await registerTaskDefinition(c, 'web', 'awsvpc', [
    {
      name: 'web',
      labels: options.labels ?? { 'ecs-registrar.name': 'web', 'ecs-registrar.records': 'A' },
      ports: [{ containerPort: 8080 }],
    },
  ]);
  const tasks = await runFargateTasks(c, world, def, 'web', options.count ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'ecs-registrar-cli-'));
  const eventsFile = (name: string, events: (object | string)[]) => {
    const file = join(dir, name);
    writeFileSync(file, events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n'));
    return file;
  };
  return {
    c,
    zoneId,
    world,
    tasks,
    env: {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      REGISTRAR_HOSTED_ZONE_IDS: zoneId,
      REGISTRAR_OWNER_ID: 'cli-test',
    },
    dir,
    eventsFile,
    runningEvents: () => tasks.map((t) => taskStateChange(t, { version: 3 })),
  };
}

export const ipOf = (t: Task) => t.attachments![0]!.details!.find((d) => d.name === 'privateIPv4Address')!.value!;
