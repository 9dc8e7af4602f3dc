import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DescribeTasksCommand, ListTasksCommand, type Task, type TaskDefinition } from '@aws-sdk/client-ecs';
import { createAwsClients } from '../lib/aws/clients';
import { taskDefinitionView } from '../lib/aws/ecs-reader';
import { stopTimeoutWarnings } from '../lib/config/health';
import { type LabelContext, parseRegistrationSpecs } from '../lib/config/labels';
import { parseServiceTags } from '../lib/config/service-tags';
import { loadSettings, SETTINGS_VARIABLES, type Settings } from '../lib/config/settings';
import { isObject, type Json } from '../lib/domain/json';
import { parseSetIdentifier } from '../lib/domain/ownership';
import type { DnsRecord } from '../lib/domain/records';
import { isServiceSubject, isTaskSubject } from '../lib/domain/subject';
import type { createEngineDeps } from '../lib/engine/deps';
import { defaultOwnedRecordSubject, ownedInstanceSubject } from '../lib/plan/plan';
import { InputFileError, UsageError } from './errors';

type Deps = ReturnType<typeof createEngineDeps>;

/** A file's text, or an InputFileError naming the file and why it cannot be read. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new InputFileError(file, `cannot be read (${why})`, { cause: err });
  }
}

export function readJsonFile(file: string): unknown {
  const text = readTextFile(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputFileError(file, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

// ---------------------------------------------------------------- validate

export interface ValidationProblem {
  severity: 'error' | 'warning';
  message: string;
}

export interface ValidationResult {
  file: string;
  kind: 'task-definition' | 'service-tags';
  subject: string;
  problems: ValidationProblem[];
  /** What the registrar would register: one line per registration (task definition) or alias (service). */
  registrations: string[];
}

/**
 * The label context validate checks against. With zone ids (flag or environment), their domains are read from Route 53,
 * exactly as the sync function reads them. Without, the check runs offline: every zone a label names is accepted,
 * with `example.com.` standing in for its domain, and the notes say so.
 */
export async function validationContext(
  env: Record<string, string | undefined>,
  referenced: { zones: string[]; cloudMapServices: string[] },
  route53: () => Deps['route53Reader'],
): Promise<{ ctx: LabelContext; notes: string[] }> {
  const v = SETTINGS_VARIABLES;
  const notes: string[] = [];
  const offline = !env[v.hostedZoneIds];
  const filled = { ...env };
  if (offline) {
    filled[v.hostedZoneIds] = ['ZVALIDATEOFFLINE', ...referenced.zones.filter((z) => /^[A-Z0-9]{1,32}$/.test(z))].join(
      ',',
    );
    notes.push(
      `${v.hostedZoneIds} is not set (nor --zone-ids): zones were not checked; names were checked as if in example.com.`,
    );
  }
  if (!env[v.cloudMapServiceIds] && referenced.cloudMapServices.length > 0) {
    filled[v.cloudMapServiceIds] = referenced.cloudMapServices
      .filter((s) => /^srv-[A-Za-z0-9]{1,64}$/.test(s))
      .join(',');
    notes.push(`${v.cloudMapServiceIds} is not set (nor --cloudmap-services): Cloud Map service ids were not checked.`);
  }
  filled[v.ownerId] ||= 'validate';
  const settings: Settings = loadSettings(filled);
  const zoneDomains = offline
    ? new Map(settings.hostedZoneIds.map((z) => [z, 'example.com.']))
    : await route53().zoneDomains(settings.hostedZoneIds);
  return { ctx: { settings, zoneDomains }, notes };
}

/** A task definition from a file: `aws ecs describe-task-definition` output, or a registration (input) file. */
export function taskDefinitionFromFile(file: string, body: unknown): TaskDefinition {
  if (isObject(body) && isObject(body.taskDefinition)) return body.taskDefinition as TaskDefinition;
  if (isObject(body) && Array.isArray(body.containerDefinitions)) return body as TaskDefinition;
  throw new InputFileError(
    file,
    'is neither the output of `aws ecs describe-task-definition` ({"taskDefinition": {...}}) nor a task definition registration file ({"family": ..., "containerDefinitions": [...]})',
  );
}

/** Tags from a file: `aws ecs list-tags-for-resource` or `describe-services --include TAGS` output, a tag list, or a map. */
export function tagsFromFile(file: string, body: unknown): { subject: string; tags: Record<string, string> } {
  let list: unknown = body;
  let subject = 'service';
  if (isObject(body) && Array.isArray(body.services) && isObject(body.services[0])) {
    const s = body.services[0] as Json;
    subject = `service ${String(s.serviceName ?? s.serviceArn ?? '')}`.trim();
    list = s.tags ?? [];
  } else if (isObject(body) && Array.isArray(body.tags)) {
    list = body.tags;
  }
  if (Array.isArray(list)) {
    const tags: Record<string, string> = {};
    list.forEach((t, i) => {
      const key = isObject(t) ? (t.key ?? t.Key) : undefined;
      const value = isObject(t) ? (t.value ?? t.Value) : undefined;
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new InputFileError(file, `tag #${i + 1} must be {"key": "...", "value": "..."}`);
      }
      tags[key] = value;
    });
    return { subject, tags };
  }
  if (isObject(list) && Object.values(list).every((x) => typeof x === 'string')) {
    return { subject, tags: list as Record<string, string> };
  }
  throw new InputFileError(
    file,
    'holds no tags: expected `aws ecs list-tags-for-resource` output ({"tags": [{"key", "value"}]}), `describe-services --include TAGS` output, a tag list or a {"key": "value"} map',
  );
}

export function validateTaskDefinition(file: string, td: TaskDefinition, ctx: LabelContext): ValidationResult {
  const name = td.family ? `${td.family}${td.revision ? `:${td.revision}` : ''}` : file;
  const view = taskDefinitionView(td, td.taskDefinitionArn ?? name);
  const parsed = parseRegistrationSpecs(view, ctx);
  const problems: ValidationProblem[] = [
    ...parsed.errors.map((e) => ({ severity: 'error' as const, message: e.message })),
    ...parsed.warnings.map((w) => ({ severity: 'warning' as const, message: w })),
    ...stopTimeoutWarnings(view.containers, parsed.specs).map((w) => ({ severity: 'warning' as const, message: w })),
  ];
  if (parsed.specs.length === 0 && problems.length === 0) {
    problems.push({
      severity: 'warning',
      message:
        'no container carries ecs-registrar.name: the task definition registers nothing (fix: add ecs-registrar.name=NAME to a container)',
    });
  }
  return {
    file,
    kind: 'task-definition',
    subject: `task definition ${name}`,
    problems,
    registrations: parsed.specs.map(
      (s) =>
        `${s.id}: ${s.fqdn} ${s.explicitRecords ? s.recordKinds.join(',') : 'A (AAAA with IPv6, SRV with a port)'} ttl ${s.ttl}` +
        `${s.port ? ` port ${s.port.containerPort}` : ''}${s.ip === 'public' ? ' public IP' : ''}` +
        `${s.cloudMapServiceId ? ` + Cloud Map ${s.cloudMapServiceId}` : ''}`,
    ),
  };
}

export function validateServiceTags(
  file: string,
  subject: string,
  tags: Record<string, string>,
  ctx: LabelContext,
): ValidationResult {
  const parsed = parseServiceTags(tags, ctx);
  const problems: ValidationProblem[] = [
    ...parsed.errors.map((e) => ({ severity: 'error' as const, message: e.message })),
    ...parsed.warnings.map((w) => ({ severity: 'warning' as const, message: w })),
  ];
  if (!parsed.optedIn && problems.length === 0) {
    problems.push({
      severity: 'warning',
      message: 'no ecs-registrar:alias tag: the service gets no alias (fix: tag it ecs-registrar:alias=NAME)',
    });
  }
  const s = parsed.spec;
  return {
    file,
    kind: 'service-tags',
    subject,
    problems,
    registrations: s
      ? [
          `${s.fqdn} ${s.kind === 'alias' ? 'alias A (+AAAA when dual-stack)' : `CNAME ttl ${s.ttl}`} -> the load balancer`,
        ]
      : [],
  };
}

export function formatValidation(results: ValidationResult[], notes: string[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const n = r.problems.length;
    lines.push(`${r.subject} (${r.file}): ${n === 0 ? 'no problems' : `${n} problem${n === 1 ? '' : 's'}`}`);
    r.problems.forEach((p, i) => {
      lines.push(`  ${i + 1}. ${p.severity}: ${p.message}`);
    });
    if (r.registrations.length > 0) {
      lines.push('  would register:');
      for (const reg of r.registrations) lines.push(`    ${reg}`);
    }
  }
  for (const note of notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- status

export interface StatusRecord {
  name: string;
  type: string;
  values?: string[];
  alias?: string;
  ttl?: number;
  subject: string;
  where?: string;
}

export interface StatusReport {
  owner: string;
  zones: { id: string; domain: string; privateZone: boolean; records: StatusRecord[]; foreign: number }[];
  cloudMap: { serviceId: string; instances: { id: string; address: string; subject: string }[]; foreign: number }[];
  tasks: number;
  services: number;
}

/** What this owner has registered: per zone, name and subject (task or service), and per Cloud Map service. */
export async function status(deps: Deps, zoneFilter: string | undefined): Promise<StatusReport> {
  const owner = deps.settings.ownerId;
  const zones = zoneFilter ? [zoneFilter.replace(/^\/?hostedzone\//, '')] : deps.settings.hostedZoneIds;
  const report: StatusReport = { owner, zones: [], cloudMap: [], tasks: 0, services: 0 };
  const subjects = new Set<string>();
  for (const id of zones) {
    const info = await deps.route53Reader.zone(id);
    const records = await deps.route53Reader.listZone(id);
    const subjectOf = defaultOwnedRecordSubject(owner, records);
    const owned: StatusRecord[] = [];
    let foreign = 0;
    for (const r of records) {
      if (r.type === 'SOA' || r.type === 'NS') continue;
      const subject = subjectOf(r);
      if (!subject) {
        foreign++;
        continue;
      }
      subjects.add(subject);
      owned.push(statusRecord(r, subject));
    }
    owned.sort(
      (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.subject.localeCompare(b.subject),
    );
    report.zones.push({ id, domain: info.domain, privateZone: info.privateZone, records: owned, foreign });
  }
  for (const serviceId of zoneFilter ? [] : deps.settings.cloudMapServiceIds) {
    const all = await deps.cloudMapReader.instances(serviceId);
    const instances = all.flatMap((i) => {
      const subject = ownedInstanceSubject(owner, i);
      if (!subject) return [];
      subjects.add(subject);
      const ip = i.attributes.AWS_INSTANCE_IPV4 ?? i.attributes.AWS_INSTANCE_IPV6 ?? '';
      const port = i.attributes.AWS_INSTANCE_PORT ? `:${i.attributes.AWS_INSTANCE_PORT}` : '';
      return [{ id: i.instanceId, address: `${ip}${port}`, subject }];
    });
    report.cloudMap.push({ serviceId, instances, foreign: all.length - instances.length });
  }
  report.tasks = [...subjects].filter(isTaskSubject).length;
  report.services = [...subjects].filter(isServiceSubject).length;
  return report;
}

function statusRecord(r: DnsRecord, subject: string): StatusRecord {
  const location = parseSetIdentifier(r.setIdentifier)?.location;
  const where =
    location?.kind === 'plain'
      ? `${location.region}/${location.cluster}`
      : location?.kind === 'cluster-hashed'
        ? location.region
        : undefined;
  return {
    name: r.name,
    type: r.type,
    values: r.values,
    alias: r.alias?.dnsName,
    ttl: r.ttl,
    subject,
    where,
  };
}

export function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  for (const z of s.zones) {
    lines.push(
      `zone ${z.id} ${z.domain} (${z.privateZone ? 'private' : 'public'}): ${z.records.length} records owned by "${s.owner}"${z.foreign ? `, ${z.foreign} others left alone` : ''}`,
    );
    const rows = z.records.map((r) => [
      r.name,
      String(r.ttl ?? ''),
      r.alias ? `${r.type} ALIAS` : r.type,
      r.alias ?? (r.values ?? []).join(' '),
      `${r.subject}${r.where ? ` (${r.where})` : ''}`,
    ]);
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  for (const c of s.cloudMap) {
    lines.push(
      `Cloud Map ${c.serviceId}: ${c.instances.length} instances owned${c.foreign ? `, ${c.foreign} others` : ''}`,
    );
    lines.push(...table(c.instances.map((i) => [i.id, i.address, i.subject])).map((l) => `  ${l}`));
  }
  const records = s.zones.reduce((n, z) => n + z.records.length, 0);
  const instances = s.cloudMap.reduce((n, c) => n + c.instances.length, 0);
  lines.push(
    `${records} records in ${s.zones.length} zone${s.zones.length === 1 ? '' : 's'}, ${instances} Cloud Map instances; ${s.tasks} tasks, ${s.services} services`,
  );
  return `${lines.join('\n')}\n`;
}

/** Left-aligned columns, as `dig` and `kubectl get` print them. */
export function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd(),
  );
}

// ---------------------------------------------------------------- events

export interface EventsResult {
  events: Json[];
  /** Tasks that could not be turned into an event, with the reason. */
  skipped: { task: string; reason: string }[];
}

/**
 * Task State Change events built from DescribeTasks, shaped as EventBridge delivers them (attachment type `eni`, ISO
 * times), so real tasks can be replayed through `sync`. The version is ECS's own; a task without one (emulators
 * such as moto return null) is skipped unless `assumeVersion` is given: an event without a version would be stale.
 */
export async function buildEvents(
  cluster: string,
  taskArns: string[] | undefined,
  assumeVersion: number | undefined,
): Promise<EventsResult> {
  const { ecs } = createAwsClients();
  let arns = taskArns;
  if (!arns || arns.length === 0) {
    arns = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING', nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const result: EventsResult = { events: [], skipped: [] };
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
    for (const f of out.failures ?? [])
      result.skipped.push({ task: f.arn ?? '?', reason: `DescribeTasks: ${f.reason}` });
    for (const task of out.tasks ?? []) {
      const version = typeof task.version === 'number' ? task.version : assumeVersion;
      if (version === undefined) {
        result.skipped.push({
          task: task.taskArn ?? '?',
          reason: 'DescribeTasks returned no version (real ECS always does; for an emulator pass --assume-version N)',
        });
        continue;
      }
      result.events.push(taskStateChangeEvent(task, version));
    }
  }
  return result;
}

export function taskStateChangeEvent(task: Task, version: number): Json {
  const detail = JSON.parse(
    JSON.stringify(task, (_key, value) => (value instanceof Date ? value.toISOString() : value)),
  ) as Json & { attachments?: { type?: string }[]; taskArn: string };
  // DescribeTasks says ElasticNetworkInterface where the event says eni.
  for (const a of detail.attachments ?? []) if (a.type === 'ElasticNetworkInterface') a.type = 'eni';
  detail.version = version;
  const [, , , region, account] = detail.taskArn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account,
    // Now: the state was observed now (the event-to-DNS lag metric reads this time).
    time: new Date().toISOString(),
    region,
    resources: [detail.taskArn],
    detail,
  };
}

export function parseVersionFlag(value: unknown, typed: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${typed}: "${String(value)}" must be a positive integer`, typed);
  }
  return n;
}
