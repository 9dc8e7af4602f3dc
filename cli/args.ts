import { closest, UsageError } from './errors';

/** One option of a command: a boolean flag, or one that takes a value (`value` is its placeholder in help). */
export interface OptionSpec {
  name: string;
  value?: string;
  multiple?: boolean;
  short?: string;
  help: string;
}

export interface ParsedArgs {
  /** By option name (without dashes): true for flags, the string (or strings, for `multiple`) for the others. */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** How the user spelled each option given (`--ttl`, `-h`), so errors can name it as typed. */
  typed: Map<string, string>;
}

/**
 * Parses one command's arguments. Written rather than taken from node:util's parseArgs so that every mistake is
 * reported in the project's words, with the command's closest valid option (`--dryrun` -> `--dry-run`).
 */
export function parseCommandArgs(command: string, argv: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o]));
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short!, o]));
  const out: ParsedArgs = { values: {}, positionals: [], typed: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      out.positionals.push(token);
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let typed = token;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = eq >= 0 ? token.slice(2, eq) : token.slice(2);
      typed = `--${name}`;
      if (eq >= 0) inline = token.slice(eq + 1);
      spec = byName.get(name);
    } else {
      spec = byShort.get(token.slice(1));
    }
    if (!spec) throw unknownOption(command, typed, options);
    out.typed.set(spec.name, typed);
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`${typed} takes no value (got "${inline}")`, typed);
      out.values[spec.name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A following option is not a value: `--owner --json` is a missing owner, not an owner named "--json".
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${typed} needs a value: ${typed} ${spec.value}`, typed);
      }
      value = next;
      i++;
    }
    if (spec.multiple) {
      const prev = out.values[spec.name];
      out.values[spec.name] = [...(Array.isArray(prev) ? prev : []), value];
    } else {
      if (out.values[spec.name] !== undefined) throw new UsageError(`${typed} given twice`, typed);
      out.values[spec.name] = value;
    }
  }
  return out;
}

function unknownOption(command: string, typed: string, options: readonly OptionSpec[]): UsageError {
  const names = options.map((o) => `--${o.name}`);
  const suggestion = typed.startsWith('--') ? closest(typed, names) : undefined;
  const hint = suggestion ? `; did you mean ${suggestion}?` : '';
  return new UsageError(`unknown option ${typed} for "${command}"${hint}`, typed);
}
