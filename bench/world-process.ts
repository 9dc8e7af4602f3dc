/**
 * The fakes' process of bench (d) (see remote-world.ts): builds the world the reconcile is measured against and
 * answers the measuring process's requests on the faithful fakes, one at a time, in the order they came.
 */
import { readFileSync } from 'node:fs';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecs from '@aws-sdk/client-ecs';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as route53 from '@aws-sdk/client-route-53';
import * as cloudmap from '@aws-sdk/client-servicediscovery';
import { peakRssMiB, type Reply, type Request, type SerialisedError } from './remote-world';
import { reconcileWorld } from './scenarios';
import { START } from './setup';
import { VirtualTime } from './virtual-time';

const SDKS: Record<string, Record<string, unknown>> = { ec2, ecs, elbv2, route53, cloudmap };

/**
 * The fakes' process: `tasks` running tasks and the records in `recordsFile`, then 1% drift; answers requests one at
 * a time until the measuring process disconnects.
 */
export async function serveReconcileWorld(tasks: number, recordsFile: string): Promise<void> {
  const vt = new VirtualTime(START);
  // Only the clock: the fakes stamp times (ECS createdAt, Route 53 SubmittedAt) with the measuring process's now.
  vt.install();
  const fakes = await reconcileWorld(vt, tasks, JSON.parse(readFileSync(recordsFile, 'utf8')));
  const c = fakes.world.clients();
  const clients: Record<string, { send(command: unknown): Promise<unknown> }> = {
    ec2: c.ec2,
    ecs: c.ecs,
    elbv2: c.elbv2,
    route53: c.route53,
    cloudmap: c.serviceDiscovery,
  };
  const answer = async (m: Request): Promise<Reply> => {
    if ('query' in m) {
      const output = m.query === 'ownedNow' ? fakes.ownedNow() : peakRssMiB();
      return { type: 'reply', id: m.id, output };
    }
    vt.now = m.now;
    const Command = SDKS[m.service]?.[m.command] as (new (input: unknown) => unknown) | undefined;
    if (!Command) return { type: 'reply', id: m.id, error: { name: 'UnknownCommand', message: m.command } };
    try {
      return { type: 'reply', id: m.id, output: await clients[m.service]!.send(new Command(m.input)) };
    } catch (err) {
      return { type: 'reply', id: m.id, error: serialise(err) };
    }
  };
  let queue = Promise.resolve();
  process.on('message', (m: Request) => {
    queue = queue.then(async () => {
      process.send!(await answer(m));
    });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({
    type: 'ready',
    zoneId: fakes.zoneId,
    owned: fakes.owned,
    drifted: fakes.drifted,
    rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  } satisfies Reply);
}

function serialise(err: unknown): SerialisedError {
  const e = err as Error & Record<string, unknown>;
  return { ...e, name: e.name ?? 'Error', message: e.message ?? String(err) };
}
