import { hostNameProblem, isWithinZone, normaliseName, reservedNameProblem } from '../domain/dns-name';
import { OWNERSHIP_LABEL, ownershipRecordName } from '../domain/service-ownership';
import { closest } from './closest';
import type { LabelContext } from './labels';

/**
 * The service-level configuration: tags on an ECS service (DESIGN.md "Configuration contract").
 *
 *   ecs-registrar:alias=api                       opts the service in: api.<zone domain> -> the service's ALB/NLB;
 *                                                 absolute names (ending in ".") must be inside the zone; "@" is the apex
 *   ecs-registrar:alias-zone=Z123                 one of REGISTRAR_HOSTED_ZONE_IDS (default: the first)
 *   ecs-registrar:alias-type=alias | cname        alias A (+AAAA when dual-stack), the default; or a CNAME to the
 *                                                 load balancer's DNS name (never at the zone apex)
 *   ecs-registrar:alias-ttl=60                    CNAME only (alias records take the load balancer's TTL)
 *   ecs-registrar:alias-evaluate-target-health=false   alias only; default false
 */

export const SERVICE_TAG_PREFIX = 'ecs-registrar:';
export const SERVICE_TAGS = {
  alias: 'ecs-registrar:alias',
  zone: 'ecs-registrar:alias-zone',
  type: 'ecs-registrar:alias-type',
  ttl: 'ecs-registrar:alias-ttl',
  evaluateTargetHealth: 'ecs-registrar:alias-evaluate-target-health',
} as const;
const KNOWN = new Set<string>(Object.values(SERVICE_TAGS));

export type ServiceRecordKind = 'alias' | 'cname';

export interface ServiceAliasSpec {
  zoneId: string;
  /** Normalised zone domain, e.g. `example.com.` */
  zoneDomain: string;
  /** Normalised record name, e.g. `api.example.com.` (the zone domain itself for the apex). */
  fqdn: string;
  /** Where the ownership record of `fqdn` lives: `api._ecs-registrar.example.com.` */
  ownershipName: string;
  kind: ServiceRecordKind;
  /** CNAME TTL (unused for alias records). */
  ttl: number;
  evaluateTargetHealth: boolean;
}

/** A bad tag value: the service's records are left as they are, and the tag is reported with the reason. */
export class ServiceTagError extends Error {
  override readonly name = 'ServiceTagError';
  constructor(
    readonly tag: string,
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(`tag ${tag}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${reason}`);
  }
}

export interface ParsedServiceTags {
  /** The registration, when the service opted in and every tag is valid. */
  spec?: ServiceAliasSpec;
  /** The service carries `ecs-registrar:alias`. */
  optedIn: boolean;
  errors: ServiceTagError[];
  /** Unknown keys and tags with no effect: logged, never fatal. */
  warnings: string[];
}

type Fail = (tag: string, value: string | undefined, reason: string) => void;

export function parseServiceTags(tags: Readonly<Record<string, string>>, ctx: LabelContext): ParsedServiceTags {
  const out: ParsedServiceTags = { optedIn: false, errors: [], warnings: [] };
  warnUnknownTags(tags, out);
  const rawName = tags[SERVICE_TAGS.alias];
  if (rawName === undefined) {
    const orphans = Object.keys(tags).filter((k) => KNOWN.has(k));
    if (orphans.length > 0)
      out.warnings.push(`tags ${orphans.join(', ')} have no effect without ${SERVICE_TAGS.alias}`);
    return out;
  }
  out.optedIn = true;
  const fail: Fail = (tag, value, reason) => {
    out.errors.push(new ServiceTagError(tag, value, reason));
  };

  // Zone first: the name is resolved against its domain.
  const { zoneId, zoneDomain } = parseAliasZone(tags, ctx, fail);
  const rawKind = (tags[SERVICE_TAGS.type] ?? 'alias').trim().toLowerCase();
  if (rawKind !== 'alias' && rawKind !== 'cname')
    fail(SERVICE_TAGS.type, tags[SERVICE_TAGS.type], 'must be "alias" or "cname"');
  const kind: ServiceRecordKind = rawKind === 'cname' ? 'cname' : 'alias';
  const fqdn = parseAliasName(rawName, zoneDomain, kind, fail);
  const ttl = parseAliasTtl(tags, kind, ctx, fail, out);
  const evaluateTargetHealth = parseEvaluateTargetHealth(tags, kind, fail, out);

  if (out.errors.length === 0 && zoneDomain && fqdn) {
    out.spec = {
      zoneId,
      zoneDomain,
      fqdn,
      ownershipName: ownershipRecordName(fqdn, zoneDomain),
      kind,
      ttl,
      evaluateTargetHealth,
    };
  }
  return out;
}

function warnUnknownTags(tags: Readonly<Record<string, string>>, out: ParsedServiceTags): void {
  for (const key of Object.keys(tags)) {
    if (!key.startsWith(SERVICE_TAG_PREFIX) || KNOWN.has(key)) continue;
    // Compared without the common prefix, which would make any two keys look alike.
    const suggestion = closest(
      key.slice(SERVICE_TAG_PREFIX.length),
      [...KNOWN].map((k) => k.slice(SERVICE_TAG_PREFIX.length)),
    );
    out.warnings.push(
      `unknown tag ${key}; ignored${suggestion ? `; did you mean ${SERVICE_TAG_PREFIX}${suggestion}?` : ''} (known: ${[...KNOWN].join(', ')})`,
    );
  }
}

function parseAliasZone(
  tags: Readonly<Record<string, string>>,
  ctx: LabelContext,
  fail: Fail,
): { zoneId: string; zoneDomain: string | undefined } {
  const rawZone = tags[SERVICE_TAGS.zone];
  const zoneId = rawZone?.trim().replace(/^\/?hostedzone\//, '') || ctx.settings.hostedZoneIds[0]!;
  const zoneDomain = ctx.zoneDomains.get(zoneId);
  if (!ctx.settings.hostedZoneIds.includes(zoneId)) {
    fail(
      SERVICE_TAGS.zone,
      rawZone,
      `zone ${zoneId} is not one this stack may write (REGISTRAR_HOSTED_ZONE_IDS: ${ctx.settings.hostedZoneIds.join(', ')})`,
    );
  } else if (!zoneDomain) {
    fail(SERVICE_TAGS.zone, rawZone ?? zoneId, 'the domain of this hosted zone could not be read');
  }
  return { zoneId, zoneDomain };
}

/** The alias name as an absolute FQDN; '' when it is unusable (the reason is reported). */
function parseAliasName(rawName: string, zoneDomain: string | undefined, kind: ServiceRecordKind, fail: Fail): string {
  const name = rawName.trim();
  if (name === '') fail(SERVICE_TAGS.alias, rawName, 'must not be empty');
  else if (name.includes('*')) fail(SERVICE_TAGS.alias, rawName, 'wildcards are not allowed');
  if (name === '' || name.includes('*') || !zoneDomain) return '';
  const candidate = name === '@' ? zoneDomain : normaliseName(name.endsWith('.') ? name : `${name}.${zoneDomain}`);
  const problem = hostNameProblem(candidate);
  const domain = normaliseName(zoneDomain).replace(/\.$/, '');
  const lower = name.toLowerCase();
  const reserved = reservedNameProblem(candidate, zoneDomain, OWNERSHIP_LABEL);
  if (name !== '@' && !name.endsWith('.') && (lower === domain || lower.endsWith(`.${domain}`))) {
    // `api.example.com` in zone example.com would become api.example.com.example.com.: almost never what was meant.
    fail(
      SERVICE_TAGS.alias,
      rawName,
      `ends with the zone's domain ${domain} but has no trailing dot: write "${name}." for that absolute name`,
    );
  } else if (name.endsWith('.') && !isWithinZone(candidate, zoneDomain)) {
    fail(SERVICE_TAGS.alias, rawName, `"${candidate}" is outside the zone ${zoneDomain}`);
  } else if (problem) {
    fail(SERVICE_TAGS.alias, rawName, `the name "${candidate}" ${problem}`);
  } else if (reserved) {
    fail(SERVICE_TAGS.alias, rawName, reserved);
  } else if (kind === 'cname' && candidate === zoneDomain) {
    fail(
      SERVICE_TAGS.alias,
      rawName,
      `names the zone apex ${zoneDomain}, where DNS allows no CNAME; use ${SERVICE_TAGS.type}=alias (the default)`,
    );
  } else {
    const ownership = ownershipRecordName(candidate, zoneDomain);
    const ownershipProblem = hostNameProblem(ownership);
    if (!ownershipProblem) return candidate;
    fail(SERVICE_TAGS.alias, rawName, `is too long: its ownership record "${ownership}" ${ownershipProblem}`);
  }
  return '';
}

function parseAliasTtl(
  tags: Readonly<Record<string, string>>,
  kind: ServiceRecordKind,
  ctx: LabelContext,
  fail: Fail,
  out: ParsedServiceTags,
): number {
  const rawTtl = tags[SERVICE_TAGS.ttl];
  if (rawTtl === undefined) return ctx.settings.defaultTtl;
  const t = rawTtl.trim();
  if (!/^\d+$/.test(t) || Number(t) > 2_147_483_647) {
    fail(SERVICE_TAGS.ttl, rawTtl, 'must be an integer number of seconds between 0 and 2147483647');
  } else if (kind === 'alias') {
    out.warnings.push(
      `tag ${SERVICE_TAGS.ttl} has no effect on alias records (Route 53 answers with the load balancer's TTL); it applies to ${SERVICE_TAGS.type}=cname`,
    );
  } else {
    return Number(t);
  }
  return ctx.settings.defaultTtl;
}

function parseEvaluateTargetHealth(
  tags: Readonly<Record<string, string>>,
  kind: ServiceRecordKind,
  fail: Fail,
  out: ParsedServiceTags,
): boolean {
  const rawEvaluate = tags[SERVICE_TAGS.evaluateTargetHealth];
  if (rawEvaluate === undefined) return false;
  const v = rawEvaluate.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') fail(SERVICE_TAGS.evaluateTargetHealth, rawEvaluate, 'must be "true" or "false"');
  else if (kind === 'cname') out.warnings.push(`tag ${SERVICE_TAGS.evaluateTargetHealth} has no effect on a CNAME`);
  else return v === 'true';
  return false;
}
