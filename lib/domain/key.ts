/**
 * A composite key (`a|b|c`) for Maps and Sets, built by joining its parts. Built with `+` or a template literal, it
 * would be a rope (a V8 cons string), which Map and Set lookups handle on a slow path: joined, it is one flat string.
 * The planner looks up tens of thousands of such keys in a reconcile (bench/ scenario d measures its CPU).
 */
export const joinKey = (...parts: string[]): string => parts.join('|');
