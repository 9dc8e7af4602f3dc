/**
 * A virtual clock for the whole process: `Date`, `setTimeout`/`clearTimeout`/`setInterval` and `Math.random` are
 * replaced, so the production code (deadlines, rate limiter, backoff, SDK-call budgets) runs unmodified on simulated
 * time, and runs are reproducible. Not @sinonjs/fake-timers: its async runner yields a real macrotask (setTimeout 0,
 * about 1 ms) per timer, which is minutes for the hundreds of thousands of timers a scenario sets; here a timer costs
 * one setImmediate, after which every promise chain the previous timer started has settled (nothing does real I/O).
 */

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
  interval?: number;
}

const RealDate = Date;
const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  random: Math.random,
};

export class VirtualTime {
  now: number;
  private readonly timers = new Map<number, Timer>();
  private heap: Timer[] = [];
  private nextId = 1;
  private seq = 0;
  private seed: number;
  /** Work outside this process (bench/remote-world.ts): the clock does not move while any of it is pending. */
  private readonly external = new Set<Promise<unknown>>();

  constructor(start: number, seed = 42) {
    this.now = start;
    this.seed = seed >>> 0;
  }

  /** Deterministic uniform [0, 1) (mulberry32). */
  random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  install(): void {
    const vt = this;
    class VirtualDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(vt.now);
        else super(...(args as [number]));
      }
      static override now(): number {
        return vt.now;
      }
    }
    globalThis.Date = VirtualDate as DateConstructor;
    const handle = (t: Timer) => ({
      id: t.id,
      unref() {
        return this;
      },
      ref() {
        return this;
      },
      hasRef: () => true,
      refresh() {
        return this;
      },
      [Symbol.toPrimitive]: () => t.id,
    });
    const add = (fn: (...a: unknown[]) => void, ms: unknown, args: unknown[], interval: boolean) => {
      const delay = Math.max(0, Number(ms) || 0);
      const t: Timer = {
        id: this.nextId++,
        at: this.now + delay,
        seq: this.seq++,
        fn: () => fn(...args),
        interval: interval ? Math.max(1, delay) : undefined,
      };
      this.push(t);
      return handle(t);
    };
    const clear = (h: unknown) => {
      if (h === undefined || h === null) return;
      const id = typeof h === 'number' ? h : (h as { id?: number }).id;
      if (id !== undefined) this.timers.delete(id);
    };
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      add(fn, ms, args, false)) as unknown as typeof setTimeout;
    globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      add(fn, ms, args, true)) as unknown as typeof setInterval;
    globalThis.clearTimeout = clear as typeof clearTimeout;
    globalThis.clearInterval = clear as typeof clearInterval;
    Math.random = () => this.random();
  }

  uninstall(): void {
    globalThis.Date = RealDate;
    globalThis.setTimeout = real.setTimeout;
    globalThis.clearTimeout = real.clearTimeout;
    globalThis.setInterval = real.setInterval;
    globalThis.clearInterval = real.clearInterval;
    Math.random = real.random;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => globalThis.setTimeout(resolve, ms));
  }

  /**
   * Marks `work` as real I/O the simulation waits for (a fake served by another process): until it settles, no timer
   * fires, so it takes no virtual time, as a call on an in-process fake takes none.
   */
  track<T>(work: Promise<T>): Promise<T> {
    this.external.add(work);
    const done = () => this.external.delete(work);
    work.then(done, done);
    return work;
  }

  /** Runs until no timer is left (or `until` virtual ms), settling every promise between timers. */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await settle();
      while (this.external.size > 0) {
        await Promise.allSettled([...this.external]);
        await settle();
      }
      const t = this.pop();
      if (!t) return;
      if (t.at > until) {
        this.push(t);
        this.now = until;
        return;
      }
      this.now = Math.max(this.now, t.at);
      if (t.interval !== undefined) {
        t.at = this.now + t.interval;
        t.seq = this.seq++;
        this.push(t);
      }
      t.fn();
    }
  }

  private push(t: Timer): void {
    this.timers.set(t.id, t);
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    while (h.length > 0) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      // Cleared timers stay in the heap until they surface; a re-armed interval has a newer seq than its stale copy.
      const live = this.timers.get(top.id);
      if (live === top) {
        if (top.interval === undefined) this.timers.delete(top.id);
        return top;
      }
    }
    return undefined;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
