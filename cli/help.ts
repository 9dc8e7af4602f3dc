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
  {
    name: 'validate',
    summary: "check a task definition's labels or a service's tags before deploying",
    usage: 'ecs-registrar validate (--task-definition FILE | --service-tags FILE)... [options]',
    description: `Parses the ecs-registrar.* docker labels of a task definition, or the ecs-registrar:* tags of a
service, exactly as the registrar will, and prints every problem with its fix and what would be
registered. FILE is the JSON of \`aws ecs describe-task-definition\` or a registration file
(--task-definition); of \`aws ecs list-tags-for-resource\`, \`describe-services --include TAGS\`, or a
{"key": "value"} map (--service-tags). With zone ids (--zone-ids or ${v.hostedZoneIds}) their domains
are read from Route 53; without, zones are not checked and names are checked as if in example.com.`,
    options: [
      { name: 'task-definition', value: 'FILE', multiple: true, help: 'a task definition JSON file; repeatable' },
      { name: 'service-tags', value: 'FILE', multiple: true, help: "a service's tags JSON file; repeatable" },
      ...SETTINGS_OPTIONS,
      JSON_OPTION,
      HELP_OPTION,
    ],
    exitCodes: `0  no problems
1  any problem (an error or a warning, such as an unknown label)
2  usage error, or a file that cannot be read or is not a task definition / tag list`,
    examples: [
      'aws ecs describe-task-definition --task-definition web:7 > web.json && ecs-registrar validate --task-definition web.json',
      'aws ecs list-tags-for-resource --resource-arn SERVICE_ARN > tags.json && ecs-registrar validate --service-tags tags.json',
    ],
  },
  {
    name: 'status',
    summary: 'show what this owner has registered, per zone, name and task',
    usage: 'ecs-registrar status [--zone ID] [--json] [options]',
    description: `Lists the records (per hosted zone) and Cloud Map instances marked with this owner id, with the
task or service each belongs to and where it runs. Records of other owners are counted, never shown
or touched. Read-only.`,
    options: [
      { name: 'zone', value: 'ID', help: `only this hosted zone (one of ${v.hostedZoneIds})` },
      ...SETTINGS_OPTIONS,
      JSON_OPTION,
      VERBOSE_OPTION,
      HELP_OPTION,
    ],
    exitCodes: `0  listed
1  an AWS read failed
2  usage or settings error`,
    examples: ['ecs-registrar status', 'ecs-registrar status --zone Z0123456789ABCDEFGHIJ --json'],
  },
  {
    name: 'events',
    summary: 'write Task State Change events for running tasks, to replay through sync',
    usage: 'ecs-registrar events --cluster NAME [--task ARN]... [--out FILE] [--json]',
    description: `Builds ECS Task State Change events from DescribeTasks (the task's own version, as ECS reports it)
for every running task of the cluster, or for the tasks named, and writes them as JSON lines (a JSON
array with --json) to stdout or FILE. Replay them with \`ecs-registrar sync --events FILE\`. Read-only.`,
    options: [
      { name: 'cluster', value: 'NAME', help: 'the cluster (name or ARN) (required)' },
      { name: 'task', value: 'ARN', multiple: true, help: 'only this task (ARN or id); repeatable' },
      { name: 'out', value: 'FILE', help: 'write to FILE instead of stdout' },
      {
        name: 'assume-version',
        value: 'N',
        help: 'version for tasks DescribeTasks returns without one (emulators such as moto; ECS always has one)',
      },
      { name: 'json', help: 'a JSON array instead of JSON lines' },
      HELP_OPTION,
    ],
    exitCodes: `0  an event for every task
1  a task could not be described or had no version (the others are written), or an AWS call failed
2  usage error`,
    examples: [
      'ecs-registrar events --cluster prod > events.jsonl && ecs-registrar sync --events events.jsonl --dry-run',
      'ecs-registrar events --cluster prod --task 0123456789abcdef0123456789abcdef --out one.jsonl',
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
    '  ecs-registrar validate --task-definition web.json',
  ].join('\n');
}
