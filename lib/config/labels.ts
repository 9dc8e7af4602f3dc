import { hostNameProblem, isWithinZone, MAX_LABEL_BYTES, normaliseName, reservedNameProblem } from '../domain/dns-name';
import { OWNER_ATTRIBUTE } from '../domain/ownership';
import { OWNERSHIP_LABEL } from '../domain/service-ownership';
import { closest } from './closest';
import { type HealthMode, parseRegistrationHealth } from './health';
import type { Settings } from './settings';

/**
 * The docker-label grammar (DESIGN.md "Configuration contract"). Labels live on container definitions, which are
 * immutable per task-definition revision, so a revision is parsed once and the result cached by the caller.
 *
 *   ecs-registrar.name=web                     opts the container in; web.<zone domain>
 *   ecs-registrar.port=8080 | http             container port or port-mapping name (default: the first mapping)
 *   ecs-registrar.records=A,AAAA,SRV           default: A, AAAA when the task has IPv6, SRV when a port is known
 *   ecs-registrar.ip=private | public
 *   ecs-registrar.zone=Z123                    one of REGISTRAR_HOSTED_ZONE_IDS (default: the first)
 *   ecs-registrar.ttl=30
 *   ecs-registrar.cloudmap-service=srv-123     one of REGISTRAR_CLOUDMAP_SERVICE_IDS
 *   ecs-registrar.attr.KEY=value               custom Cloud Map attributes
 *   ecs-registrar.ignore=true
 *   ecs-registrar.health=ignore | require-healthy   default REGISTRAR_HEALTH (health.ts)
 *   ecs-registrar.<port-name>.<field>=...      per port mapping (named in portMappings[].name), inheriting the
 *                                              container-level fields above
 */

export const LABEL_PREFIX = 'ecs-registrar.';
const FIELDS = ['name', 'port', 'records', 'ip', 'zone', 'ttl', 'cloudmap-service', 'ignore', 'health'] as const;
type Field = (typeof FIELDS)[number];
const isField = (s: string): s is Field => (FIELDS as readonly string[]).includes(s);

export type RecordKind = 'A' | 'AAAA' | 'SRV';
const RECORD_KINDS: readonly RecordKind[] = ['A', 'AAAA', 'SRV'];

export interface PortMappingView {
  containerPort: number;
  hostPort?: number;
  protocol: 'tcp' | 'udp';
  name?: string;
}

export interface ContainerDefinitionView {
  name: string;
  dockerLabels: Record<string, string>;
  portMappings: PortMappingView[];
  /** The container definition has a `healthCheck` (ECS then reports its healthStatus). */
  hasHealthCheck?: boolean;
  /** Container `stopTimeout` in seconds, when the definition sets one. */
  stopTimeout?: number;
}

export interface TaskDefinitionView {
  taskDefinitionArn: string;
  family: string;
  networkMode: 'bridge' | 'awsvpc' | 'host' | 'none';
  containers: ContainerDefinitionView[];
}

export interface RegistrationSpec {
  /** `web` for container-level labels, `web/http` for the per-port form: how messages name the registration. */
  id: string;
  containerName: string;
  zoneId: string;
  /** Normalised zone domain, e.g. `example.com.` */
  zoneDomain: string;
  /** Normalised record name, e.g. `web.example.com.` */
  fqdn: string;
  /** Record kinds asked for; `explicitRecords` false means the defaults, which adapt to the task (IPv6, port). */
  recordKinds: RecordKind[];
  explicitRecords: boolean;
  port?: PortMappingView;
  ip: 'private' | 'public';
  ttl: number;
  cloudMapServiceId?: string;
  attributes: Record<string, string>;
  /** The health gate (health.ts); absent means `ignore`. */
  health?: HealthMode;
}

/** A bad label value: the registration it belongs to is skipped, every other registration goes ahead. */
export class LabelError extends Error {
  override readonly name = 'LabelError';
  constructor(
    readonly container: string,
    readonly label: string,
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(
      `container "${container}": label ${label}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${reason}`,
    );
  }
}

export interface ParsedLabels {
  specs: RegistrationSpec[];
  errors: LabelError[];
  /** Unknown keys and labels with no effect: logged, never fatal. */
  warnings: string[];
}

export interface LabelContext {
  settings: Settings;
  /** Domain of each hosted zone the stack may write, by bare zone id. */
  zoneDomains: ReadonlyMap<string, string>;
}

/** Longest task id (32 hex characters; 36 for UUID-shaped ids) plus its dot, prefixed to names for SRV targets. */
const SRV_TARGET_PREFIX_BYTES = 37;
const ATTRIBUTE_KEY = /^[a-zA-Z0-9!-~]+$/;
/** Attributes the registrar sets itself; labels may not override them. */
export const RESERVED_ATTRIBUTES = new Set([
  OWNER_ATTRIBUTE,
  'AVAILABILITY_ZONE',
  'ECS_CLUSTER_NAME',
  'ECS_SERVICE_NAME',
  'ECS_TASK_DEFINITION_FAMILY',
]);
export const MAX_CUSTOM_ATTRIBUTES = 30 - RESERVED_ATTRIBUTES.size;

interface RawSettings {
  fields: Partial<Record<Field, string>>;
  attrs: Record<string, string>;
}

export function parseRegistrationSpecs(taskDef: TaskDefinitionView, ctx: LabelContext): ParsedLabels {
  const out: ParsedLabels = { specs: [], errors: [], warnings: [] };
  for (const container of taskDef.containers) {
    parseContainer(container, ctx, out);
  }
  rejectCollisions(out);
  return out;
}

/** "did you mean" for an unknown label, among the keys a container with these named ports may carry (attr.* aside). */
function didYouMean(key: string, portNames: Set<string>): string {
  const known: string[] = [...FIELDS];
  for (const p of portNames) for (const f of FIELDS) if (f !== 'port') known.push(`${p}.${f}`);
  // Compared without the common prefix, which would make any two keys look alike.
  const suggestion = closest(key.slice(LABEL_PREFIX.length), known);
  return suggestion ? `; did you mean ${LABEL_PREFIX}${suggestion}?` : '';
}

function parseContainer(container: ContainerDefinitionView, ctx: LabelContext, out: ParsedLabels): void {
  const c = container.name;
  const portNames = new Set(container.portMappings.map((p) => p.name).filter((n): n is string => !!n));
  const base: RawSettings = { fields: {}, attrs: noPrototype() };
  const perPort = new Map<string, RawSettings>();

  for (const [key, value] of Object.entries(container.dockerLabels)) {
    if (!key.startsWith(LABEL_PREFIX)) continue;
    const rest = key.slice(LABEL_PREFIX.length);
    if (rest.startsWith('attr.')) {
      base.attrs[rest.slice('attr.'.length)] = value;
      continue;
    }
    if (isField(rest)) {
      base.fields[rest] = value;
      continue;
    }
    const dot = rest.indexOf('.');
    const portName = dot > 0 ? rest.slice(0, dot) : '';
    const field = dot > 0 ? rest.slice(dot + 1) : '';
    if (portName && portNames.has(portName) && (isField(field) || field.startsWith('attr.')) && field !== 'port') {
      const target = perPort.get(portName) ?? { fields: {}, attrs: noPrototype() };
      if (field.startsWith('attr.')) target.attrs[field.slice('attr.'.length)] = value;
      else target.fields[field as Field] = value;
      perPort.set(portName, target);
      continue;
    }
    out.warnings.push(
      portName && !portNames.has(portName) && (isField(field) || field.startsWith('attr.'))
        ? `container "${c}": label ${key} names port "${portName}", which is not a named port mapping of this container; ignored`
        : `container "${c}": unknown label ${key}; ignored${didYouMean(key, portNames)}`,
    );
  }

  const ignored = parseBool(base.fields.ignore, c, `${LABEL_PREFIX}ignore`, out);
  if (ignored) return;

  if (base.fields.name !== undefined) {
    const spec = buildSpec(container, c, base, undefined, ctx, out);
    if (spec) out.specs.push(spec);
  } else {
    for (const f of ['port', 'records', 'ip', 'zone', 'ttl', 'cloudmap-service'] as const) {
      if (base.fields[f] !== undefined && perPort.size === 0) {
        out.warnings.push(`container "${c}": label ${LABEL_PREFIX}${f} has no effect without ${LABEL_PREFIX}name`);
      }
    }
  }

  for (const [portName, raw] of perPort) {
    const prefix = `${LABEL_PREFIX}${portName}.`;
    if (parseBool(raw.fields.ignore, c, `${prefix}ignore`, out)) continue;
    if (raw.fields.name === undefined) {
      out.warnings.push(`container "${c}": labels ${prefix}* have no effect without ${prefix}name`);
      continue;
    }
    const merged: RawSettings = {
      fields: { ...base.fields, ...raw.fields, port: portName },
      attrs: Object.assign(noPrototype(), base.attrs, raw.attrs),
    };
    const spec = buildSpec(container, `${c}/${portName}`, merged, { prefix, own: raw }, ctx, out);
    if (spec) out.specs.push(spec);
  }
}

/** Attribute keys come from users: `__proto__` must be an attribute like any other key, never the prototype. */
const noPrototype = (): Record<string, string> => Object.create(null) as Record<string, string>;

/** What each field parser of one registration needs: its labels, the stack context, and where errors go. */
interface SpecInput {
  container: ContainerDefinitionView;
  raw: RawSettings;
  ctx: LabelContext;
  out: ParsedLabels;
  /** The label a field's value came from (the per-port label when it set the value). */
  label: (field: string) => string;
  fail: (field: string, value: string | undefined, reason: string) => void;
}

function buildSpec(
  container: ContainerDefinitionView,
  id: string,
  raw: RawSettings,
  perPort: { prefix: string; own: RawSettings } | undefined,
  ctx: LabelContext,
  out: ParsedLabels,
): RegistrationSpec | undefined {
  const c = container.name;
  const errorsBefore = out.errors.length;
  // A per-port registration inherits container-level values: an error names the label that holds the value.
  const setPerPort = (field: string): boolean => {
    if (!perPort || field === 'port') return false;
    if (field === 'attr.*') return Object.keys(perPort.own.attrs).length > 0;
    if (field.startsWith('attr.')) return perPort.own.attrs[field.slice('attr.'.length)] !== undefined;
    return perPort.own.fields[field as Field] !== undefined;
  };
  const label = (field: string) => (setPerPort(field) ? `${perPort!.prefix}${field}` : `${LABEL_PREFIX}${field}`);
  const fail = (field: string, value: string | undefined, reason: string) => {
    out.errors.push(new LabelError(c, label(field), value, reason));
  };
  const input: SpecInput = { container, raw, ctx, out, label, fail };

  // Zone first: the name is validated against its domain.
  const { zoneId, zoneDomain } = parseZone(input);
  const nameErrorsBefore = out.errors.length;
  const fqdn = parseName(input, zoneDomain);
  const port = parsePort(input);
  const { recordKinds, explicitRecords } = parseRecordKinds(input);
  if (fqdn !== '' && out.errors.length === nameErrorsBefore && port && recordKinds.includes('SRV'))
    checkSrvNames(input, fqdn);
  const ip = parseIp(input);
  const ttl = parseTtl(input);
  const cloudMapServiceId = parseCloudMapService(input);
  const attributes = parseAttributes(input, cloudMapServiceId);
  const health = parseRegistrationHealth(raw.fields.health, ctx.settings.health, fail);

  if (out.errors.length > errorsBefore) return undefined;
  const spec: RegistrationSpec = {
    id,
    containerName: c,
    zoneId,
    zoneDomain: zoneDomain!,
    fqdn,
    recordKinds,
    explicitRecords,
    port,
    ip,
    ttl,
    cloudMapServiceId,
    attributes,
    health,
  };
  labelsOf.set(spec, label);
  return spec;
}

function parseZone({ raw, ctx, fail }: SpecInput): { zoneId: string; zoneDomain: string | undefined } {
  const zoneId = raw.fields.zone?.trim().replace(/^\/?hostedzone\//, '') || ctx.settings.hostedZoneIds[0]!;
  const zoneDomain = ctx.zoneDomains.get(zoneId);
  if (!ctx.settings.hostedZoneIds.includes(zoneId)) {
    fail(
      'zone',
      raw.fields.zone,
      `zone is not one this stack may write (REGISTRAR_HOSTED_ZONE_IDS: ${ctx.settings.hostedZoneIds.join(', ')})`,
    );
  } else if (!zoneDomain) {
    fail('zone', raw.fields.zone ?? zoneId, 'the domain of this hosted zone could not be read');
  }
  return { zoneId, zoneDomain };
}

/** The name as an absolute, normalised FQDN; '' when it is unusable (the reason is reported). */
function parseName({ raw, fail }: SpecInput, zoneDomain: string | undefined): string {
  const rawName = (raw.fields.name ?? '').trim();
  if (rawName === '') fail('name', raw.fields.name, 'must not be empty');
  else if (rawName.includes('*')) fail('name', rawName, 'wildcards are not allowed');
  if (rawName === '' || rawName.includes('*') || !zoneDomain) return '';
  const absolute = rawName.endsWith('.');
  const fqdn = normaliseName(absolute ? rawName : `${rawName}.${zoneDomain}`);
  const problem = hostNameProblem(fqdn);
  const domain = normaliseName(zoneDomain).replace(/\.$/, '');
  const lower = rawName.toLowerCase();
  if (!absolute && (lower === domain || lower.endsWith(`.${domain}`))) {
    // `rel.example.com` in zone example.com would become rel.example.com.example.com.: almost never what was meant.
    const rel = lower === domain ? '' : rawName.slice(0, rawName.length - domain.length - 1);
    fail(
      'name',
      rawName,
      `ends with the zone's domain ${domain} but has no trailing dot: write "${rawName}." for that absolute name${rel ? ` or "${rel}" relative to the zone` : ''}`,
    );
  } else if (absolute && !isWithinZone(fqdn, zoneDomain))
    fail('name', rawName, `"${fqdn}" is outside the zone ${zoneDomain}`);
  else if (reservedNameProblem(fqdn, zoneDomain, OWNERSHIP_LABEL))
    fail('name', rawName, reservedNameProblem(fqdn, zoneDomain, OWNERSHIP_LABEL)!);
  else if (fqdn === zoneDomain) fail('name', rawName, 'names the zone apex; use a name inside the zone');
  else if (problem) fail('name', rawName, `the name "${fqdn}" ${problem}`);
  return fqdn;
}

function parsePort({ container, raw, fail }: SpecInput): PortMappingView | undefined {
  const rawPort = raw.fields.port?.trim();
  if (rawPort === undefined || rawPort === '') return container.portMappings[0];
  const port = /^\d+$/.test(rawPort)
    ? container.portMappings.find((p) => p.containerPort === Number(rawPort))
    : container.portMappings.find((p) => p.name === rawPort);
  if (!port) {
    const known = container.portMappings.map((p) => `${p.containerPort}/${p.protocol}${p.name ? ` (${p.name})` : ''}`);
    fail('port', rawPort, `is not a port mapping of the container (it has: ${known.join(', ') || 'none'})`);
  }
  return port;
}

function parseRecordKinds({ container, raw, fail }: SpecInput): {
  recordKinds: RecordKind[];
  explicitRecords: boolean;
} {
  if (raw.fields.records === undefined) return { recordKinds: ['A', 'AAAA', 'SRV'], explicitRecords: false };
  const items = raw.fields.records
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const bad = items.filter((s) => !(RECORD_KINDS as readonly string[]).includes(s));
  if (items.length === 0) fail('records', raw.fields.records, 'must list at least one of A, AAAA, SRV');
  else if (bad.length > 0)
    fail('records', raw.fields.records, `unknown record type ${bad.join(', ')}; allowed: A, AAAA, SRV`);
  const recordKinds = [...new Set(items)].filter((s): s is RecordKind =>
    (RECORD_KINDS as readonly string[]).includes(s),
  );
  // A port label that names no mapping is reported as such; this is for a container without any mapping.
  if (recordKinds.includes('SRV') && container.portMappings.length === 0)
    fail('records', raw.fields.records, 'SRV needs a port, and the container has no port mapping');
  return { recordKinds, explicitRecords: true };
}

/** The SRV record and its per-task targets derive longer names from the registration name: they must fit too. */
function checkSrvNames({ raw, fail }: SpecInput, fqdn: string): void {
  const rawName = (raw.fields.name ?? '').trim();
  const firstLabel = fqdn.slice(0, fqdn.indexOf('.'));
  if (Buffer.byteLength(fqdn) + SRV_TARGET_PREFIX_BYTES > 255) {
    fail('name', rawName, `is too long for SRV targets (<task-id>.${fqdn} would exceed 255 bytes)`);
  } else if (Buffer.byteLength(firstLabel) + 1 > MAX_LABEL_BYTES) {
    fail('name', rawName, `its first label is too long for the SRV name _${firstLabel} (at most 62 bytes)`);
  }
}

function parseIp({ raw, fail }: SpecInput): 'private' | 'public' {
  const ip = (raw.fields.ip ?? 'private').trim().toLowerCase();
  if (ip === 'private' || ip === 'public') return ip;
  fail('ip', raw.fields.ip, 'must be "private" or "public"');
  return 'private';
}

function parseTtl({ raw, ctx, fail }: SpecInput): number {
  if (raw.fields.ttl === undefined) return ctx.settings.defaultTtl;
  const t = raw.fields.ttl.trim();
  if (/^\d+$/.test(t) && Number(t) <= 2_147_483_647) return Number(t);
  fail('ttl', raw.fields.ttl, 'must be an integer number of seconds between 0 and 2147483647');
  return ctx.settings.defaultTtl;
}

function parseCloudMapService({ raw, ctx, fail }: SpecInput): string | undefined {
  const cloudMapServiceId = raw.fields['cloudmap-service']?.trim() || undefined;
  if (cloudMapServiceId && !ctx.settings.cloudMapServiceIds.includes(cloudMapServiceId)) {
    fail(
      'cloudmap-service',
      cloudMapServiceId,
      ctx.settings.cloudMapServiceIds.length === 0
        ? 'Cloud Map is not enabled for this stack (REGISTRAR_CLOUDMAP_SERVICE_IDS is empty)'
        : `is not one of REGISTRAR_CLOUDMAP_SERVICE_IDS (${ctx.settings.cloudMapServiceIds.join(', ')})`,
    );
  }
  return cloudMapServiceId;
}

function parseAttributes(input: SpecInput, cloudMapServiceId: string | undefined): Record<string, string> {
  const { raw, out, label, fail } = input;
  const attributes: Record<string, string> = {};
  let attrChars = 0;
  for (const [key, value] of Object.entries(raw.attrs)) {
    const accepted = acceptAttribute(input, key, value);
    if (accepted) attributes[key] = value;
    attrChars += key.length + value.length;
  }
  if (Object.keys(raw.attrs).length > MAX_CUSTOM_ATTRIBUTES) {
    fail(
      'attr.*',
      undefined,
      `at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes (Cloud Map allows 30, the registrar sets ${RESERVED_ATTRIBUTES.size})`,
    );
  }
  // Cloud Map caps the sum of all keys and values at 5,000 characters; leave room for the registrar's own.
  if (attrChars > 4_000) fail('attr.*', undefined, `custom attributes total ${attrChars} characters; at most 4,000`);
  if (Object.keys(raw.attrs).length > 0 && !cloudMapServiceId) {
    out.warnings.push(
      `container "${input.container.name}": ${label('attr.*')} labels have no effect without ${label('cloudmap-service')}`,
    );
  }
  return attributes;
}

/** Checks one custom attribute; true when it is accepted (an error or a warning is reported otherwise). */
function acceptAttribute({ container, out, label, fail }: SpecInput, key: string, value: string): boolean {
  const l = `attr.${key}`;
  const c = container.name;
  if (!ATTRIBUTE_KEY.test(key) || key.length > 255)
    fail(l, value, 'attribute keys are 1-255 printable ASCII characters without spaces');
  else if (key.startsWith('AWS_') || RESERVED_ATTRIBUTES.has(key))
    fail(l, value, `${key} is set by the registrar and cannot be overridden`);
  else if (key === '__proto__' || key === 'constructor' || key === 'prototype')
    out.warnings.push(`container "${c}": label ${label(l)}: "${key}" is not accepted as an attribute key; ignored`);
  else if (key.toUpperCase().startsWith('AWS_') || RESERVED_ATTRIBUTES.has(key.toUpperCase()))
    out.warnings.push(
      `container "${c}": label ${label(l)}: "${key}" differs from the registrar's own attribute ${key.toUpperCase()} only in case, which readers confuse; ignored`,
    );
  else if (value.length > 1024)
    fail(l, `${value.slice(0, 40)}...`, `attribute values are at most 1,024 characters (got ${value.length})`);
  else return true;
  return false;
}

/** The label each field of a spec came from, for errors reported after the spec was built. */
const labelsOf = new WeakMap<RegistrationSpec, (field: string) => string>();
const labelOf = (spec: RegistrationSpec, field: string) => labelsOf.get(spec)?.(field) ?? `${LABEL_PREFIX}${field}`;

function parseBool(value: string | undefined, container: string, label: string, out: ParsedLabels): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  out.errors.push(new LabelError(container, label, value, 'must be "true" or "false"'));
  return true; // an unreadable ignore flag must not register a container its owner may have meant to hide
}

/** Two registrations of one task may not claim the same record name or the same Cloud Map service. */
function rejectCollisions(out: ParsedLabels): void {
  const names = new Map<string, RegistrationSpec>();
  const services = new Map<string, RegistrationSpec>();
  out.specs = out.specs.filter((spec) => {
    const nameKey = `${spec.zoneId}|${spec.fqdn}`;
    const first = names.get(nameKey);
    if (first) {
      out.errors.push(
        new LabelError(
          spec.containerName,
          labelOf(spec, 'name'),
          spec.fqdn,
          `is already registered by "${first.id}" in this task definition`,
        ),
      );
      return false;
    }
    if (spec.cloudMapServiceId) {
      const other = services.get(spec.cloudMapServiceId);
      if (other) {
        out.errors.push(
          new LabelError(
            spec.containerName,
            labelOf(spec, 'cloudmap-service'),
            spec.cloudMapServiceId,
            `is already used by "${other.id}"; a task has one instance per Cloud Map service`,
          ),
        );
        return false;
      }
      services.set(spec.cloudMapServiceId, spec);
    }
    names.set(nameKey, spec);
    return true;
  });
}
