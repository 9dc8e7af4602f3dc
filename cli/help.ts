import { SETTINGS_VARIABLES } from '../lib/config/settings';
import type { OptionSpec } from './args';

export interface CommandHelp {
  name: string;
  /** One line for the command list. */
  summary: string;
  usage: string;
  description: string;
  options: OptionSpec[];
  exitCodes: string;
  examples: string[];
}

const v = SETTINGS_VARIABLES;

/** The stack settings, as flags: each one overrides the environment variable named (the sync function's settings). */
export const SETTINGS_OPTIONS: OptionSpec[] = [
  { name: 'zone-ids', value: 'IDS', help: `${v.hostedZoneIds}: hosted zone ids, comma list; the first is the default` },
  { name: 'owner', value: 'ID', help: `${v.ownerId}: the owner id marking every entry the registrar writes` },
  { name: 'ttl', value: 'SECONDS', help: `${v.defaultTtl}: default record TTL (60)` },
  { name: 'clusters', value: 'NAMES', help: `${v.clusters}: cluster names served, comma list (empty: all)` },
  { name: 'cloudmap-services', value: 'IDS', help: `${v.cloudMapServiceIds}: Cloud Map service ids labels may use` },
];

/** The flag that sets each settings variable, so an error about a value the user typed names the flag. */
export const FLAG_OF_VARIABLE: Record<string, string> = {
  [v.hostedZoneIds]: 'zone-ids',
  [v.ownerId]: 'owner',
  [v.defaultTtl]: 'ttl',
  [v.clusters]: 'clusters',
  [v.cloudMapServiceIds]: 'cloudmap-services',
};

const JSON_OPTION: OptionSpec = { name: 'json', help: 'print the full report as JSON (errors too, on stderr)' };
const VERBOSE_OPTION: OptionSpec = { name: 'verbose', help: 'log details to stderr' };
const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', help: 'show this help' };

export const SYNC_EXIT_RULE = `0  every event settled: each was applied, already in place (unchanged), superseded by a newer
   version (stale) or not for this registrar (ignored), at least one was not ignored, and no conflict or
   registration problem was reported
1  otherwise: any event invalid (not JSON, a bad field, no valid label), failed (an AWS error or a
   rejected change, which the Lambda function would retry), in conflict with an entry another owner
   holds, a registration problem, or nothing could be applied (no events, or every event ignored)
2  usage or settings error, or an events file that cannot be read`;

export const RECONCILE_EXIT_RULE = `0  outcome converged, applied or planned (dry run)
1  outcome partial (a change failed or a task could not be read and was kept) or refused (the deletion
   guard, the wrong Region, or a cluster ECS does not have: nothing was deleted), or the run failed
2  usage or settings error`;

export const COMMANDS: CommandHelp[] = [
  {
    name: 'sync',
    summary: 'apply ECS events from a file, as the sync Lambda function does',
    usage: 'ecs-registrar sync --events FILE [--dry-run] [options]',
    description: `Applies EventBridge events (a JSON array or JSON lines) exactly as the sync Lambda function applies
an SQS batch: each Task State Change is confirmed with DescribeTasks, then the records and instances are
written. Every event gets a verdict; one bad event never blocks the others.`,
    options: [
      { name: 'events', value: 'FILE', help: 'the events: a JSON array or one event per line (required)' },
      { name: 'dry-run', help: 'plan only: print the changes, write nothing' },
      ...SETTINGS_OPTIONS,
      JSON_OPTION,
      VERBOSE_OPTION,
      HELP_OPTION,
    ],
    exitCodes: SYNC_EXIT_RULE,
    examples: [
      'ecs-registrar sync --events events.jsonl --dry-run',
      'ecs-registrar sync --events events.jsonl --zone-ids Z0123456789ABCDEFGHIJ --owner prod-registrar',
    ],
  },
  {
    name: 'reconcile',
    summary: 'repair drift between ECS and the registered state, as the reconcile function does',
    usage: 'ecs-registrar reconcile [--dry-run] [--cluster NAME]... [--force] [options]',
    description: `Reads the zones and Cloud Map services, then ECS, and makes the registered state equal to what the
running tasks and services ask for, touching only entries this owner marked. An entry is deleted only
when ECS says its task is gone. Refused (nothing written) when it would delete more than 3 entries
and more than ${v.maxDeletePercent} (50%) of the owned ones, or every entry of a cluster; when the entries
were recorded in another Region than AWS_REGION; or when a cluster filter names a cluster ECS does not
have in this Region.`,
    options: [
      { name: 'dry-run', help: 'plan only: print the changes, write nothing' },
      { name: 'cluster', value: 'NAME', multiple: true, help: 'only this cluster (one the stack serves); repeatable' },
      { name: 'force', help: 'apply even when the deletion guard refuses' },
      ...SETTINGS_OPTIONS,
      JSON_OPTION,
      VERBOSE_OPTION,
      HELP_OPTION,
    ],
    exitCodes: RECONCILE_EXIT_RULE,
    examples: [
      'ecs-registrar reconcile --dry-run',
      'ecs-registrar reconcile --cluster prod --json',
      'ecs-registrar reconcile --force   # after checking the dry run: the tasks really are gone',
    ],
  },
];

export function findCommand(name: string): CommandHelp | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function optionLine(o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  return `  ${flag.padEnd(26)} ${o.help}`;
}

const indent = (text: string, by = '  ') =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

export function commandHelp(c: CommandHelp): string {
  return [
    `ecs-registrar ${c.name}: ${c.summary}`,
    '',
    `Usage: ${c.usage}`,
    '',
    c.description,
    '',
    'Options:',
    ...c.options.map(optionLine),
    '',
    'Exit codes:',
    indent(c.exitCodes),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
    AWS_NOTE,
  ].join('\n');
}

const AWS_NOTE =
  'AWS access comes from the standard environment: AWS_REGION, credentials or AWS_PROFILE, AWS_ENDPOINT_URL.';

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'ecs-registrar: keep Route 53 records and Cloud Map instances in step with Amazon ECS.',
    '',
    'Usage: ecs-registrar COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show help for a command: ecs-registrar help COMMAND (or COMMAND --help)`,
    '',
    'Options: --version (-V) prints the version; --help (-h) prints this help.',
    'Settings come from the environment the Lambda functions use (REGISTRAR_*), or from flags that override them.',
    AWS_NOTE,
    '',
    'Examples:',
    '  ecs-registrar help sync',
    '  ecs-registrar sync --events events.jsonl --dry-run',
    '  ecs-registrar reconcile --dry-run',
  ].join('\n');
}
