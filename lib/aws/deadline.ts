import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The invocation's deadline, carried through the async calls of one unit of work (a batch, a reconcile run) without
 * threading it through every reader and writer: the clients (clients.ts), the retry loops and the rate limiter
 * (backoff.ts) consult it. No deadline (the CLI, most tests) means no bound beyond the clients' own timeouts.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly what: string,
    readonly deadline: number,
    options?: { cause?: unknown },
  ) {
    super(`${what}: not done before the invocation's deadline (${new Date(deadline).toISOString()})`, options);
  }
}

export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  /** `at`: milliseconds since the epoch, wall clock (Lambda's remaining time is wall-clock time). */
  constructor(readonly at: number) {
    const ms = at - Date.now();
    if (ms <= 0) this.#controller.abort();
    else this.#timer = setTimeout(() => this.#controller.abort(), ms);
  }

  /** Aborted when the deadline passes: handed to the SDK, so a request in flight is torn down, not only abandoned. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted || Date.now() >= this.at;
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /**
   * Runs `work` unless the deadline has passed, and stops waiting for it when the deadline passes: a hung call then
   * ends in DeadlineExceededError instead of holding the whole invocation until Lambda kills it.
   */
  run<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(new DeadlineExceededError(what, this.at));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new DeadlineExceededError(what, this.at));
      // Registered before `work` starts, so this fires before the SDK's own abort listener and the caller always
      // sees DeadlineExceededError, whatever error the torn-down request ends in.
      this.#controller.signal.addEventListener('abort', onAbort, { once: true });
      const done = () => this.#controller.signal.removeEventListener('abort', onAbort);
      let started: Promise<T>;
      try {
        started = work(this.#controller.signal);
      } catch (err) {
        done();
        reject(err);
        return;
      }
      started.then(
        (value) => {
          done();
          resolve(value);
        },
        (err: unknown) => {
          done();
          reject(err);
        },
      );
    });
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

const current = new AsyncLocalStorage<Deadline>();

/** Runs `fn` with a deadline (the earlier one, when nested); without one, runs it unbounded. */
export async function withDeadline<T>(at: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (at === undefined || !Number.isFinite(at)) return fn();
  const outer = current.getStore();
  const deadline = new Deadline(outer ? Math.min(outer.at, at) : at);
  try {
    return await current.run(deadline, fn);
  } finally {
    deadline.dispose();
  }
}

export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/** Whether the current unit of work is past its deadline (never, without one). */
export function deadlinePassed(): boolean {
  return current.getStore()?.expired ?? false;
}

/** Milliseconds left before the current deadline; Infinity without one. */
export function remainingMs(): number {
  return current.getStore()?.remainingMs() ?? Number.POSITIVE_INFINITY;
}

/** `work` bounded by the current deadline, if there is one. */
export function withinDeadline<T>(what: string, work: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = current.getStore();
  return deadline ? deadline.run(what, work) : work(undefined);
}
