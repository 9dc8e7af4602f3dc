import { currentDeadline, DeadlineExceededError, remainingMs } from './deadline';

/** Time and randomness are injected so retries and rate limits are testable without real waiting. */
export interface Timing {
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
}

export const realTiming: Timing = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: Math.random,
};

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** "Full jitter" exponential backoff: a random wait in [0, min(max, base * 2^attempt)). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  timing: Timing;
  /** Taken before every attempt, retries included (the Route 53 rate limiter). */
  limiter?: { take(): Promise<void> };
  retryable: (err: unknown) => boolean;
}

/**
 * The one retry loop of the calls the registrar retries itself (Route 53 and Cloud Map; clients.ts says why): full
 * jitter backoff, every attempt through the limiter, and no sleep that would end past the current deadline (the last
 * error is thrown instead: sleeping only to be refused at the deadline would waste the invocation's time).
 */
export async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      await options.limiter?.take();
      return await attempt();
    } catch (err) {
      if (!options.retryable(err) || n + 1 >= options.maxAttempts) throw err;
      const delay = backoffDelay(n, options, options.timing.random);
      if (delay >= remainingMs()) throw err;
      await options.timing.sleep(delay);
    }
  }
}

/**
 * A token bucket in front of every Route 53 call of this container: Route 53 allows five requests per second per
 * account, shared with every other tool, so bursts are smoothed here rather than discovered as Throttling.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly timing: Timing,
  ) {
    this.tokens = burst;
    this.last = timing.now();
  }

  take(): Promise<void> {
    const next = this.queue.then(() => this.waitForToken());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.timing.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const wait = Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
      // A token that comes only after the deadline is not worth waiting for: the call would be refused anyway.
      const deadline = currentDeadline();
      if (deadline && wait >= deadline.remainingMs()) {
        throw new DeadlineExceededError('waiting for the Route 53 rate limit', deadline.at);
      }
      await this.timing.sleep(wait);
    }
  }
}
