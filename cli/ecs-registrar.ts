import { writeFileSync } from 'node:fs';
import { CallCounter } from '../lib/aws/clients';
import { SettingsError } from '../lib/config/settings';
import { createEngineDeps } from '../lib/engine/deps';
import { InvalidEventError } from '../lib/events/errors';
import { type RawInput, readEventsFile } from '../lib/events/parse';
import type { Log } from '../lib/observability/log';
import { type ReconcileReport, reconcileOrFail } from '../lib/reconcile/reconcile';
import { type BatchReport, processEventBatch } from '../lib/sync/process-batch';
import { version } from '../package.json';
import { type ParsedArgs, parseCommandArgs } from './args';
import { closest, InputFileError, UsageError } from './errors';
import { COMMANDS, commandHelp, FLAG_OF_VARIABLE, findCommand, generalHelp } from './help';
import {
  buildEvents,
  type EventsResult,
  formatStatus,
  formatValidation,
  parseVersionFlag,
  readJsonFile,
  readTextFile,
  type StatusReport,
  status,
  tagsFromFile,
  taskDefinitionFromFile,
  validateServiceTags,
  validateTaskDefinition,
  validationContext,
} from './inspect';

export const VERSION: string = version;

/** Node major version the AWS SDK's releases from January 2027 require (the CLI itself runs on Node 20). */
export const SDK_NODE_MAJOR = 22;

/**
 * The AWS SDK prints an eight-line NodeVersionSupportWarning on every run on Node 20, which the CLI supports
 * (package.json engines). It is turned off unless the user set the SDK's own switch; --verbose says it in one line.
 */
function quietNodeVersionWarning(verbose: boolean): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= SDK_NODE_MAJOR) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (verbose) {
    process.stderr.write(
      `note: running on Node ${process.versions.node}; ecs-registrar supports Node 20, but AWS SDK releases from January 2027 need Node ${SDK_NODE_MAJOR} or later\n`,
    );
  }
}

/** A failure the command explains in one line on stderr (a JSON object there with --json) and exits with. */
class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface Context {
  command: string;
  args: ParsedArgs;
  json: boolean;
}

/** Warnings about the user's own configuration: printed by default, since a misspelled label silently registers nothing. */
const CONFIG_WARNINGS = new Set(['label warning', 'service tag warning']);

function stderrLog(verbose: boolean): Log {
  const write =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      process.stderr.write(
        `${level} ${message}${extra.length ? ` ${JSON.stringify(Object.assign({}, ...extra))}` : ''}\n`,
      );
    };
  const quiet = () => {};
  // Each warning once: the same task definition's labels are parsed for every task that runs it.
  const seen = new Set<string>();
  const configWarning = (message: string, ...extra: Record<string, unknown>[]) => {
    const fields = Object.assign({}, ...extra) as { subject?: string; warning?: string };
    const line = `warning: ${fields.warning ?? message}`;
    if (seen.has(line)) return;
    seen.add(line);
    process.stderr.write(`${line}${fields.subject ? ` (${fields.subject})` : ''}\n`);
  };
  return {
    debug: verbose ? write('debug') : quiet,
    info: verbose ? write('info') : quiet,
    warn: (message, ...extra) => {
      if (CONFIG_WARNINGS.has(message)) configWarning(message, ...extra);
      else if (verbose) write('warn')(message, ...extra);
    },
    error: write('error'),
  };
}

/**
 * Runs one CLI invocation and resolves to its exit code; output goes to process.stdout / process.stderr. Never
 * throws for a user's mistake: every failure is reported on stderr (as JSON with --json) with its exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // Known before parsing succeeds, so that even a usage error is reported as JSON when --json was asked for.
  const json = argv.includes('--json');
  const command = argv.find((a) => !a.startsWith('-'));
  quietNodeVersionWarning(argv.includes('--verbose'));
  try {
    return await dispatch(argv, json);
  } catch (err) {
    return reportFailure(err, json, command && findCommand(command) ? command : undefined);
  }
}

async function dispatch(argv: readonly string[], json: boolean): Promise<number> {
  // Only --help and --version may come before the command.
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const a = argv[i]!;
    if (a === '--version' || a === '-V') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${generalHelp()}\n`);
      return 0;
    }
    if (a === '--json' || a === '--verbose') continue;
    throw new UsageError(
      `${a.split('=')[0]} before the command: put the command first (ecs-registrar COMMAND [options])`,
      a,
    );
  }
  const command = argv[i];
  const rest = argv.slice(i + 1);
  if (command === undefined) {
    process.stderr.write(`${generalHelp()}\n`);
    return 2;
  }
  if (command === 'help') {
    const topic = rest.find((a) => !a.startsWith('-'));
    if (topic === undefined) {
      process.stdout.write(`${generalHelp()}\n`);
      return 0;
    }
    const c = findCommand(topic);
    if (!c) throw unknownCommand(topic);
    process.stdout.write(`${commandHelp(c)}\n`);
    return 0;
  }
  if (command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const spec = findCommand(command);
  if (!spec) throw unknownCommand(command);
  const args = parseCommandArgs(command, rest, spec.options);
  if (args.values.help) {
    process.stdout.write(`${commandHelp(spec)}\n`);
    return 0;
  }
  if (args.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${args.positionals[0]}" (options start with --; see: ecs-registrar help ${command})`,
    );
  }
  const ctx: Context = { command, args, json };
  switch (command) {
    case 'sync':
      return runSync(ctx);
    case 'reconcile':
      return runReconcile(ctx);
    case 'validate':
      return runValidate(ctx);
    case 'status':
      return runStatus(ctx);
    case 'events':
      return runEvents(ctx);
    default:
      throw new UsageError(`command "${command}" is not implemented`);
  }
}

function unknownCommand(typed: string): UsageError {
  const suggestion = closest(typed, [...COMMANDS.map((c) => c.name), 'help']);
  return new UsageError(
    `unknown command "${typed}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (commands: ${COMMANDS.map((c) => c.name).join(', ')}, help)`,
  );
}

/** One line on stderr saying what went wrong (a JSON object with --json); returns the exit code. */
function reportFailure(err: unknown, json: boolean, command: string | undefined): number {
  const prefix = `ecs-registrar${command ? ` ${command}` : ''}`;
  let exitCode = 1;
  let details: Record<string, unknown> = {};
  let hint: string | undefined;
  if (err instanceof UsageError) {
    exitCode = err.exitCode;
    if (err.flag) details.flag = err.flag;
    hint = `run "ecs-registrar help${command ? ` ${command}` : ''}" for usage`;
  } else if (err instanceof InputFileError) {
    exitCode = err.exitCode;
    details.file = err.file;
  } else if (err instanceof SettingsError) {
    exitCode = 2;
    details.variable = err.variable;
  } else if (err instanceof CommandFailedError) {
    exitCode = err.exitCode;
    details = { ...err.details };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  // An unexpected error is a bug: the stack helps whoever reports it.
  const known = [UsageError, InputFileError, SettingsError, CommandFailedError].some((k) => err instanceof k);
  const message = known ? error.message : `unexpected error: ${error.stack ?? error.message}`;
  if (json) {
    process.stderr.write(
      `${JSON.stringify({ error: { type: error.name, message, ...(command ? { command } : {}), ...details, exitCode } })}\n`,
    );
  } else {
    process.stderr.write(`${prefix}: ${message}\n${hint ? `${hint}\n` : ''}`);
  }
  return exitCode;
}

/** The environment with the settings flags given applied over it. */
function settingsEnv(ctx: Context): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const [variable, flag] of Object.entries(FLAG_OF_VARIABLE)) {
    const value = ctx.args.values[flag];
    if (typeof value === 'string') env[variable] = value;
  }
  return env;
}

/** A settings error names the flag when the user typed one, else the environment variable. */
function settingsFailure(ctx: Context, err: SettingsError): Error {
  const flag = FLAG_OF_VARIABLE[err.variable];
  const typed = flag ? ctx.args.typed.get(flag) : undefined;
  if (typed) return new UsageError(`${typed}: ${err.reason}`, typed, { cause: err });
  return new CommandFailedError(`setting ${err.variable} (from the environment): ${err.reason}`, 2, {
    variable: err.variable,
  });
}

/** Settings from the environment, overridden by the flags given. */
function buildDeps(ctx: Context, counter: CallCounter) {
  const env = settingsEnv(ctx);
  try {
    return createEngineDeps({
      env,
      log: stderrLog(!!ctx.args.values.verbose),
      dryRun: !!ctx.args.values['dry-run'],
      counter,
    });
  } catch (err) {
    if (err instanceof SettingsError) throw settingsFailure(ctx, err);
    throw err;
  }
}

// ---------------------------------------------------------------- sync

function readEvents(file: string): RawInput[] {
  const text = readTextFile(file);
  try {
    return readEventsFile(text, file);
  } catch (err) {
    if (err instanceof InvalidEventError) throw new InputFileError(file, err.reason, { cause: err });
    throw err;
  }
}

/** Why `sync` exits non-zero, if it does (the rule is SYNC_EXIT_RULE in help.ts, and the README's). */
export function syncFailure(report: BatchReport): string | undefined {
  const count = (s: string) => report.items.filter((i) => i.status === s).length;
  const total = report.items.length;
  const reasons: string[] = [];
  const invalid = count('invalid');
  const retry = count('retry');
  const conflict = count('conflict');
  if (invalid > 0) reasons.push(`${invalid} of ${total} events invalid`);
  if (retry > 0) reasons.push(`${retry} of ${total} events failed (the Lambda function would retry them)`);
  if (conflict > 0) reasons.push(`${conflict} of ${total} events in conflict with entries another owner holds`);
  if (report.problems.length > 0) reasons.push(`${report.problems.length} registration problems`);
  if (total === 0) reasons.push('the file holds no events');
  else if (count('ignored') === total) reasons.push('every event was ignored: nothing for this registrar to apply');
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** The AWS calls a run made, by operation: what it cost. */
export function formatCalls(calls: Record<string, number>): string {
  return `aws calls: ${Object.entries(calls)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ')}`;
}

/** The summary line's order: what was done first, what needs attention last. */
const STATUS_ORDER = ['applied', 'planned', 'unchanged', 'stale', 'ignored', 'conflict', 'invalid', 'failed'];

/** Item status as the user should read it: a dry run applies nothing, so it says `planned`. */
const shownStatus = (status: string, dryRun: boolean) => (dryRun && status === 'applied' ? 'planned' : status);

async function runSync(ctx: Context): Promise<number> {
  const file = ctx.args.values.events;
  if (typeof file !== 'string') throw new UsageError('--events FILE is required', '--events');
  const counter = new CallCounter();
  const deps = buildDeps(ctx, counter);
  const inputs = readEvents(file);
  const report = await processEventBatch(inputs, deps);
  const items = report.items.map((i) => ({ ...i, status: shownStatus(i.status, report.dryRun) }));
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify({ ...report, items, awsCalls: counter.toJSON() }, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(report, counter));
  }
  const failure = syncFailure(report);
  if (failure) throw new CommandFailedError(failure, 1);
  return 0;
}

export function formatReport(report: BatchReport, counter?: CallCounter): string {
  const lines: string[] = [];
  const verb = report.dryRun ? 'would' : '';
  for (const c of report.changes) {
    const status =
      c.status === 'applied' || c.status === 'planned' ? '' : `  [${c.status}: ${c.code ?? ''} ${c.message ?? ''}]`;
    lines.push(`${verb ? `${verb} ` : ''}${c.action.padEnd(10)} ${c.provider.padEnd(8)} ${c.detail}${status}`);
  }
  for (const c of report.conflicts) lines.push(`CONFLICT   ${c.provider.padEnd(8)} ${c.key}: ${c.reason}`);
  for (const p of report.problems) lines.push(`PROBLEM    ${p.subject}: ${p.message}`);
  for (const i of report.items) {
    if (i.status === 'invalid' || i.status === 'retry' || i.status === 'conflict')
      lines.push(`${(i.status === 'retry' ? 'FAILED' : i.status.toUpperCase()).padEnd(10)} ${i.id}: ${i.reason ?? ''}`);
  }
  const byStatus = new Map<string, number>(STATUS_ORDER.map((st) => [st, 0]));
  for (const i of report.items) {
    const st = i.status === 'retry' ? 'failed' : shownStatus(i.status, report.dryRun);
    byStatus.set(st, (byStatus.get(st) ?? 0) + 1);
  }
  const summary = [...byStatus].filter(([, n]) => n > 0).map(([st, n]) => `${n} ${st}`);
  lines.push(
    `${report.items.length} events: ${summary.join(', ') || 'none'}; ${report.changes.length} changes${report.dryRun ? ' planned (dry run: nothing written)' : ''}${counter ? `; ${counter.total()} AWS calls` : ''}`,
  );
  if (counter && counter.total() > 0) lines.push(formatCalls(counter.toJSON()));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- reconcile

async function runReconcile(ctx: Context): Promise<number> {
  const counter = new CallCounter();
  const deps = buildDeps(ctx, counter);
  const values = ctx.args.values;
  const clusters = Array.isArray(values.cluster) ? values.cluster : undefined;
  let report: ReconcileReport;
  const stopProgress = startProgress('reconcile', counter);
  try {
    report = await reconcileOrFail({ dryRun: !!values['dry-run'], clusters, force: !!values.force }, deps, counter);
  } catch (err) {
    throw new CommandFailedError((err as Error).message, 1);
  } finally {
    stopProgress();
  }
  process.stdout.write(ctx.json ? `${JSON.stringify(report, null, 2)}\n` : formatReconcileReport(report));
  if (report.outcome === 'refused') {
    throw new CommandFailedError(`refused, nothing written: ${forFlags(report.refusal ?? 'no reason given')}`, 1, {
      outcome: report.outcome,
    });
  }
  if (report.outcome === 'partial') {
    const why = [
      report.rejected.length > 0 ? `${report.rejected.length} changes failed or were rejected` : '',
      report.held.length > 0 ? `${report.held.length} tasks could not be read and their entries were kept` : '',
    ].filter(Boolean);
    throw new CommandFailedError(`partial: ${why.join('; ') || 'see the report'}; the next run looks again`, 1, {
      outcome: report.outcome,
    });
  }
  return 0;
}

/**
 * A reconcile of a large account runs for minutes: when stderr is a terminal, one line there, rewritten in place,
 * says it is alive and how far it got (AWS calls so far, by service). Never written to a pipe or a file.
 */
export function startProgress(
  what: string,
  counter: CallCounter,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  if (!stream.isTTY) return () => {};
  const started = Date.now();
  let shown = false;
  const timer = setInterval(() => {
    const byService = new Map<string, number>();
    for (const [key, n] of counter.counts) {
      const service = key.split(':')[0]!;
      byService.set(service, (byService.get(service) ?? 0) + n);
    }
    const calls = [...byService].map(([s, n]) => `${s} ${n}`).join(', ');
    stream.write(
      `\r\x1b[2K${what}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${counter.total()} AWS calls${calls ? ` (${calls})` : ''}`,
    );
    shown = true;
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (shown) stream.write('\r\x1b[2K');
  };
}

/** The library's refusals say "rerun with force": on the command line that is the --force flag. */
const forFlags = (text: string) => text.replace(/rerun with force/g, 'rerun with --force');

/** The refusal without its "rerun with force" advice: what the guard saw, for a run that was forced past it. */
const withoutAdvice = (text: string) => text.replace(/;?\s*(if [^;]*, )?rerun with force to apply/g, '');

export function formatReconcileReport(r: ReconcileReport): string {
  const rows = r.changes.map((c) => [
    c.action,
    c.provider,
    c.status,
    c.detail + (c.message ? `  (${c.code ?? ''} ${c.message})` : ''),
  ]);
  const lines: string[] = [];
  if (rows.length > 0) {
    const head = ['ACTION', 'PROVIDER', 'STATUS', 'ENTRY'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const fmt = (row: string[]) =>
      row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ');
    lines.push(fmt(head), ...rows.map(fmt));
    if (r.totalChanges > r.changes.length) lines.push(`... and ${r.totalChanges - r.changes.length} more (use --json)`);
  }
  for (const c of r.conflicts) lines.push(`CONFLICT ${c.provider} ${c.key}: ${c.reason}`);
  for (const p of r.problems) lines.push(`PROBLEM  ${p.subject}: ${p.message}`);
  for (const h of r.held) lines.push(`KEPT     ${h.subject}: ${h.reason}`);
  for (const o of r.outsideView)
    lines.push(`OUTSIDE  ${o.subject} (${o.entries} entries, ${o.where}): not judged by this run; ${o.hint}`);
  if (r.refusal) {
    if (r.outcome === 'refused') lines.push(`REFUSED  ${forFlags(r.refusal)}`);
    else if (r.dryRun) lines.push(`GUARD    a real run would be refused: ${forFlags(r.refusal)}`);
    else lines.push(`FORCED   the deletion guard was overridden by --force: ${withoutAdvice(r.refusal)}`);
  }
  const calls = Object.values(r.awsCalls).reduce((a, b) => a + b, 0);
  lines.push(
    `outcome: ${r.outcome}${r.dryRun ? ' (dry run: nothing written)' : ''}; drift ${r.drift}; region ${r.region ?? 'unknown'}; clusters ${r.clusters.join(', ') || 'none'}; ` +
      `owned ${r.owned.records} records, ${r.owned.instances} instances; ${r.desired.runningTasks} registered tasks; ${calls} AWS calls in ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  if (calls > 0) lines.push(formatCalls(r.awsCalls));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- validate, status, events

const strings = (v: unknown): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);

async function runValidate(ctx: Context): Promise<number> {
  const tdFiles = strings(ctx.args.values['task-definition']);
  const tagFiles = strings(ctx.args.values['service-tags']);
  if (tdFiles.length + tagFiles.length === 0) {
    throw new UsageError('give --task-definition FILE or --service-tags FILE (or both)', '--task-definition');
  }
  const tds = tdFiles.map((file) => ({ file, td: taskDefinitionFromFile(file, readJsonFile(file)) }));
  const tagSets = tagFiles.map((file) => ({ file, ...tagsFromFile(file, readJsonFile(file)) }));
  // What the files refer to, so that an offline check accepts them (see validationContext).
  const labelValues = tds.flatMap(({ td }) =>
    (td.containerDefinitions ?? []).flatMap((c) => Object.entries(c.dockerLabels ?? {})),
  );
  const referenced = {
    zones: [
      ...labelValues.filter(([k]) => k.endsWith('.zone')).map(([, v]) => v),
      ...tagSets.flatMap((t) => (t.tags['ecs-registrar:alias-zone'] ? [t.tags['ecs-registrar:alias-zone']] : [])),
    ],
    cloudMapServices: labelValues.filter(([k]) => k.endsWith('.cloudmap-service')).map(([, v]) => v),
  };
  let context: Awaited<ReturnType<typeof validationContext>>;
  try {
    context = await validationContext(
      settingsEnv(ctx),
      referenced,
      () => buildDeps(ctx, new CallCounter()).route53Reader,
    );
  } catch (err) {
    if (err instanceof SettingsError) throw settingsFailure(ctx, err);
    if (err instanceof UsageError || err instanceof CommandFailedError) throw err;
    throw new CommandFailedError(`cannot read the hosted zones to check against: ${(err as Error).message}`, 1);
  }
  const results = [
    ...tds.map(({ file, td }) => validateTaskDefinition(file, td, context.ctx)),
    ...tagSets.map(({ file, subject, tags }) => validateServiceTags(file, subject, tags, context.ctx)),
  ];
  const problems = results.reduce((n, r) => n + r.problems.length, 0);
  if (ctx.json)
    process.stdout.write(`${JSON.stringify({ ok: problems === 0, results, notes: context.notes }, null, 2)}\n`);
  else process.stdout.write(formatValidation(results, context.notes));
  if (problems > 0)
    throw new CommandFailedError(`${problems} problem${problems === 1 ? '' : 's'} found`, 1, { problems });
  return 0;
}

async function runStatus(ctx: Context): Promise<number> {
  const deps = buildDeps(ctx, new CallCounter());
  const zone = ctx.args.values.zone;
  if (typeof zone === 'string') {
    const bare = zone.replace(/^\/?hostedzone\//, '');
    if (!deps.settings.hostedZoneIds.includes(bare)) {
      const typed = ctx.args.typed.get('zone') ?? '--zone';
      const near = closest(bare, deps.settings.hostedZoneIds);
      throw new UsageError(
        `${typed}: ${zone} is not one of the stack's zones (${deps.settings.hostedZoneIds.join(', ')})${near ? `; did you mean ${near}?` : ''}`,
        typed,
      );
    }
  }
  let report: StatusReport;
  try {
    report = await status(deps, typeof zone === 'string' ? zone : undefined);
  } catch (err) {
    throw new CommandFailedError(`cannot read the registered state: ${(err as Error).message}`, 1);
  }
  process.stdout.write(ctx.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return 0;
}

async function runEvents(ctx: Context): Promise<number> {
  const cluster = ctx.args.values.cluster;
  if (typeof cluster !== 'string') throw new UsageError('--cluster NAME is required', '--cluster');
  const assume = parseVersionFlag(
    ctx.args.values['assume-version'],
    ctx.args.typed.get('assume-version') ?? '--assume-version',
  );
  let result: EventsResult;
  try {
    result = await buildEvents(cluster, strings(ctx.args.values.task), assume);
  } catch (err) {
    throw new CommandFailedError(`cannot describe the tasks of ${cluster}: ${(err as Error).message}`, 1);
  }
  const text = ctx.json
    ? `${JSON.stringify(result.events, null, 2)}\n`
    : result.events.map((e) => `${JSON.stringify(e)}\n`).join('');
  const out = ctx.args.values.out;
  if (typeof out === 'string') {
    try {
      writeFileSync(out, text);
    } catch (err) {
      throw new InputFileError(
        out,
        `cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        {
          cause: err,
        },
      );
    }
    if (!ctx.json) process.stderr.write(`wrote ${result.events.length} events to ${out}\n`);
  } else {
    process.stdout.write(text);
  }
  if (!ctx.json) for (const s of result.skipped) process.stderr.write(`skipped ${s.task}: ${s.reason}\n`);
  if (result.skipped.length > 0) {
    throw new CommandFailedError(
      `${result.skipped.length} tasks skipped (see above); ${result.events.length} events written`,
      1,
      {
        skipped: result.skipped,
      },
    );
  }
  return 0;
}

/** Runs the CLI and exits with its code: what bin/ecs-registrar.js calls, and what runs when this file is the entry. */
export function run(argv: readonly string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      // Exit explicitly: the SDK's keep-alive sockets would otherwise hold the process open for a while.
      process.exitCode = code;
      process.stdout.write('', () => process.exit(code));
    },
    (err) => {
      process.stderr.write(`ecs-registrar: unexpected error: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) run();
