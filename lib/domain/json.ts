/** A JSON object as it arrives from outside (events, files): fields unknown until checked. */
export type Json = Record<string, unknown>;

/** A plain object: not null, not an array. */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
