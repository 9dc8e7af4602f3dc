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

/** The closest of `candidates` to `typed` by edit distance, if it is close enough to be a likely typo. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(typed.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the longer word, at least 2: `nmae` -> `name`, `--dryrun` -> `--dry-run`, but `--zzz` -> nothing.
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(typed.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
