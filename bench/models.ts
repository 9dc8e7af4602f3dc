/**
 * Service models on top of the faithful fakes, on virtual time (virtual-time.ts):
 * - Route 53: one token bucket for the account (5 requests/s, burst 5), every request counted against it, throttled
 *   or not (Route 53 counts requests, not successes); latency 50-150 ms; `PriorRequestNotComplete` for a change sent
 *   while another change to the same zone is still being processed (in flight). Throttled answers come back after
 *   the same latency as any other answer.
 * - ECS, Cloud Map, EC2, ELBv2: latency 20-60 ms, no throttling (their limits are far above what a batch sends).
 * - SQS + Lambda event source mapping (SqsModel): batch size, batching window, MaximumConcurrency, visibility
 *   timeout, redelivery of batchItemFailures, maxReceiveCount to a dead-letter count.
 * The fakes stay the semantics; the models add only time, the account bucket and zone contention.
 */

import { route53Errors } from '../testkit/aws-errors';
import type { VirtualTime } from './virtual-time';

export interface Counters {
  /** `service:Operation` -> requests sent (throttled ones included). */
  requests: Map<string, number>;
  throttled: number;
  priorRequestNotComplete: number;
}

export function newCounters(): Counters {
  return { requests: new Map(), throttled: 0, priorRequestNotComplete: 0 };
}

export interface SdkCommand {
  constructor: { name: string };
  input: unknown;
}

type Send = (this: unknown, command: SdkCommand) => Promise<unknown>;

/** An SDK client class the models wrap, with the service name the counters use (`route53`, `ecs`, ...). */
export type ModelledClient = [{ prototype: { send: Send } }, string];

/**
 * Where a modelled request is answered: by default the `send` the class had before (the fakes installed through
 * aws-sdk-client-mock in this process); bench/remote-world.ts answers from fakes in another process.
 */
export type Backend = (service: string, command: SdkCommand, send: () => Promise<unknown>) => Promise<unknown>;

export type ChangeListener = (
  zoneId: string,
  changes: { Action?: string; ResourceRecordSet?: { SetIdentifier?: string } }[],
) => void;

/**
 * Wraps the prototype `send` of each client class (in this process, the one aws-sdk-client-mock installed), so every
 * client the production code builds goes through the models. Call after the mocks are (re)installed.
 */
export class AwsModel {
  counters = newCounters();
  private tokens = 5;
  private last: number;
  private readonly zoneBusyUntil = new Map<string, number>();
  private readonly listeners: ChangeListener[] = [];
  private readonly restore: (() => void)[] = [];

  constructor(
    private readonly vt: VirtualTime,
    readonly route53Rate = 5,
  ) {
    this.last = vt.now;
    this.tokens = route53Rate;
  }

  onChange(fn: ChangeListener): void {
    this.listeners.push(fn);
  }

  install(services: ModelledClient[], backend: Backend = (_service, _command, send) => send()): void {
    for (const [ctor, service] of services) {
      const stubbed = ctor.prototype.send;
      const model = this;
      ctor.prototype.send = async function (this: unknown, command) {
        return model.call(service, command, () => backend(service, command, () => stubbed.call(this, command)));
      };
      this.restore.push(() => {
        ctor.prototype.send = stubbed;
      });
    }
  }

  uninstall(): void {
    for (const r of this.restore.splice(0)) r();
  }

  private latency(min: number, max: number): number {
    return Math.round(min + this.vt.random() * (max - min));
  }

  private async call(service: string, command: SdkCommand, send: () => Promise<unknown>): Promise<unknown> {
    const operation = command.constructor.name.replace(/Command\d*$/, '');
    const key = `${service}:${operation}`;
    this.counters.requests.set(key, (this.counters.requests.get(key) ?? 0) + 1);
    if (service !== 'route53') {
      await this.vt.sleep(this.latency(20, 60));
      return send();
    }
    const latency = this.latency(50, 150);
    // The account bucket decides on arrival.
    const now = this.vt.now;
    this.tokens = Math.min(this.route53Rate, this.tokens + ((now - this.last) / 1000) * this.route53Rate);
    this.last = now;
    if (this.tokens < 1) {
      this.counters.throttled += 1;
      await this.vt.sleep(latency);
      throw route53Errors.throttling();
    }
    this.tokens -= 1;
    if (operation === 'ChangeResourceRecordSets') {
      const input = command.input as {
        HostedZoneId: string;
        ChangeBatch: { Changes: { Action?: string; ResourceRecordSet?: { SetIdentifier?: string } }[] };
      };
      const zone = input.HostedZoneId;
      if ((this.zoneBusyUntil.get(zone) ?? 0) > now) {
        this.counters.priorRequestNotComplete += 1;
        await this.vt.sleep(latency);
        throw route53Errors.priorRequestNotComplete();
      }
      this.zoneBusyUntil.set(zone, now + latency);
      await this.vt.sleep(latency);
      const out = await send();
      for (const l of this.listeners) l(zone, input.ChangeBatch.Changes);
      return out;
    }
    await this.vt.sleep(latency);
    return send();
  }
}

export interface Message {
  id: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receives: number;
}

export interface BatchResult {
  retry: string[];
}

export interface SqsOptions {
  batchSize: number;
  windowMs: number;
  maxConcurrency: number;
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  /** Lambda timeout: a batch handler gets now + timeout as its deadline base. */
  timeoutMs: number;
}

export const TEMPLATE_SQS: SqsOptions = {
  batchSize: 100,
  windowMs: 5_000,
  maxConcurrency: 2,
  visibilityTimeoutMs: 420_000,
  maxReceiveCount: 5,
  timeoutMs: 60_000,
};

export interface SqsStats {
  batches: number;
  longestBatchMs: number;
  itemsRetried: number;
  deadLettered: number;
  delivered: number;
}

/**
 * SQS with a Lambda event source mapping: up to `maxConcurrency` containers, each kept warm (its handler state
 * persists, as in Lambda), fed batches of up to `batchSize` once that many are visible or the oldest visible message
 * has waited `windowMs`. Items the handler returns are visible again after the visibility timeout.
 */
export class SqsModel {
  readonly stats: SqsStats = { batches: 0, longestBatchMs: 0, itemsRetried: 0, deadLettered: 0, delivered: 0 };
  private readonly queue: Message[] = [];
  private busy = 0;
  private readonly free: number[];
  private seq = 0;
  private wake: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly vt: VirtualTime,
    private readonly options: SqsOptions,
    private readonly containers: ((messages: Message[], deadline: number) => Promise<BatchResult>)[],
  ) {
    this.free = containers.map((_, i) => i);
  }

  send(body: string): void {
    this.seq += 1;
    this.queue.push({ id: `m${this.seq}`, body, sentAt: this.vt.now, visibleAt: this.vt.now, receives: 0 });
    this.poll();
  }

  private poll(): void {
    while (this.busy < this.options.maxConcurrency && this.free.length > 0) {
      const now = this.vt.now;
      const visible = this.queue.filter((m) => m.visibleAt <= now);
      if (visible.length === 0) {
        const next = Math.min(...this.queue.map((m) => m.visibleAt));
        if (Number.isFinite(next)) this.schedule(next);
        return;
      }
      const oldest = Math.min(...visible.map((m) => m.visibleAt));
      if (visible.length < this.options.batchSize && now < oldest + this.options.windowMs) {
        this.schedule(oldest + this.options.windowMs);
        return;
      }
      const batch = visible.slice(0, this.options.batchSize);
      const taken = new Set(batch);
      for (let i = this.queue.length - 1; i >= 0; i--) if (taken.has(this.queue[i]!)) this.queue.splice(i, 1);
      this.invoke(batch);
    }
  }

  private schedule(at: number): void {
    if (this.wake !== undefined && this.wakeAt <= at) return;
    if (this.wake !== undefined) clearTimeout(this.wake);
    this.wakeAt = at;
    this.wake = setTimeout(
      () => {
        this.wake = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.poll();
      },
      Math.max(0, at - this.vt.now),
    );
  }

  private invoke(batch: Message[]): void {
    const slot = this.free.shift()!;
    this.busy += 1;
    const start = this.vt.now;
    for (const m of batch) m.receives += 1;
    this.stats.batches += 1;
    this.stats.delivered += batch.length;
    const handler = this.containers[slot]!;
    handler(batch, start + this.options.timeoutMs)
      .then(
        (result) => {
          const retry = new Set(result.retry);
          for (const m of batch) {
            if (!retry.has(m.id)) continue;
            this.stats.itemsRetried += 1;
            if (m.receives >= this.options.maxReceiveCount) {
              this.stats.deadLettered += 1;
              continue;
            }
            m.visibleAt = start + this.options.visibilityTimeoutMs;
            this.queue.push(m);
          }
        },
        (err: unknown) => {
          // A failed invocation: the whole batch comes back after the visibility timeout.
          console.error('bench: batch failed', err);
          for (const m of batch) {
            this.stats.itemsRetried += 1;
            m.visibleAt = start + this.options.visibilityTimeoutMs;
            this.queue.push(m);
          }
        },
      )
      .finally(() => {
        this.stats.longestBatchMs = Math.max(this.stats.longestBatchMs, this.vt.now - start);
        this.busy -= 1;
        this.free.push(slot);
        this.free.sort((a, b) => a - b);
        this.poll();
      });
  }

  get pending(): number {
    return this.queue.length + this.busy;
  }
}
