import { randomUUID } from 'node:crypto';
import {
  DeregisterInstanceCommand,
  ListInstancesCommand,
  RegisterInstanceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { CloudMapInstance } from '../domain/records';
import type { CloudMapChange } from '../plan/plan';
import { type BackoffOptions, type RetryOptions, realTiming, retrying, type Timing } from './backoff';
import { AwsReadError, errorCode, errorMessage, isRetryable } from './errors';
import type { ChangeOutcome } from './route53-writer';

/** The client, or a thunk that creates it on first use (see createAwsClients). */
export type ClientSource<C> = C | (() => C);
const resolve = <C>(source: ClientSource<C>): (() => C) =>
  typeof source === 'function' ? (source as () => C) : () => source;

export interface CloudMapReaderOptions extends Partial<BackoffOptions> {
  /** Attempts per read on throttling and transient faults (the client itself makes one: clients.ts). */
  maxAttempts?: number;
  timing?: Timing;
}

export class CloudMapReader {
  private readonly client: () => ServiceDiscoveryClient;
  private readonly retry: RetryOptions;
  constructor(client: ClientSource<ServiceDiscoveryClient>, options: CloudMapReaderOptions = {}) {
    this.client = resolve(client);
    this.retry = {
      maxAttempts: options.maxAttempts ?? 6,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 8_000,
      timing: options.timing ?? realTiming,
      retryable: isRetryable,
    };
  }

  /** Every instance of a service (ListInstances pages of 100), owned or not: the plan decides what it may touch. */
  async instances(serviceId: string): Promise<CloudMapInstance[]> {
    const out: CloudMapInstance[] = [];
    let NextToken: string | undefined;
    do {
      try {
        const input = { ServiceId: serviceId, MaxResults: 100, NextToken };
        const page = await retrying(() => this.client().send(new ListInstancesCommand(input)), this.retry);
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
    // One token for every attempt of this registration: a retry after a timeout whose request did reach Cloud Map is
    // then the same request, not a second operation (aws-facts.md §4, CreatorRequestId).
    const creatorRequestId = randomUUID();
    try {
      const out = await retrying(
        () =>
          change.action === 'REGISTER'
            ? this.client().send(
                new RegisterInstanceCommand({
                  ServiceId: serviceId,
                  InstanceId: instanceId,
                  CreatorRequestId: creatorRequestId,
                  Attributes: attributes,
                }),
              )
            : this.client().send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: instanceId })),
        {
          ...this.backoff,
          maxAttempts: this.maxAttempts,
          timing: this.timing,
          // DuplicateRequest: an operation on the same instance is still running; it clears once that one completes.
          retryable: (err) => errorCode(err) === 'DuplicateRequest' || isRetryable(err),
        },
      );
      return { change, status: 'applied', operationId: out.OperationId };
    } catch (err) {
      const code = errorCode(err);
      if (change.action === 'DEREGISTER' && code === 'InstanceNotFound') return { change, status: 'applied', code };
      return { change, status: PERMANENT.has(code) ? 'rejected' : 'failed', code, message: errorMessage(err) };
    }
  }
}
