/**
 * Bench (d) in two processes, so the peak RSS measured is the registrar's: the fakes, holding 10,000 tasks and 40,000
 * records, live in a process of their own (world-process.ts), and the process that measures the reconcile
 * (reconcile-process.ts) sends every modelled request there (RemoteWorld). The models, the clock and the registrar
 * stay in the measuring process: latency and the account bucket are applied there, the fakes only answer.
 *
 * Determinism: the fakes answer one request at a time, in the order sent; the measuring process resolves one answer a
 * macrotask, in that order, and its virtual clock does not move while an answer is outstanding (VirtualTime.track).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Backend } from './models';
import type { VirtualTime } from './virtual-time';

/** The measuring process -> the fakes. */
export type Request =
  | { id: number; now: number; service: string; command: string; input: unknown }
  | { id: number; query: 'ownedNow' | 'peakRssMiB' };

/** The fakes -> the measuring process. */
export type Reply =
  | { type: 'ready'; zoneId: string; owned: number; drifted: number; rssMiB: number }
  | { type: 'reply'; id: number; output: unknown }
  | { type: 'reply'; id: number; error: SerialisedError };

/** An SDK error as the registrar reads it (lib/aws/errors.ts): its code in `name`, `$metadata`, `$fault`. */
export type SerialisedError = Record<string, unknown> & { name: string; message: string };

export type WorldReady = Extract<Reply, { type: 'ready' }>;

/** The peak resident set of this process, in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** The measuring process's side: starts the fakes' process and answers the models' requests from it. */
export class RemoteWorld {
  readonly ready: Promise<WorldReady>;
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly inbox: Extract<Reply, { type: 'reply' }>[] = [];
  private delivering = false;

  constructor(
    private readonly vt: VirtualTime,
    script: string,
    args: string[],
  ) {
    // Structured clone, not JSON: SDK outputs hold Dates. Its stdout is not ours: ours carries the result.
    this.child = fork(script, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => {
        const gone = new Error(`the fakes' process exited (${code})`);
        reject(gone);
        for (const w of this.waiting.values()) w.reject(gone);
        this.waiting.clear();
      });
      this.child.on('message', (m: Reply) => {
        if (m.type === 'ready') resolve(m);
        else this.receive(m);
      });
    });
  }

  /** The models' Backend: the request is answered by the fakes' process, and takes no virtual time there. */
  readonly backend: Backend = (service, command) =>
    this.vt.track(
      this.request({
        service,
        // A bundler may rename a class (ListClustersCommand2); the SDK exports it under its own name.
        command: command.constructor.name.replace(/Command\d*$/, 'Command'),
        input: command.input,
        now: this.vt.now,
      }),
    );

  /** Owned records in the zone now. */
  ownedNow(): Promise<number> {
    return this.request({ query: 'ownedNow' }) as Promise<number>;
  }

  /** The fakes' process's peak RSS (MiB). */
  peakRssMiB(): Promise<number> {
    return this.request({ query: 'peakRssMiB' }) as Promise<number>;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private request(body: Omit<Extract<Request, { query: string }>, 'id'> | Omit<Request, 'id' | 'query'>) {
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, ...body });
    });
  }

  /** One answer a macrotask, in the order they came: what each one starts settles before the next is resolved. */
  private receive(reply: Extract<Reply, { type: 'reply' }>): void {
    this.inbox.push(reply);
    if (this.delivering) return;
    this.delivering = true;
    const deliverNext = () => {
      const next = this.inbox.shift();
      if (!next) {
        this.delivering = false;
        return;
      }
      const w = this.waiting.get(next.id);
      this.waiting.delete(next.id);
      if ('error' in next) w?.reject(Object.assign(new Error(next.error.message), next.error));
      else w?.resolve(next.output);
      setImmediate(deliverNext);
    };
    setImmediate(deliverNext);
  }
}
