/** An event that can never be applied: retrying it cannot help, so it is reported and dropped, never retried. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    /** Path of the offending field, e.g. `detail.attachments[0].details.privateIPv4Address`. */
    readonly field: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}
