import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CallCounter } from '../lib/aws/clients';
import { SETTINGS_VARIABLES, SettingsError } from '../lib/config/settings';
import { InvalidEventError } from '../lib/events/errors';
import { readEventsFile } from '../lib/events/parse';
import type { Log } from '../lib/observability/log';
import { type ReconcileReport, reconcileOrFail } from '../lib/reconcile/reconcile';
import { createSyncDeps } from '../lib/runtime';
import { type BatchReport, processEventBatch } from '../lib/sync/process-batch';

const USAGE = `ecs-registrar: keep Route 53 records and Cloud Map instances in step with Amazon ECS.

Usage:
  ecs-registrar sync --events FILE [options]   apply EventBridge events (JSON array or JSON lines) exactly as
                                               the sync Lambda function would, and print what changed
  ecs-registrar reconcile [--dry-run] [--cluster NAME]... [--force] [options]
                                               repair drift between ECS and the registered state, as the
                                               reconcile Lambda function does; --dry-run only prints the plan

Options (each overrides the environment variable named):
  --zone-ids IDS        ${SETTINGS_VARIABLES.hostedZoneIds} (comma list; the first is the default zone)
  --owner ID            ${SETTINGS_VARIABLES.ownerId}
  --ttl SECONDS         ${SETTINGS_VARIABLES.defaultTtl}
  --clusters NAMES      ${SETTINGS_VARIABLES.clusters}
  --cloudmap-services IDS  ${SETTINGS_VARIABLES.cloudMapServiceIds}
  --dry-run             plan only: print the changes, write nothing
  --cluster NAME        (reconcile) only this cluster; repeatable
  --force               (reconcile) apply even when the deletion guard refuses
  --json                print the full report as JSON
  --verbose             log warnings and details to stderr
  -h, --help

AWS access comes from the standard environment: AWS_REGION, credentials or AWS_PROFILE, AWS_ENDPOINT_URL.
Exit codes: 0 done (sync: every event applied or settled; reconcile: converged, applied or planned),
            1 something failed, was rejected or was refused (see the report), 2 usage or settings error.`;

function stderrLog(verbose: boolean): Log {
  const write =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      process.stderr.write(
        `${level} ${message}${extra.length ? ` ${JSON.stringify(Object.assign({}, ...extra))}` : ''}\n`,
      );
    };
  const quiet = () => {};
  return {
    debug: verbose ? write('debug') : quiet,
    info: verbose ? write('info') : quiet,
    warn: verbose ? write('warn') : quiet,
    error: write('error'),
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`ecs-registrar: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command] = args.positionals;
  if (args.values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || args.values.help ? 0 : 2;
  }
  if (command !== 'sync' && command !== 'reconcile') {
    process.stderr.write(`ecs-registrar: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'sync' && !args.values.events) {
    process.stderr.write('ecs-registrar sync: --events FILE is required\n');
    return 2;
  }

  const env = { ...process.env };
  const overrides: [string | undefined, string][] = [
    [args.values['zone-ids'], SETTINGS_VARIABLES.hostedZoneIds],
    [args.values.owner, SETTINGS_VARIABLES.ownerId],
    [args.values.ttl, SETTINGS_VARIABLES.defaultTtl],
    [args.values.clusters, SETTINGS_VARIABLES.clusters],
    [args.values['cloudmap-services'], SETTINGS_VARIABLES.cloudMapServiceIds],
  ];
  for (const [value, variable] of overrides) if (value !== undefined) env[variable] = value;

  const counter = new CallCounter();
  let deps: ReturnType<typeof createSyncDeps>;
  try {
    deps = createSyncDeps({ env, log: stderrLog(!!args.values.verbose), dryRun: !!args.values['dry-run'], counter });
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`ecs-registrar: setting ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (command === 'reconcile') return runReconcile(args.values, deps, counter);

  let inputs: ReturnType<typeof readEventsFile>;
  try {
    inputs = readEventsFile(readFileSync(args.values.events!, 'utf8'), args.values.events!);
  } catch (err) {
    const reason = err instanceof InvalidEventError ? err.message : `${args.values.events}: ${(err as Error).message}`;
    process.stderr.write(`ecs-registrar sync: ${reason}\n`);
    return 2;
  }
  const report = await processEventBatch(inputs, deps);
  if (args.values.json) process.stdout.write(`${JSON.stringify({ ...report, awsCalls: counter.toJSON() }, null, 2)}\n`);
  else process.stdout.write(formatReport(report, counter));
  const failed = report.items.some((i) => i.status === 'retry');
  return failed ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      events: { type: 'string' },
      'zone-ids': { type: 'string' },
      owner: { type: 'string' },
      ttl: { type: 'string' },
      clusters: { type: 'string' },
      'cloudmap-services': { type: 'string' },
      'dry-run': { type: 'boolean' },
      cluster: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
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
    if (i.status === 'invalid' || i.status === 'retry')
      lines.push(`${i.status.toUpperCase().padEnd(10)} ${i.id}: ${i.reason ?? ''}`);
  }
  const byStatus: Record<string, number> = {};
  for (const i of report.items) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;
  lines.push(
    `${report.items.length} events: ${
      Object.entries(byStatus)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    }; ${report.changes.length} changes${report.dryRun ? ' planned (dry run)' : ''}${counter ? `; ${counter.total()} AWS calls` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

async function runReconcile(
  values: ReturnType<typeof parse>['values'],
  deps: ReturnType<typeof createSyncDeps>,
  counter: CallCounter,
): Promise<number> {
  let report: ReconcileReport;
  try {
    report = await reconcileOrFail(
      { dryRun: !!values['dry-run'], clusters: values.cluster, force: !!values.force },
      deps,
      counter,
    );
  } catch (err) {
    process.stderr.write(`ecs-registrar reconcile: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReconcileReport(report));
  return report.outcome === 'partial' || report.outcome === 'refused' ? 1 : 0;
}

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
  if (r.refusal) lines.push(`REFUSED  ${r.refusal}`);
  const calls = Object.values(r.awsCalls).reduce((a, b) => a + b, 0);
  lines.push(
    `outcome: ${r.outcome}${r.dryRun ? ' (dry run: nothing written)' : ''}; drift ${r.drift}; clusters ${r.clusters.join(', ') || 'none'}; ` +
      `owned ${r.owned.records} records, ${r.owned.instances} instances; ${r.desired.runningTasks} registered tasks; ${calls} AWS calls in ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`ecs-registrar: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
