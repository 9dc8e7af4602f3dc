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

/**
 * A call that outlived its own budget: every attempt the client may make, each at most its connection and request
 * timeouts. Transient (errors.ts), like the SDK's TimeoutError it backs up.
 */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
  constructor(
    readonly what: string,
    readonly budgetMs: number,
  ) {
    super(`${what}: no answer within ${budgetMs} ms`);
  }
}

/**
 * `work` bounded by its own budget and by the current deadline, if any. The budget is a backstop for the clients'
 * own timeouts: it ends a hung call that the HTTP handler would not (a stubbed client, a handler that ignores its
 * timeout), so one hung call is abandoned in its budget and never holds a batch until its deadline.
 */
export function boundedCall<T>(what: string, budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = current.getStore();
  if (deadline?.expired) return Promise.reject(new DeadlineExceededError(what, deadline.at));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const stop = (err: Error) => {
      done();
      // Rejected before the abort, so the caller sees why the call was abandoned, not the SDK's AbortError.
      reject(err);
      controller.abort(err);
    };
    const onDeadline = () => stop(new DeadlineExceededError(what, deadline?.at ?? Date.now()));
    deadline?.signal.addEventListener('abort', onDeadline, { once: true });
    const timer = setTimeout(() => stop(new CallTimeoutError(what, budgetMs)), budgetMs);
    function done() {
      clearTimeout(timer);
      deadline?.signal.removeEventListener('abort', onDeadline);
    }
    let started: Promise<T>;
    try {
      started = work(controller.signal);
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
