import {
  DeregisterInstanceCommand,
  ListInstancesCommand,
  RegisterInstanceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { CloudMapInstance } from '../domain/records';
import type { CloudMapChange } from '../plan/plan';
import { type BackoffOptions, backoffDelay, realTiming, type Timing } from './backoff';
import { AwsReadError, errorCode, errorMessage, isRetryable } from './errors';
import type { ChangeOutcome } from './route53-writer';

/** The client, or a thunk that creates it on first use (see createAwsClients). */
export type ClientSource<C> = C | (() => C);
const resolve = <C>(source: ClientSource<C>): (() => C) =>
  typeof source === 'function' ? (source as () => C) : () => source;

export class CloudMapReader {
  private readonly client: () => ServiceDiscoveryClient;
  constructor(client: ClientSource<ServiceDiscoveryClient>) {
    this.client = resolve(client);
  }

  /** Every instance of a service (ListInstances pages of 100), owned or not: the plan decides what it may touch. */
  async instances(serviceId: string): Promise<CloudMapInstance[]> {
    const out: CloudMapInstance[] = [];
    let NextToken: string | undefined;
    do {
      try {
        const page = await this.client().send(
          new ListInstancesCommand({ ServiceId: serviceId, MaxResults: 100, NextToken }),
        );
        for (const i of page.Instances ?? []) {
          if (i.Id) out.push({ serviceId, instanceId: i.Id, attributes: { ...(i.Attributes ?? {}) } });
        }
        NextToken = page.NextToken;
      } catch (err) {
        throw AwsReadError.wrap('servicediscovery', 'ListInstances', err);
      }
    } while (NextToken);
    return out;
  }
}

export interface CloudMapOutcome extends ChangeOutcome<CloudMapChange> {
  /** Cloud Map applies registrations asynchronously; the reconciler verifies the result. */
  operationId?: string;
}

export interface CloudMapWriterOptions extends Partial<BackoffOptions> {
  maxAttempts?: number;
  concurrency?: number;
  timing?: Timing;
}

/** Errors that will not go away by retrying the same request. */
const PERMANENT = new Set([
  'InvalidInput',
  'ServiceNotFound',
  'ResourceLimitExceeded',
  'NamespaceNotFound',
  'AccessDeniedException',
]);

/**
 * Registers and deregisters Cloud Map instances. Both calls are asynchronous in Cloud Map: a 2xx means "submitted",
 * so the operation id is reported and the reconciler is what verifies. DuplicateRequest (an operation on the same
 * instance is still running) is retried with backoff; InstanceNotFound on deregister means the work is already done.
 */
export class CloudMapWriter {
  private readonly maxAttempts: number;
  private readonly backoff: BackoffOptions;
  private readonly timing: Timing;
  private readonly concurrency: number;

  private readonly client: () => ServiceDiscoveryClient;

  constructor(client: ClientSource<ServiceDiscoveryClient>, options: CloudMapWriterOptions = {}) {
    this.client = resolve(client);
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoff = { baseDelayMs: options.baseDelayMs ?? 500, maxDelayMs: options.maxDelayMs ?? 8_000 };
    this.timing = options.timing ?? realTiming;
    this.concurrency = options.concurrency ?? 4;
  }

  async apply(changes: readonly CloudMapChange[]): Promise<CloudMapOutcome[]> {
    const outcomes: CloudMapOutcome[] = new Array(changes.length);
    let next = 0;
    const worker = async () => {
      while (next < changes.length) {
        const i = next++;
        outcomes[i] = await this.applyOne(changes[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, changes.length) }, worker));
    return outcomes;
  }

  private async applyOne(change: CloudMapChange): Promise<CloudMapOutcome> {
    const { serviceId, instanceId, attributes } = change.instance;
    for (let attempt = 0; ; attempt++) {
      try {
        const out =
          change.action === 'REGISTER'
            ? await this.client().send(
                new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: instanceId, Attributes: attributes }),
              )
            : await this.client().send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: instanceId }));
        return { change, status: 'applied', operationId: out.OperationId };
      } catch (err) {
        const code = errorCode(err);
        if (change.action === 'DEREGISTER' && code === 'InstanceNotFound') return { change, status: 'applied', code };
        const retry = code === 'DuplicateRequest' || isRetryable(err);
        if (retry && attempt + 1 < this.maxAttempts) {
          await this.timing.sleep(backoffDelay(attempt, this.backoff, this.timing.random));
          continue;
        }
        return { change, status: PERMANENT.has(code) ? 'rejected' : 'failed', code, message: errorMessage(err) };
      }
    }
  }
}
