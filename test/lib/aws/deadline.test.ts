import { RateLimiter, retrying, type Timing } from '../../../lib/aws/backoff';
import {
  boundedCall,
  CallTimeoutError,
  DeadlineExceededError,
  deadlinePassed,
  remainingMs,
  withDeadline,
} from '../../../lib/aws/deadline';
import { isRetryable } from '../../../lib/aws/errors';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const throttling = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

/** Virtual sleeps (recorded, not waited) on a real clock, as the deadline itself is wall-clock time. */
function recordingTiming(): Timing & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => Date.now(), random: () => 1, sleep: async (ms) => void slept.push(ms) };
}

describe('withDeadline and boundedCall', () => {
  test('a hung call is abandoned at the deadline with DeadlineExceededError naming the call', async () => {
    // Prepare
    const started = Date.now();

    // Act
    const error = await withDeadline(started + 150, () => boundedCall('ecs DescribeTasks', 60_000, never)).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/^ecs DescribeTasks: not done before the invocation's deadline/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a hung call is abandoned at its own budget first, with a retryable CallTimeoutError', async () => {
    // Act
    const error = await withDeadline(Date.now() + 60_000, () => boundedCall('route53 Change', 100, never)).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(isRetryable(error)).toBe(true);
  });

  test('the call is aborted through its signal when abandoned', async () => {
    // Prepare
    let signal: AbortSignal | undefined;

    // Act
    await withDeadline(Date.now() + 50, () =>
      boundedCall('x', 60_000, (s) => {
        signal = s;
        return never();
      }),
    ).catch(() => undefined);

    // Assess
    expect(signal?.aborted).toBe(true);
  });

  test('past the deadline a call is not started at all', async () => {
    // Prepare
    const work = jest.fn(async () => 'done');

    // Act
    const error = await withDeadline(Date.now() - 1, () => boundedCall('x', 1_000, work)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(work).not.toHaveBeenCalled();
  });

  test('a call that answers in time returns its value, and its failures pass through unchanged', async () => {
    // Prepare
    const failure = new Error('AccessDenied');

    // Act
    const value = await withDeadline(Date.now() + 1_000, () => boundedCall('x', 1_000, async () => 42));
    const error = await withDeadline(Date.now() + 1_000, () =>
      boundedCall('x', 1_000, async () => {
        throw failure;
      }),
    ).catch((e: unknown) => e);

    // Assess
    expect(value).toBe(42);
    expect(error).toBe(failure);
  });

  test('the earlier deadline wins when nested; without a deadline nothing has passed and time is unbounded', async () => {
    // Prepare
    const outer = Date.now() + 100;

    // Act
    const inner = await withDeadline(outer, () => withDeadline(Date.now() + 60_000, async () => remainingMs()));

    // Assess
    expect(inner).toBeLessThanOrEqual(100);
    expect(deadlinePassed()).toBe(false);
    expect(remainingMs()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('retrying', () => {
  test('takes a limiter token before every attempt, retries included', async () => {
    // Prepare
    const take = jest.fn(async () => undefined);
    const attempt = jest
      .fn()
      .mockRejectedValueOnce(throttling())
      .mockRejectedValueOnce(throttling())
      .mockResolvedValue('ok');

    // Act
    const result = await retrying(attempt, {
      maxAttempts: 5,
      baseDelayMs: 10,
      maxDelayMs: 100,
      timing: recordingTiming(),
      limiter: { take },
      retryable: isRetryable,
    });

    // Assess
    expect(result).toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(take).toHaveBeenCalledTimes(3);
  });

  test('does not sleep past the deadline: the last error is thrown instead', async () => {
    // Prepare: the first backoff (random 1 x 5 s) would end after the deadline, 200 ms away
    const timing = recordingTiming();
    const attempt = jest.fn().mockRejectedValue(throttling());

    // Act
    const error = await withDeadline(Date.now() + 200, () =>
      retrying(attempt, { maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 20_000, timing, retryable: isRetryable }),
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'Throttling' });
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(timing.slept).toEqual([]);
  });

  test('stops at maxAttempts and never retries what is not retryable', async () => {
    // Prepare
    const timing = recordingTiming();
    const throttled = jest.fn().mockRejectedValue(throttling());
    const denied = jest.fn().mockRejectedValue(Object.assign(new Error('no'), { name: 'AccessDenied' }));
    const options = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, timing, retryable: isRetryable };

    // Act
    await retrying(throttled, options).catch(() => undefined);
    await retrying(denied, options).catch(() => undefined);

    // Assess
    expect(throttled).toHaveBeenCalledTimes(3);
    expect(denied).toHaveBeenCalledTimes(1);
  });
});

describe('RateLimiter and the deadline', () => {
  test('refuses to wait for a token that comes only after the deadline', async () => {
    // Prepare: one token a second, the burst spent
    const limiter = new RateLimiter(1, 1, recordingTiming());
    await limiter.take();

    // Act
    const error = await withDeadline(Date.now() + 200, () => limiter.take()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toContain('Route 53 rate limit');
  });

  test('waits for a token that comes before the deadline', async () => {
    // Prepare: the limiter's own clock advances with its sleeps
    let now = 0;
    const slept: number[] = [];
    const timing: Timing = {
      now: () => now,
      random: () => 1,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    const limiter = new RateLimiter(1, 1, timing);
    await limiter.take();

    // Act
    const failed = await withDeadline(Date.now() + 60_000, () => limiter.take()).catch(() => 'failed');

    // Assess
    expect(failed).toBeUndefined();
    expect(slept).toEqual([1_000]);
  });
});
