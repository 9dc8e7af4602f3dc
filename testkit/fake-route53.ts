// In-memory Route 53 that enforces the semantics of aws-facts.md §3: atomic change batches with AWS's
// InvalidChangeBatch messages, name normalisation, routing-policy and CNAME rules, per-request limits and
// ListResourceRecordSets paging with the three-part token. Messages quoted in aws-facts.md are reproduced exactly;
// the others are modelled on the same wording and marked (constructed).

import { isIPv6 } from 'node:net';
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  GetChangeCommand,
  type GetChangeCommandInput,
  type GetChangeCommandOutput,
  GetHostedZoneCommand,
  type GetHostedZoneCommandInput,
  type GetHostedZoneCommandOutput,
  type HostedZone,
  ListHostedZonesByNameCommand,
  type ListHostedZonesByNameCommandInput,
  type ListHostedZonesByNameCommandOutput,
  ListHostedZonesCommand,
  type ListHostedZonesCommandInput,
  type ListHostedZonesCommandOutput,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
  type VPC,
} from '@aws-sdk/client-route-53';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { route53Errors } from './aws-errors';
import { canonical, compareAscii, deepCopy, FakeService } from './fake-base';

const RR_TYPES: ReadonlySet<string> = new Set([
  'A',
  'AAAA',
  'CAA',
  'CNAME',
  'DS',
  'HTTPS',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SOA',
  'SPF',
  'SRV',
  'SSHFP',
  'SVCB',
  'TLSA',
  'TXT',
]);
const MULTIVALUE_FORBIDDEN: ReadonlySet<string> = new Set(['CNAME', 'NS', 'SOA', 'DS']);
const MAX_RECORDS_PER_REQUEST = 1000;
const MAX_VALUE_CHARS_PER_REQUEST = 32000;
const MAX_VALUE_LENGTH = 4000;
const MAX_VALUES_PER_RECORD = 400;
const MAX_SET_IDENTIFIER_SIBLINGS = 100;
const MAX_TTL = 2147483647;
const PAGE_LIMIT = 300;

// ---------------------------------------------------------------------------------------------------------------
// Names

type ParsedName = { labels: string[] } | { problem: string };

/**
 * Parses a presentation-format name (trailing dot optional, `\ooo` octal and `\c` escapes) into raw labels,
 * lowercasing ASCII letters as Route 53 stores them.
 */
export function parseDnsName(input: string): ParsedName {
  const fatal = (code: string, text: string) => ({
    problem: `FATAL problem: ${code} (${text}) encountered with '${input}'`,
  });
  const labels: string[] = [];
  let label = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? '';
    if (c === '\\') {
      const octal = input.slice(i + 1, i + 4);
      if (/^[0-7]{3}$/.test(octal)) {
        label += String.fromCharCode(Number.parseInt(octal, 8));
        i += 3;
      } else if (i + 1 < input.length) {
        label += input[i + 1];
        i += 1;
      } else {
        return fatal('InvalidEscape', 'Escape sequence is incomplete');
      }
    } else if (c === '.') {
      if (label === '' && input !== '.') return fatal('DomainLabelEmpty', 'Domain label is empty');
      labels.push(label);
      label = '';
    } else {
      const code = c.charCodeAt(0);
      // Characters 000-040 and 177-377 must be given as escape codes (DomainNameFormat).
      if (code <= 0x20 || code >= 0x7f) return fatal('InvalidCharacterString', 'Value contains an invalid character');
      label += c;
    }
  }
  if (label !== '') labels.push(label);
  const lowered = labels.map((l) => l.replace(/[A-Z]/g, (ch) => ch.toLowerCase()));
  if (lowered.some((l) => l.length > 63)) return fatal('DomainLabelTooLong', 'Domain label is too long');
  if (lowered.reduce((n, l) => n + l.length + 1, 1) > 255) return fatal('DomainNameTooLong', 'Domain name is too long');
  return { labels: lowered };
}

function escapeLabel(label: string): string {
  let out = '';
  for (const ch of label) {
    out += /[a-z0-9_-]/.test(ch) ? ch : `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`;
  }
  return out;
}

function formatName(labels: readonly string[]): string {
  return labels.length === 0 ? '.' : `${labels.map(escapeLabel).join('.')}.`;
}

/** The name as Route 53 returns it: lowercase, trailing dot, `\ooo` for anything outside `a-z0-9-_`. */
export function normaliseDnsName(input: string): string {
  const parsed = parseDnsName(input);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return formatName(parsed.labels);
}

/** Listing order key: raw labels reversed (`com.example.www.`), compared in ASCII order. */
function reversedKey(labels: readonly string[]): string {
  return `${[...labels].reverse().join('.')}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Records

type Policy = 'simple' | 'weighted' | 'multivalue' | 'latency' | 'failover' | 'geolocation' | 'geoproximity' | 'cidr';

const POLICY_LABEL: Record<Policy, string> = {
  simple: 'simple',
  weighted: 'weighted',
  multivalue: 'multivalue answer',
  latency: 'latency',
  failover: 'failover',
  geolocation: 'geolocation',
  geoproximity: 'geoproximity',
  cidr: 'IP-based',
};

function policiesOf(r: ResourceRecordSet): Policy[] {
  const found: Policy[] = [];
  if (r.Weight !== undefined) found.push('weighted');
  if (r.MultiValueAnswer === true) found.push('multivalue');
  if (r.Region !== undefined) found.push('latency');
  if (r.Failover !== undefined) found.push('failover');
  if (r.GeoLocation !== undefined) found.push('geolocation');
  if (r.GeoProximityLocation !== undefined) found.push('geoproximity');
  if (r.CidrRoutingConfig !== undefined) found.push('cidr');
  return found;
}

function policyOf(r: ResourceRecordSet): Policy {
  return policiesOf(r)[0] ?? 'simple';
}

interface StoredRecord {
  key: string;
  name: string;
  type: string;
  setId: string;
  order: string;
  rrset: ResourceRecordSet;
}

function recordKey(name: string, type: string, setId: string | undefined): string {
  return `${name}\n${type}\n${setId ?? ''}`;
}

function compareRecords(a: StoredRecord, b: StoredRecord): number {
  return compareAscii(a.order, b.order) || compareAscii(a.type, b.type) || compareAscii(a.setId, b.setId);
}

/** Stored form: normalised name and alias DNS name, no undefined members, stable key order. */
function storedRecord(input: ResourceRecordSet, labels: readonly string[]): StoredRecord {
  const name = formatName(labels);
  const rrset: ResourceRecordSet = { ...deepCopy(input), Name: name };
  if (rrset.AliasTarget?.DNSName !== undefined) {
    const parsed = parseDnsName(rrset.AliasTarget.DNSName);
    rrset.AliasTarget = {
      ...rrset.AliasTarget,
      DNSName: 'problem' in parsed ? rrset.AliasTarget.DNSName.toLowerCase() : formatName(parsed.labels),
    };
  }
  const type = rrset.Type ?? '';
  return {
    key: recordKey(name, type, rrset.SetIdentifier),
    name,
    type,
    setId: rrset.SetIdentifier ?? '',
    order: reversedKey(labels),
    rrset: canonical(rrset),
  };
}

/** DELETE must repeat every value; the order of ResourceRecords does not matter. */
function sameValues(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  const form = (r: ResourceRecordSet) =>
    JSON.stringify(canonical({ ...r, ResourceRecords: r.ResourceRecords?.map((v) => v.Value ?? '').sort() }));
  return form(a) === form(b);
}

/** Records of one zone, indexed by key and by name (for the CNAME and routing-policy group rules). */
class RecordTable {
  readonly byKey = new Map<string, StoredRecord>();
  readonly byName = new Map<string, Map<string, StoredRecord>>();
  #sorted: StoredRecord[] | undefined;

  set(r: StoredRecord): void {
    this.byKey.set(r.key, r);
    let group = this.byName.get(r.name);
    if (!group) {
      group = new Map();
      this.byName.set(r.name, group);
    }
    group.set(r.key, r);
    this.#sorted = undefined;
  }

  delete(key: string): void {
    const r = this.byKey.get(key);
    if (!r) return;
    this.byKey.delete(key);
    const group = this.byName.get(r.name);
    group?.delete(key);
    if (group?.size === 0) this.byName.delete(r.name);
    this.#sorted = undefined;
  }

  atName(name: string): StoredRecord[] {
    return [...(this.byName.get(name)?.values() ?? [])];
  }

  sorted(): readonly StoredRecord[] {
    this.#sorted ??= [...this.byKey.values()].sort(compareRecords);
    return this.#sorted;
  }

  clone(): RecordTable {
    const copy = new RecordTable();
    for (const r of this.byKey.values()) copy.set(r);
    return copy;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Zones

export interface FakeZoneInput {
  /** With or without the `/hostedzone/` prefix. */
  id: string;
  name: string;
  private?: boolean;
  comment?: string;
  callerReference?: string;
  vpc?: VPC;
}

interface Zone {
  id: string;
  name: string;
  labels: string[];
  private: boolean;
  comment?: string;
  callerReference: string;
  vpc?: VPC;
  records: RecordTable;
}

const NAME_SERVERS = [
  'ns-1536.awsdns-00.co.uk.',
  'ns-0.awsdns-00.com.',
  'ns-1024.awsdns-00.org.',
  'ns-512.awsdns-00.net.',
];

function stripZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

function stripChangeId(id: string): string {
  return id.replace(/^\/?change\//, '');
}

function describeChange(action: string | undefined, r: ResourceRecordSet): string {
  return `Change with [Action=${action}, Name=${r.Name}, Type=${r.Type}, SetIdentifier=${r.SetIdentifier ?? 'null'}]`;
}

function recordLabel(r: StoredRecord): string {
  const id = r.setId === '' ? '' : `, set-identifier='${r.setId}'`;
  return `[name='${r.name}', type='${r.type}'${id}]`;
}

function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isUint16(value: string | undefined): boolean {
  return value !== undefined && /^\d{1,5}$/.test(value) && Number(value) <= 65535;
}

/** Syntax of the record values the registrar writes; other types are stored unchecked. (constructed messages) */
function valueProblem(type: string, value: string): string | undefined {
  const fatal = (code: string, text: string) =>
    `Invalid Resource Record: 'FATAL problem: ${code} (${text}) encountered with '${value}''`;
  switch (type) {
    case 'A':
      return isIPv4(value) ? undefined : fatal('ARRDATAIllegalIPv4Address', 'Value is not a valid IPv4 address');
    case 'AAAA':
      return isIPv6(value) ? undefined : fatal('AAAARRDATAIllegalIPv6Address', 'Value is not a valid IPv6 address');
    case 'CNAME':
      return 'problem' in parseDnsName(value)
        ? fatal('CNAMERRDATAIllegal', 'Value is not a valid domain name')
        : undefined;
    case 'SRV': {
      const f = value.trim().split(/\s+/);
      const ok =
        f.length === 4 &&
        isUint16(f[0]) &&
        isUint16(f[1]) &&
        isUint16(f[2]) &&
        !('problem' in parseDnsName(f[3] ?? ''));
      return ok ? undefined : fatal('SRVRRDATAIllegal', 'Value is not a valid SRV record');
    }
    case 'MX': {
      const f = value.trim().split(/\s+/);
      const ok = f.length === 2 && isUint16(f[0]) && !('problem' in parseDnsName(f[1] ?? ''));
      return ok ? undefined : fatal('MXRRDATAIllegal', 'Value is not a valid MX record');
    }
    default:
      return undefined;
  }
}

/** Request-shape problems: AWS rejects the whole request with InvalidInput before looking at the zone. */
function shapeProblem(change: Change): string | undefined {
  const r = change.ResourceRecordSet;
  if (!['CREATE', 'DELETE', 'UPSERT'].includes(change.Action ?? '')) {
    return `Invalid request: Action '${change.Action}' is not one of [CREATE, DELETE, UPSERT]`;
  }
  if (!r) return "Invalid request: Missing field 'ResourceRecordSet'";
  const where = describeChange(change.Action, r);
  if (!r.Name) return `Invalid request: Missing field 'Name' in ${where}`;
  if (!RR_TYPES.has(r.Type ?? '')) return `Invalid request: Unsupported type '${r.Type}' in ${where}`;
  const alias = r.AliasTarget !== undefined;
  const ttl = r.TTL !== undefined;
  const values = (r.ResourceRecords?.length ?? 0) > 0;
  const exactlyOne =
    'Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId]';
  if (alias && (ttl || values)) return `Invalid request: ${exactlyOne}, but found more than one in ${where}`;
  if (!alias && !(ttl && values)) return `Invalid request: ${exactlyOne}, but found none in ${where}`;
  if (alias) {
    const a = r.AliasTarget;
    if (!a?.HostedZoneId) return `Invalid request: Missing field 'HostedZoneId' in AliasTarget of ${where}`;
    if (!a.DNSName) return `Invalid request: Missing field 'DNSName' in AliasTarget of ${where}`;
    if (typeof a.EvaluateTargetHealth !== 'boolean') {
      return `Invalid request: Missing field 'EvaluateTargetHealth' in AliasTarget of ${where}`;
    }
  }
  if (ttl && !(Number.isInteger(r.TTL) && (r.TTL ?? -1) >= 0 && (r.TTL ?? 0) <= MAX_TTL)) {
    return `Invalid request: TTL ${r.TTL} is out of range [0, ${MAX_TTL}] in ${where}`;
  }
  for (const v of r.ResourceRecords ?? []) {
    if (!v.Value || v.Value.length > MAX_VALUE_LENGTH) {
      return `Invalid request: ResourceRecord Value must be 1-${MAX_VALUE_LENGTH} characters in ${where}`;
    }
  }
  if (r.SetIdentifier !== undefined && (r.SetIdentifier.length < 1 || r.SetIdentifier.length > 128)) {
    return `Invalid request: SetIdentifier must be 1-128 characters in ${where}`;
  }
  const policies = policiesOf(r);
  if (policies.length > 1) return `Invalid request: Conflicting routing policies [${policies.join(', ')}] in ${where}`;
  if (policies.length === 1 && r.SetIdentifier === undefined) {
    return `Invalid request: Missing field 'SetIdentifier' in ${where}`;
  }
  if (policies.length === 0 && r.SetIdentifier !== undefined) {
    return `Invalid request: SetIdentifier requires a routing policy in ${where}`;
  }
  if (r.Weight !== undefined && !(Number.isInteger(r.Weight) && r.Weight >= 0 && r.Weight <= 255)) {
    return `Invalid request: Weight ${r.Weight} is out of range [0, 255] in ${where}`;
  }
  if (r.Weight !== undefined && (r.ResourceRecords?.length ?? 0) > 1) {
    // aws-facts.md §3.4: only one ResourceRecord per weighted record set.
    return `Invalid request: A weighted resource record set can have only one ResourceRecord in ${where}`;
  }
  if (r.MultiValueAnswer === true && alias) {
    return `Invalid request: Multivalue answer resource record sets cannot be alias records in ${where}`;
  }
  if (r.MultiValueAnswer === true && MULTIVALUE_FORBIDDEN.has(r.Type ?? '')) {
    return `Invalid request: Multivalue answer resource record sets cannot have type ${r.Type} in ${where}`;
  }
  return undefined;
}

/** Per-request limits (DNSLimitations): ResourceRecord elements and value characters, UPSERT counted twice. */
function limitProblems(changes: readonly Change[]): string[] {
  let records = 0;
  let chars = 0;
  for (const c of changes) {
    const factor = c.Action === 'UPSERT' ? 2 : 1;
    const r = c.ResourceRecordSet;
    records += factor * (r?.AliasTarget ? 1 : (r?.ResourceRecords?.length ?? 0));
    chars += factor * (r?.ResourceRecords ?? []).reduce((n, v) => n + (v.Value?.length ?? 0), 0);
  }
  const problems: string[] = [];
  if (records > MAX_RECORDS_PER_REQUEST)
    problems.push(`Number of records limit of ${MAX_RECORDS_PER_REQUEST} exceeded.`);
  if (chars > MAX_VALUE_CHARS_PER_REQUEST) {
    problems.push(`Number of characters in record values limit of ${MAX_VALUE_CHARS_PER_REQUEST} exceeded.`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------

export interface FakeRoute53Options {
  now?: () => Date;
}

export class FakeRoute53 extends FakeService {
  readonly #zones = new Map<string, Zone>();
  readonly #changes = new Map<string, { submittedAt: Date; comment?: string }>();
  readonly #busy = new Map<string, number>();
  readonly #aliasTargets = new Map<string, Set<string>>();
  readonly #now: () => Date;
  #changeCounter = 0;

  constructor(options: FakeRoute53Options = {}) {
    super('route53');
    this.#now = options.now ?? (() => new Date());
  }

  // --- test set-up and observation -----------------------------------------------------------------------------

  /** Creates a zone holding the apex SOA and NS records, like CreateHostedZone does. */
  addZone(input: FakeZoneInput): void {
    const id = stripZoneId(input.id);
    const parsed = parseDnsName(input.name);
    if ('problem' in parsed) throw new Error(parsed.problem);
    const zone: Zone = {
      id,
      name: formatName(parsed.labels),
      labels: parsed.labels,
      private: input.private ?? false,
      callerReference: input.callerReference ?? `fake-${id}`,
      records: new RecordTable(),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      ...(input.vpc !== undefined ? { vpc: input.vpc } : {}),
    };
    zone.records.set(
      storedRecord(
        {
          Name: zone.name,
          Type: 'SOA',
          TTL: 900,
          ResourceRecords: [{ Value: `${NAME_SERVERS[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
        },
        parsed.labels,
      ),
    );
    zone.records.set(
      storedRecord(
        { Name: zone.name, Type: 'NS', TTL: 172800, ResourceRecords: NAME_SERVERS.map((Value) => ({ Value })) },
        parsed.labels,
      ),
    );
    this.#zones.set(id, zone);
  }

  /** The zone's record sets as ListResourceRecordSets would return them, in AWS order. */
  records(zoneId: string): ResourceRecordSet[] {
    return this.#zone(zoneId)
      .records.sorted()
      .map((r) => deepCopy(r.rrset));
  }

  /** JSON-stable deep copy (sorted keys, AWS order): `JSON.stringify` of two equal zones is byte-identical. */
  snapshot(zoneId: string): ResourceRecordSet[] {
    return canonical(this.records(zoneId));
  }

  /** Seeds a record without validation (e.g. a foreign record, or a state the API would refuse). */
  putRecordDirect(zoneId: string, record: ResourceRecordSet): void {
    const parsed = parseDnsName(record.Name ?? '');
    if ('problem' in parsed) throw new Error(parsed.problem);
    this.#zone(zoneId).records.set(storedRecord(record, parsed.labels));
  }

  /**
   * Registers an alias target outside the fake's zones (e.g. a load balancer's DNSName under its
   * CanonicalHostedZoneId). Once any is registered, aliases to unregistered external targets are refused.
   */
  addAliasTarget(target: { hostedZoneId: string; dnsName: string }): void {
    const id = stripZoneId(target.hostedZoneId);
    const names = this.#aliasTargets.get(id) ?? new Set<string>();
    names.add(normaliseDnsName(target.dnsName).replace(/^dualstack\./, ''));
    this.#aliasTargets.set(id, names);
  }

  /** The next `times` ChangeResourceRecordSets calls for the zone fail with PriorRequestNotComplete. */
  busy(zoneId: string, times = 1): void {
    this.#busy.set(stripZoneId(zoneId), times);
  }

  install(mock: AwsClientStub<Route53Client>): void {
    this.rejectUnsupported(mock);
    mock
      .on(ChangeResourceRecordSetsCommand)
      .callsFake((i: ChangeResourceRecordSetsCommandInput) => this.changeResourceRecordSets(i));
    mock
      .on(ListResourceRecordSetsCommand)
      .callsFake((i: ListResourceRecordSetsCommandInput) => this.listResourceRecordSets(i));
    mock.on(GetHostedZoneCommand).callsFake((i: GetHostedZoneCommandInput) => this.getHostedZone(i));
    mock.on(ListHostedZonesCommand).callsFake((i: ListHostedZonesCommandInput) => this.listHostedZones(i));
    mock
      .on(ListHostedZonesByNameCommand)
      .callsFake((i: ListHostedZonesByNameCommandInput) => this.listHostedZonesByName(i));
    mock.on(GetChangeCommand).callsFake((i: GetChangeCommandInput) => this.getChange(i));
  }

  // --- API --------------------------------------------------------------------------------------------------------

  changeResourceRecordSets(
    input: ChangeResourceRecordSetsCommandInput,
  ): Promise<ChangeResourceRecordSetsCommandOutput> {
    return this.invoke('ChangeResourceRecordSets', input, (i) => {
      const zone = this.#requireZone(i.HostedZoneId);
      const pending = this.#busy.get(zone.id) ?? 0;
      if (pending > 0) {
        this.#busy.set(zone.id, pending - 1);
        throw route53Errors.priorRequestNotComplete();
      }
      const changes = i.ChangeBatch?.Changes ?? [];
      if (changes.length === 0) throw route53Errors.invalidInput("Invalid request: Missing field 'Changes'");
      for (const change of changes) {
        const problem = shapeProblem(change);
        if (problem) throw route53Errors.invalidInput(problem);
      }
      const limits = limitProblems(changes);
      if (limits.length > 0) throw route53Errors.invalidChangeBatch(limits);

      const work = zone.records.clone();
      const messages = applyChanges(zone, work, changes, { zones: this.#zones, external: this.#aliasTargets });
      if (messages.length > 0) throw route53Errors.invalidChangeBatch(messages);
      zone.records = work;

      this.#changeCounter += 1;
      const id = `C${this.#changeCounter.toString(36).toUpperCase().padStart(13, '0')}`;
      const submittedAt = this.#now();
      const comment = i.ChangeBatch?.Comment;
      this.#changes.set(id, { submittedAt, ...(comment !== undefined ? { comment } : {}) });
      return {
        ChangeInfo: {
          Id: `/change/${id}`,
          Status: 'PENDING',
          SubmittedAt: submittedAt,
          ...(comment !== undefined ? { Comment: comment } : {}),
        },
      };
    });
  }

  listResourceRecordSets(input: ListResourceRecordSetsCommandInput): Promise<ListResourceRecordSetsCommandOutput> {
    return this.invoke('ListResourceRecordSets', input, (i) => {
      const zone = this.#requireZone(i.HostedZoneId);
      if (i.StartRecordType !== undefined && i.StartRecordName === undefined) {
        throw route53Errors.invalidInput('The input is not valid: StartRecordType requires StartRecordName');
      }
      if (i.StartRecordIdentifier !== undefined && i.StartRecordType === undefined) {
        throw route53Errors.invalidInput('The input is not valid: StartRecordIdentifier requires StartRecordType');
      }
      if (i.StartRecordType !== undefined && !RR_TYPES.has(i.StartRecordType)) {
        throw route53Errors.invalidInput(`The input is not valid: unsupported StartRecordType '${i.StartRecordType}'`);
      }
      if (i.MaxItems !== undefined && !(Number.isInteger(i.MaxItems) && i.MaxItems >= 1)) {
        throw route53Errors.invalidInput(`The input is not valid: MaxItems ${i.MaxItems}`);
      }
      const limit = Math.min(i.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
      const all = zone.records.sorted();
      let start = 0;
      if (i.StartRecordName !== undefined) {
        const parsed = parseDnsName(i.StartRecordName);
        if ('problem' in parsed) throw route53Errors.invalidInput(parsed.problem);
        const from = {
          order: reversedKey(parsed.labels),
          type: i.StartRecordType ?? '',
          setId: i.StartRecordIdentifier ?? '',
        };
        start = lowerBound(
          all,
          (r) =>
            compareAscii(r.order, from.order) || compareAscii(r.type, from.type) || compareAscii(r.setId, from.setId),
        );
      }
      const page = all.slice(start, start + limit);
      const next = all[start + limit];
      return {
        ResourceRecordSets: page.map((r) => r.rrset),
        IsTruncated: next !== undefined,
        MaxItems: i.MaxItems ?? PAGE_LIMIT,
        ...(next
          ? {
              NextRecordName: next.name,
              NextRecordType: next.type as RRType,
              ...(next.setId !== '' ? { NextRecordIdentifier: next.setId } : {}),
            }
          : {}),
      };
    });
  }

  getHostedZone(input: GetHostedZoneCommandInput): Promise<GetHostedZoneCommandOutput> {
    return this.invoke('GetHostedZone', input, (i) => {
      const zone = this.#requireZone(i.Id);
      return {
        HostedZone: this.#hostedZone(zone),
        ...(zone.private
          ? { VPCs: zone.vpc ? [zone.vpc] : [] }
          : { DelegationSet: { NameServers: NAME_SERVERS.map((n) => n.slice(0, -1)) } }),
      };
    });
  }

  listHostedZones(input: ListHostedZonesCommandInput): Promise<ListHostedZonesCommandOutput> {
    return this.invoke('ListHostedZones', input, (i) => {
      const max = Math.min(i.MaxItems ?? 100, 100);
      const zones = [...this.#zones.values()].sort((a, b) => compareAscii(a.id, b.id));
      const start = i.Marker === undefined ? 0 : lowerBound(zones, (z) => compareAscii(z.id, i.Marker ?? ''));
      const page = zones.slice(start, start + max);
      const next = zones[start + max];
      return {
        HostedZones: page.map((z) => this.#hostedZone(z)),
        Marker: i.Marker ?? '',
        IsTruncated: next !== undefined,
        MaxItems: max,
        ...(next ? { NextMarker: next.id } : {}),
      };
    });
  }

  listHostedZonesByName(input: ListHostedZonesByNameCommandInput): Promise<ListHostedZonesByNameCommandOutput> {
    return this.invoke('ListHostedZonesByName', input, (i) => {
      if (i.HostedZoneId !== undefined && i.DNSName === undefined) {
        throw route53Errors.invalidInput('The input is not valid: HostedZoneId requires DNSName');
      }
      const max = Math.min(i.MaxItems ?? 100, 100);
      const order = (z: Zone) => reversedKey(z.labels);
      const zones = [...this.#zones.values()].sort(
        (a, b) => compareAscii(order(a), order(b)) || compareAscii(a.id, b.id),
      );
      let start = 0;
      if (i.DNSName !== undefined) {
        const parsed = parseDnsName(i.DNSName);
        if ('problem' in parsed) throw route53Errors.invalidInput(parsed.problem);
        const key = reversedKey(parsed.labels);
        const id = stripZoneId(i.HostedZoneId ?? '');
        start = lowerBound(zones, (z) => compareAscii(order(z), key) || compareAscii(z.id, id));
      }
      const page = zones.slice(start, start + max);
      const next = zones[start + max];
      return {
        HostedZones: page.map((z) => this.#hostedZone(z)),
        IsTruncated: next !== undefined,
        MaxItems: max,
        ...(i.DNSName !== undefined ? { DNSName: i.DNSName } : {}),
        ...(i.HostedZoneId !== undefined ? { HostedZoneId: i.HostedZoneId } : {}),
        ...(next ? { NextDNSName: next.name, NextHostedZoneId: next.id } : {}),
      };
    });
  }

  /** Changes are applied synchronously, so every known change is already INSYNC. */
  getChange(input: GetChangeCommandInput): Promise<GetChangeCommandOutput> {
    return this.invoke('GetChange', input, (i) => {
      const id = stripChangeId(i.Id ?? '');
      const change = this.#changes.get(id);
      if (!change) throw route53Errors.noSuchChange(i.Id ?? '');
      return {
        ChangeInfo: {
          Id: `/change/${id}`,
          Status: 'INSYNC',
          SubmittedAt: change.submittedAt,
          ...(change.comment !== undefined ? { Comment: change.comment } : {}),
        },
      };
    });
  }

  // --- internals --------------------------------------------------------------------------------------------------

  #zone(zoneId: string): Zone {
    const zone = this.#zones.get(stripZoneId(zoneId));
    if (!zone) throw new Error(`FakeRoute53: no zone ${zoneId}`);
    return zone;
  }

  #requireZone(id: string | undefined): Zone {
    const zone = this.#zones.get(stripZoneId(id ?? ''));
    if (!zone) throw route53Errors.noSuchHostedZone(stripZoneId(id ?? ''));
    return zone;
  }

  #hostedZone(zone: Zone): HostedZone {
    return {
      Id: `/hostedzone/${zone.id}`,
      Name: zone.name,
      CallerReference: zone.callerReference,
      Config: { PrivateZone: zone.private, ...(zone.comment !== undefined ? { Comment: zone.comment } : {}) },
      ResourceRecordSetCount: zone.records.byKey.size,
    };
  }
}

/** Index of the first element for which `cmp` is >= 0 (the list is sorted ascending by the same order). */
function lowerBound<T>(sorted: readonly T[], cmp: (item: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = sorted[mid];
    if (item !== undefined && cmp(item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Applies the batch to `work` in order and returns every problem found. Existence checks are sequential (so
 * DELETE then CREATE of one record is valid); the group rules (CNAME exclusivity, one routing policy per name and
 * type, 100 identified records, one TTL per weighted group, apex SOA/NS) are checked on the resulting state, since
 * a batch is a transaction and may reshape a group in any order.
 */
function applyChanges(zone: Zone, work: RecordTable, changes: readonly Change[], aliases: AliasContext): string[] {
  const messages: string[] = [];
  const seen = new Map<string, string[]>();
  const written: StoredRecord[] = [];
  let apexTouched = false;

  for (const change of changes) {
    const input = change.ResourceRecordSet as ResourceRecordSet;
    const action = change.Action as string;
    const parsed = parseDnsName(input.Name ?? '');
    if ('problem' in parsed) {
      messages.push(parsed.problem);
      continue;
    }
    const record = storedRecord(input, parsed.labels);
    const inZone =
      parsed.labels.length >= zone.labels.length &&
      zone.labels.every((l, idx) => parsed.labels[parsed.labels.length - zone.labels.length + idx] === l);
    if (!inZone) {
      messages.push(`RRSet with DNS name ${record.name} is not permitted in zone ${zone.name}`); // (constructed)
      continue;
    }
    const isApex = parsed.labels.length === zone.labels.length;
    apexTouched ||= isApex;

    // Route 53 refuses two changes to one record set in a batch, except the classic DELETE-then-CREATE replace.
    const history = seen.get(record.key) ?? [];
    seen.set(record.key, [...history, action]);
    if (history.length > 0 && !(history.length === 1 && history[0] === 'DELETE' && action !== 'DELETE')) {
      messages.push(
        `The request contains an invalid set of changes for a resource record set '${record.type} ${record.name}'`,
      );
      continue;
    }

    const existing = work.byKey.get(record.key);
    if (action === 'DELETE') {
      if (!existing) messages.push(`Tried to delete resource record set ${recordLabel(record)} but it was not found`);
      else if (!sameValues(existing.rrset, record.rrset)) {
        messages.push(
          `Tried to delete resource record set ${recordLabel(record)} but the values provided do not match the current values`,
        );
      } else work.delete(record.key);
      continue;
    }
    if (action === 'CREATE' && existing) {
      messages.push(`Tried to create resource record set ${recordLabel(record)} but it already exists`);
      continue;
    }
    const valueMessages = recordValueProblems(record, zone, isApex);
    if (valueMessages.length > 0) {
      messages.push(...valueMessages);
      continue;
    }
    work.set(record);
    written.push(record);
  }

  messages.push(...groupProblems(zone, work, written, apexTouched));
  for (const record of written) {
    const problem = work.byKey.get(record.key) === record ? aliasProblem(zone, work, record, aliases) : undefined;
    if (problem) messages.push(problem);
  }
  return [...new Set(messages)];
}

function recordValueProblems(record: StoredRecord, zone: Zone, isApex: boolean): string[] {
  const values = (record.rrset.ResourceRecords ?? []).map((v) => v.Value ?? '');
  const problems: string[] = [];
  if (record.type === 'CNAME' && isApex) {
    problems.push(`RRSet of type CNAME with DNS name ${record.name} is not permitted at apex in zone ${zone.name}`); // (constructed)
  }
  if (record.type === 'CNAME' && values.length > 1) {
    problems.push(`RRSet of type CNAME with DNS name ${record.name} has more than one value`); // (constructed)
  }
  if (values.length > MAX_VALUES_PER_RECORD) {
    problems.push(
      `RRSet with DNS name ${record.name}, type ${record.type} has more than ${MAX_VALUES_PER_RECORD} values`,
    ); // (constructed)
  }
  for (const v of values) {
    const problem = valueProblem(record.type, v);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Where alias targets can point: the fake's own zones, plus external targets registered with addAliasTarget. */
interface AliasContext {
  zones: ReadonlyMap<string, Zone>;
  external: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * An alias into one of our zones must name an existing record of the same type inside that zone; this catches the
 * classic bug of using your own zone id instead of the load balancer's CanonicalHostedZoneId (aws-facts.md §3.4).
 * External targets are checked only once the test has registered some.
 */
function aliasProblem(zone: Zone, work: RecordTable, record: StoredRecord, aliases: AliasContext): string | undefined {
  const alias = record.rrset.AliasTarget;
  if (!alias) return undefined;
  const targetZoneId = stripZoneId(alias.HostedZoneId ?? '');
  const dns = alias.DNSName ?? '';
  const prefix = `Tried to create an alias that targets ${dns}, type ${record.type} in zone ${targetZoneId}, but`;
  const target = aliases.zones.get(targetZoneId);
  if (target) {
    const parsed = parseDnsName(dns);
    const labels = 'problem' in parsed ? [] : parsed.labels;
    const inside =
      labels.length >= target.labels.length &&
      target.labels.every((l, i) => labels[labels.length - target.labels.length + i] === l);
    if (!inside) return `${prefix} the alias target name does not lie within the target zone`;
    const records = target === zone ? work : target.records;
    return records.atName(dns).some((r) => r.type === record.type) ? undefined : `${prefix} that target was not found`;
  }
  if (aliases.external.size === 0) return undefined;
  const names = aliases.external.get(targetZoneId);
  if (!names) return `${prefix} the alias target name does not lie within the target zone`;
  return names.has(dns.replace(/^dualstack\./, '')) ? undefined : `${prefix} that target was not found`;
}

/** Rules over a whole name or name+type group, checked on the state after the batch. All (constructed) messages. */
function groupProblems(
  zone: Zone,
  work: RecordTable,
  written: readonly StoredRecord[],
  apexTouched: boolean,
): string[] {
  const problems: string[] = [];
  for (const record of written) {
    if (work.byKey.get(record.key) !== record) continue; // replaced or deleted later in the batch
    const atName = work.atName(record.name);
    const conflicting =
      record.type === 'CNAME' ? atName.find((r) => r.type !== 'CNAME') : atName.find((r) => r.type === 'CNAME');
    if (conflicting) {
      problems.push(
        `RRSet of type ${record.type} with DNS name ${record.name} is not permitted because a conflicting RRSet of type ${conflicting.type} with the same DNS name already exists in zone ${zone.name}`,
      );
    }

    const siblings = atName.filter((r) => r.type === record.type && r.key !== record.key);
    const mine = policyOf(record.rrset);
    const other = siblings.find((r) => policyOf(r.rrset) !== mine);
    if (other && mine === 'simple') {
      problems.push(
        `RRSet with DNS name ${record.name}, type ${record.type} cannot be created as ${POLICY_LABEL[policyOf(other.rrset)]} sets exist with the same name and type.`,
      );
    } else if (other) {
      problems.push(
        `RRSet with DNS name ${record.name}, type ${record.type}, SetIdentifier ${record.setId} cannot be created as a non-${POLICY_LABEL[mine]} set exists with the same name and type.`,
      );
    }
    if (record.setId !== '' && siblings.length + 1 > MAX_SET_IDENTIFIER_SIBLINGS) {
      problems.push(
        `RRSet with DNS name ${record.name}, type ${record.type}, SetIdentifier ${record.setId} cannot be created because the limit of ${MAX_SET_IDENTIFIER_SIBLINGS} record sets with the same name and type would be exceeded.`,
      );
    }
    const ttlMismatch =
      mine === 'weighted' && siblings.find((r) => policyOf(r.rrset) === 'weighted' && r.rrset.TTL !== record.rrset.TTL);
    if (ttlMismatch) {
      problems.push(
        `RRSet with DNS name ${record.name}, type ${record.type}, SetIdentifier ${record.setId} must have the same TTL as the other weighted record sets with the same name and type (${ttlMismatch.rrset.TTL}).`,
      );
    }
  }
  if (apexTouched) {
    const apex = work.atName(zone.name);
    if (apex.filter((r) => r.type === 'SOA').length !== 1)
      problems.push('A HostedZone must contain exactly one SOA record.');
    if (!apex.some((r) => r.type === 'NS')) {
      problems.push('A HostedZone must contain at least one NS record for the zone itself.');
    }
  }
  return problems;
}
