export { closest, editDistance } from '../lib/config/closest';

/**
 * Errors the CLI reports to its user. Each one maps to an exit code; `flag` names the option the user typed, so the
 * message talks about `--ttl`, not about the environment variable the flag happens to set.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly flag?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An input file the command cannot read or does not understand at all (not one bad entry among good ones). */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}
