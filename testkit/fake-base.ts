// Shared machinery of the in-memory AWS fakes: call recording, fault injection, deterministic ids and clocks,
// token paging and JSON-stable snapshots.

/** Consulted before every call; returning an Error makes the call fail with it (the call is still recorded). */
export type FaultInjector = (operation: string, input: unknown) => Error | undefined;

export interface RecordedCall {
  operation: string;
  input: unknown;
}

/** What every SDK v3 output carries; mockClient runs no middleware, so the fake adds it itself. */
export interface ResponseMetadata {
  $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
}

/** Minimal view of an aws-sdk-client-mock stub: enough to route commands the fake does not implement. */
export interface SendStub {
  send: { callsFake(fn: (command: object) => unknown): unknown };
}

export abstract class FakeService {
  readonly calls: RecordedCall[] = [];
  readonly #faults: FaultInjector[] = [];
  #requests = 0;

  protected constructor(readonly serviceName: string) {}

  /** Adds a fault injector; returns a function that removes it again. */
  injectFault(fn: FaultInjector): () => void {
    this.#faults.push(fn);
    return () => {
      const i = this.#faults.indexOf(fn);
      if (i >= 0) this.#faults.splice(i, 1);
    };
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  callCount(operation?: string): number {
    return operation === undefined ? this.calls.length : this.calls.filter((c) => c.operation === operation).length;
  }

  /** Hook run after every call, failed or not (Cloud Map uses it to complete in-flight operations). */
  protected afterCall(): void {}

  /**
   * Every API call goes through here. Inputs and outputs are deep-copied so neither the caller nor the fake can
   * mutate the other's state through a shared reference, which the real wire never allows.
   */
  protected async invoke<I, O extends object>(
    operation: string,
    input: I,
    handler: (input: I) => O,
  ): Promise<O & ResponseMetadata> {
    const copy = deepCopy(input ?? ({} as I));
    this.calls.push({ operation, input: deepCopy(copy) });
    try {
      for (const fault of this.#faults) {
        const error = fault(operation, copy);
        if (error) throw error;
      }
      const output = deepCopy(handler(copy));
      return {
        ...output,
        $metadata: { httpStatusCode: 200, requestId: this.requestId(), attempts: 1, totalRetryDelay: 0 },
      };
    } finally {
      this.afterCall();
    }
  }

  protected requestId(): string {
    this.#requests += 1;
    return `00000000-0000-4000-8000-${this.#requests.toString(16).padStart(12, '0')}`;
  }

  /** Commands without a handler must fail loudly instead of resolving to undefined. */
  protected rejectUnsupported(mock: SendStub): void {
    mock.send.callsFake((command: object) =>
      Promise.reject(
        new Error(`${this.constructor.name} does not implement ${command.constructor.name} (${this.serviceName})`),
      ),
    );
  }
}

/** Deterministic pseudo-random source (mulberry32) so ids are stable across runs for byte-identical snapshots. */
export class IdSource {
  #state: number;

  constructor(seed = 1) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  digits(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 10).toString();
    return out;
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** A clock that starts at a fixed instant and advances one second per reading: deterministic timestamps. */
export function steppingClock(start = Date.parse('2025-01-01T00:00:00.000Z'), stepMs = 1000): () => Date {
  let t = start - stepMs;
  return () => {
    t += stepMs;
    return new Date(t);
  };
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Token paging over a list sorted by `key`: the token names the last key returned, so records added or removed
 * between pages never make the listing skip or repeat an unchanged item.
 */
export function pageAfter<T>(
  sorted: readonly T[],
  key: (item: T) => string,
  token: string | undefined,
  max: number,
  invalidToken: () => Error,
): Page<T> {
  let start = 0;
  if (token !== undefined) {
    const after = decodeToken(token);
    if (after === undefined) throw invalidToken();
    start = sorted.findIndex((item) => key(item) > after);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + max);
  const last = items.at(-1);
  return start + max < sorted.length && last !== undefined ? { items, nextToken: encodeToken(key(last)) } : { items };
}

function encodeToken(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64');
}

function decodeToken(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'after' in parsed && typeof parsed.after === 'string') {
      return parsed.after;
    }
  } catch {
    // not one of ours
  }
  return undefined;
}

/**
 * Deep copy of JSON-like data. Not structuredClone: under jest that builds Dates of Node's realm, which fail
 * `instanceof Date` inside the test's VM context, unlike the Dates the SDK hands to production code.
 */
export function deepCopy<T>(value: T): T {
  return copyValue(value) as T;
}

function isDate(value: unknown): value is Date {
  return value instanceof Date || Object.prototype.toString.call(value) === '[object Date]';
}

function copyValue(value: unknown): unknown {
  if (isDate(value)) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(copyValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyValue(v);
    return out;
  }
  return value;
}

/** Deep copy with object keys sorted, undefined dropped and Dates as ISO strings: stable under JSON.stringify. */
export function canonical<T>(value: T): T {
  return canonicalise(value) as T;
}

function canonicalise(value: unknown): unknown {
  if (isDate(value)) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonicalise);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonicalise(v);
    }
    return out;
  }
  return value;
}

/** Compare two strings by UTF-16 code units (ASCII order for ASCII), independent of locale. */
export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
