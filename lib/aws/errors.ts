/** Helpers to read AWS SDK v3 errors, which carry the service's error code in `name` (aws-facts.md §7). */

export interface AwsErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as AwsErrorLike & { Code?: string; code?: string };
    return e.name ?? e.Code ?? e.code ?? 'Error';
  }
  return 'Error';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);
const TRANSIENT = new Set([
  'TimeoutError',
  'CallTimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** Throttling or a transient fault: the same request may succeed later. */
export function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  if (THROTTLING.has(code) || TRANSIENT.has(code)) return true;
  const status = (err as AwsErrorLike | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errorCode(err));
}

/** A read the registrar cannot do without: the whole unit of work fails instead of reading "nothing". */
export class AwsReadError extends Error {
  override readonly name = 'AwsReadError';
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly code: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(`${service} ${operation} failed: ${code}: ${message}`, options);
  }

  get retryable(): boolean {
    return isRetryable(this.cause);
  }

  static wrap(service: string, operation: string, cause: unknown): AwsReadError {
    return cause instanceof AwsReadError
      ? cause
      : new AwsReadError(service, operation, errorCode(cause), errorMessage(cause), { cause });
  }
}
