import { type Claimant, claimantCluster, claimantMember } from '../domain/claims';
import type { NameFilter } from './name-filter';

/**
 * Who may register which names (docs/names.md "Name policy"). The planner (plan.ts) applies it on every path, the
 * event path and the reconciler alike, so there is one implementation of the rules.
 *
 * Without rules (the default) every served cluster may register any name inside its zones that no other claimant
 * holds, except the zone apex; nobody shares a name; nothing joins a record set the registrar does not own. With
 * rules, a claimant may register a name only when a rule matches its cluster, its service or task family, the zone
 * and the name; two claimants may hold one name only when one rule with `share: true` matches both.
 */
export interface NameRule {
  /** Cluster name patterns. `*` matches any run of characters. */
  clusters: string[];
  /** Service (or, for standalone tasks, task family) patterns; default every one. */
  services?: string[];
  /** Hosted zone ids; default every zone of the stack. */
  zones?: string[];
  /**
   * Names relative to the zone (`payments`, `*.team-a`); `@` is the apex and is matched only by `@` itself. Required
   * unless the rule names `cloudMapServices` (such a rule then covers no DNS name).
   */
  names?: string[];
  /**
   * Cloud Map service ids (`*` patterns) the rule covers for claims (cloudmap-claims.ts): with `share`, the claimants
   * it matches may register instances into the same Cloud Map service. Rules without it say nothing about Cloud Map.
   */
  cloudMapServices?: string[];
  /** Claimants matched by this rule may hold the same name together (blue/green: two services behind one name). */
  share?: boolean;
}

export interface NamePolicy {
  rules: NameRule[];
  /** `refuse` (default): never add a record to a set at a name and type with records the registrar does not own. */
  foreignSets: 'refuse' | 'join';
  /** TTL bounds for every record the registrar writes with a TTL (alias records take the load balancer's). */
  ttl?: { min: number; max: number };
  /**
   * The stack's view (name-filter.ts): zone and domain include/exclude lists, from their own variables
   * (REGISTRAR_ZONE_ID_FILTER, ...), not from the policy JSON. Names outside it are neither written nor deleted.
   */
  filter?: NameFilter;
}

export const DEFAULT_NAME_POLICY: NamePolicy = { rules: [], foreignSets: 'refuse' };

export class NamePolicyError extends Error {
  override readonly name = 'NamePolicyError';
  constructor(
    readonly field: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

const glob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
const matchesAny = (patterns: readonly string[] | undefined, value: string | undefined): boolean =>
  patterns === undefined || (value !== undefined && patterns.some((p) => glob(p).test(value)));
const nameMatches = (patterns: readonly string[] | undefined, relative: string): boolean =>
  patterns !== undefined &&
  (relative === '@' ? patterns.includes('@') : patterns.some((p) => p !== '@' && glob(p).test(relative)));

function claimantMatches(rule: NameRule, claimant: Claimant): boolean {
  return (
    matchesAny(rule.clusters, claimantCluster(claimant)) &&
    // A cluster-only claim (old marks) names no service: only rules that do not restrict services cover it.
    (rule.services === undefined || matchesAny(rule.services, claimantMember(claimant)))
  );
}

function ruleMatches(rule: NameRule, claimant: Claimant, zoneId: string, relative: string): boolean {
  return claimantMatches(rule, claimant) && matchesAny(rule.zones, zoneId) && nameMatches(rule.names, relative);
}

/** Whether a sharing rule naming this Cloud Map service lets both claimants register instances into it. */
export function mayShareCloudMapService(policy: NamePolicy, a: Claimant, b: Claimant, serviceId: string): boolean {
  return policy.rules.some(
    (r) =>
      r.share === true &&
      r.cloudMapServices !== undefined &&
      matchesAny(r.cloudMapServices, serviceId) &&
      claimantMatches(r, a) &&
      claimantMatches(r, b),
  );
}

/** Why this claimant may not register the name, or undefined when it may. */
export function registrationRefusal(
  policy: NamePolicy,
  claimant: Claimant,
  zoneId: string,
  relative: string,
): string | undefined {
  if (policy.rules.length === 0) {
    return relative === '@'
      ? `names the zone apex; registering the apex needs a name policy rule naming "@" (REGISTRAR_NAME_POLICY)`
      : undefined;
  }
  if (policy.rules.some((r) => ruleMatches(r, claimant, zoneId, relative))) return undefined;
  return `no rule of the name policy (REGISTRAR_NAME_POLICY) lets ${claimant} register ${relative} in zone ${zoneId}`;
}

/** Whether a sharing rule lets these two claimants hold the name together. */
export function mayShare(policy: NamePolicy, a: Claimant, b: Claimant, zoneId: string, relative: string): boolean {
  return policy.rules.some(
    (r) => r.share === true && ruleMatches(r, a, zoneId, relative) && ruleMatches(r, b, zoneId, relative),
  );
}

const RULE_KEYS = new Set(['clusters', 'services', 'zones', 'names', 'cloudMapServices', 'share']);
const POLICY_KEYS = new Set(['rules', 'foreignSets', 'ttl']);

/** Parses and validates the policy text; every error names the field and the reason. */
export function parseNamePolicy(text: string | undefined, variable = 'REGISTRAR_NAME_POLICY'): NamePolicy {
  if (text === undefined || text.trim() === '') return DEFAULT_NAME_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NamePolicyError(variable, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new NamePolicyError(variable, 'must be a JSON object such as {"rules":[...]}');
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!POLICY_KEYS.has(k))
      throw new NamePolicyError(`${variable}.${k}`, `unknown field; known: ${[...POLICY_KEYS].join(', ')}`);
  const rules: NameRule[] = [];
  if (obj.rules !== undefined) {
    if (!Array.isArray(obj.rules)) throw new NamePolicyError(`${variable}.rules`, 'must be a list of rules');
    for (const [i, r] of obj.rules.entries()) rules.push(parseRule(r, `${variable}.rules[${i}]`));
  }
  const foreignSets = obj.foreignSets ?? 'refuse';
  if (foreignSets !== 'refuse' && foreignSets !== 'join')
    throw new NamePolicyError(`${variable}.foreignSets`, 'must be "refuse" or "join"');
  const policy: NamePolicy = { rules, foreignSets };
  if (obj.ttl !== undefined) policy.ttl = parseTtl(obj.ttl, `${variable}.ttl`);
  return policy;
}

function parseRule(raw: unknown, at: string): NameRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new NamePolicyError(at, 'must be an object');
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!RULE_KEYS.has(k))
      throw new NamePolicyError(`${at}.${k}`, `unknown field; known: ${[...RULE_KEYS].join(', ')}`);
  const list = (key: string, required: boolean): string[] | undefined => {
    const v = obj[key];
    if (v === undefined) {
      if (required) throw new NamePolicyError(`${at}.${key}`, 'is required (a list of patterns; "*" matches any)');
      return undefined;
    }
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.trim() !== ''))
      throw new NamePolicyError(`${at}.${key}`, 'must be a non-empty list of non-empty strings');
    return v.map((s: string) => s.trim());
  };
  const cloudMapServices = list('cloudMapServices', false);
  const rule: NameRule = { clusters: list('clusters', true)! };
  const names = list('names', cloudMapServices === undefined);
  if (names) rule.names = names;
  if (cloudMapServices) {
    for (const id of cloudMapServices)
      if (!/^(srv-[A-Za-z0-9*]{1,64}|\*)$/.test(id))
        throw new NamePolicyError(`${at}.cloudMapServices`, `"${id}" is not a Cloud Map service id (srv-...) or "*"`);
    rule.cloudMapServices = cloudMapServices;
  }
  for (const n of rule.names ?? []) {
    if (n !== '@' && (n.endsWith('.') || n.includes('..')))
      throw new NamePolicyError(`${at}.names`, `"${n}": names are relative to the zone, without a trailing dot`);
  }
  const services = list('services', false);
  if (services) rule.services = services;
  const zones = list('zones', false);
  if (zones) rule.zones = zones.map((z) => z.replace(/^\/?hostedzone\//, ''));
  if (obj.share !== undefined) {
    if (typeof obj.share !== 'boolean') throw new NamePolicyError(`${at}.share`, 'must be true or false');
    rule.share = obj.share;
  }
  return rule;
}

function parseTtl(raw: unknown, at: string): { min: number; max: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new NamePolicyError(at, 'must be an object {"min": seconds, "max": seconds}');
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (k !== 'min' && k !== 'max') throw new NamePolicyError(`${at}.${k}`, 'unknown field; known: min, max');
  const n = (k: 'min' | 'max', fallback: number): number => {
    const v = obj[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2_147_483_647)
      throw new NamePolicyError(`${at}.${k}`, 'must be an integer number of seconds between 0 and 2147483647');
    return v;
  };
  const bounds = { min: n('min', 0), max: n('max', 2_147_483_647) };
  if (bounds.min > bounds.max) throw new NamePolicyError(at, `min (${bounds.min}) is greater than max (${bounds.max})`);
  return bounds;
}
