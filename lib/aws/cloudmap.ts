import { randomUUID } from 'node:crypto';
import {
  DeregisterInstanceCommand,
  GetOperationCommand,
  ListInstancesCommand,
  type Operation,
  RegisterInstanceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { CloudMapChange } from '../domain/changes';
import type { CloudMapInstance } from '../domain/records';
import { type BackoffOptions, type RetryOptions, realTiming, retrying, type Timing } from './backoff';
import { remainingMs } from './deadline';
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
  /** The asynchronous operation Cloud Map ran for the change (followed with GetOperation until it ended). */
  operationId?: string;
}

export interface CloudMapWriterOptions extends Partial<BackoffOptions> {
  maxAttempts?: number;
  concurrency?: number;
  timing?: Timing;
  /**
   * Waits before each round of GetOperation for the operations not yet ended; after the last round an operation
   * still running is reported `failed` (code OperationPending), so its item is retried and the next batch verifies.
   */
  pollDelaysMs?: readonly number[];
}

/** About 5 s in all: Cloud Map operations usually end in a few seconds (a DNS service's take a Route 53 change). */
export const DEFAULT_POLL_DELAYS_MS: readonly number[] = [250, 500, 1_000, 1_500, 2_000];

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
 * not done (aws-facts.md §4). So every operation is followed with GetOperation, in a few bounded rounds for all the
 * batch's operations together (at most one GetOperation per open operation a round, the writer's concurrency at a
 * time, no round past the invocation's deadline):
 * - SUCCESS: applied;
 * - FAIL: rejected, with Cloud Map's ErrorCode and ErrorMessage: counted in ChangesRejected and its item retried;
 * - still SUBMITTED/PENDING after the last round, or unreadable: failed (retried; the next batch reads the instance).
 * DuplicateRequest (an operation on the same instance is still running) is retried with backoff; InstanceNotFound on
 * deregister means the work is already done.
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
    this.pollDelaysMs = options.pollDelaysMs ?? DEFAULT_POLL_DELAYS_MS;
  }

  private readonly pollDelaysMs: readonly number[];

  async apply(changes: readonly CloudMapChange[]): Promise<CloudMapOutcome[]> {
    const outcomes = await this.inParallel(changes, (change) => this.applyOne(change));
    await this.follow(outcomes.filter((o) => o.status === 'applied' && o.operationId !== undefined));
    return outcomes;
  }

  /** Polls the submitted operations until each has ended or the rounds (or the deadline) run out; updates them. */
  private async follow(submitted: CloudMapOutcome[]): Promise<void> {
    let open = submitted;
    for (const delay of this.pollDelaysMs) {
      if (open.length === 0) return;
      // A round that would start after the deadline is not started: the items are retried instead.
      if (delay >= remainingMs()) break;
      await this.timing.sleep(delay);
      const states = await this.inParallel(open, (o) => this.operation(o.operationId!));
      const still: CloudMapOutcome[] = [];
      open.forEach((o, i) => {
        const state = states[i]!;
        if (state.kind === 'unreadable') {
          Object.assign(o, { status: 'failed', code: state.code, message: state.message });
        } else if (state.operation.Status === 'SUCCESS') {
          // applied already
        } else if (state.operation.Status === 'FAIL') {
          Object.assign(o, {
            status: 'rejected',
            code: state.operation.ErrorCode ?? 'OperationFailed',
            message: `Cloud Map operation ${o.operationId} failed: ${state.operation.ErrorMessage ?? 'no message'}`,
          });
        } else {
          still.push(o);
        }
      });
      open = still;
    }
    for (const o of open) {
      Object.assign(o, {
        status: 'failed',
        code: 'OperationPending',
        message: `Cloud Map operation ${o.operationId} had not ended when the registrar stopped waiting; retried so that the next batch verifies it`,
      });
    }
  }

  private async operation(
    operationId: string,
  ): Promise<{ kind: 'read'; operation: Operation } | { kind: 'unreadable'; code: string; message: string }> {
    try {
      const out = await retrying(() => this.client().send(new GetOperationCommand({ OperationId: operationId })), {
        ...this.backoff,
        maxAttempts: this.maxAttempts,
        timing: this.timing,
        retryable: isRetryable,
      });
      if (!out?.Operation) {
        return { kind: 'unreadable', code: 'OperationUnknown', message: `GetOperation ${operationId}: no operation` };
      }
      return { kind: 'read', operation: out.Operation };
    } catch (err) {
      return { kind: 'unreadable', code: errorCode(err), message: `GetOperation ${operationId}: ${errorMessage(err)}` };
    }
  }

  private async inParallel<I, O>(items: readonly I[], fn: (item: I) => Promise<O>): Promise<O[]> {
    const out: O[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    return out;
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
