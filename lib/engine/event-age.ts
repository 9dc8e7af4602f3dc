/**
 * How the engine judges an event's date against ECS's answer, for tasks and services alike: an event for a task or
 * service ECS does not know is "not yet" while young, "long gone" when old, and refused when dated ahead of every
 * plausible clock.
 */

/** How far ahead of this clock an event may be dated (clock skew) before it is refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** An event ECS does not know yet is retried for this long (DescribeTasks/DescribeServices lag), then judged gone. */
export const NOT_YET_KNOWN_GRACE_MS = 10 * 60 * 1000;

/** Milliseconds since the event's time; `unknown` when it carries no parsable time. */
export function eventAgeMs(eventTime: string | undefined, now: number, unknown: number): number {
  const t = eventTime ? Date.parse(eventTime) : Number.NaN;
  return Number.isFinite(t) ? now - t : unknown;
}

/** Dated further ahead of `now` than clock skew explains. */
export const inTheFuture = (ageMs: number): boolean => -ageMs > FUTURE_TOLERANCE_MS;
