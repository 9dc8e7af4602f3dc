import { OWNER_ID_PATTERN } from '../domain/ownership';
import { domainProblem, NAME_FILTER_VARIABLES, type NameFilter, normaliseDomain } from '../plan/name-filter';
import { type NamePolicy, NamePolicyError, parseNamePolicy } from '../plan/name-policy';
import { DEFAULT_HEALTH_MODE, type HealthMode, parseHealthMode } from './health';

/** What the registrar may change (REGISTRAR_POLICY), as external-dns's --policy: docs/names.md "Modes". */
export type WriteMode = 'sync' | 'upsert-only' | 'create-only';
export const WRITE_MODES: readonly WriteMode[] = ['sync', 'upsert-only', 'create-only'];

/**
 * Stack settings, parsed once per container from the environment (set by template.yaml, or by the caller for the
 * CLI). A bad value fails fast with the variable's name: a registrar that guesses its zones or owner is dangerous.
 */
export interface Settings {
  /** Bare hosted zone ids the stack may write; the first is the default zone. */
  hostedZoneIds: string[];
  /** Marks every record and instance the registrar writes; it never touches anything without it. */
  ownerId: string;
  defaultTtl: number;
  /** Cluster names to serve; empty serves every cluster. */
  clusters: string[];
  /** Cloud Map service ids labels may register into; empty disables Cloud Map. */
  cloudMapServiceIds: string[];
  /** The reconciler refuses to delete more than this share of owned records in one run unless forced. */
  maxDeletePercent: number;
  /** Who may register which names (REGISTRAR_NAME_POLICY); absent means the default policy. */
  namePolicy?: NamePolicy;
  /** sync (default), upsert-only (never delete) or create-only (never delete or update): REGISTRAR_POLICY. */
  mode?: WriteMode;
  /** Stack default of the health gate (REGISTRAR_HEALTH, health.ts); labels override it. Absent means `ignore`. */
  health?: HealthMode;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly variable: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${reason}`, options);
  }
}

export const SETTINGS_VARIABLES = {
  hostedZoneIds: 'REGISTRAR_HOSTED_ZONE_IDS',
  ownerId: 'REGISTRAR_OWNER_ID',
  defaultTtl: 'REGISTRAR_DEFAULT_TTL',
  clusters: 'REGISTRAR_CLUSTERS',
  cloudMapServiceIds: 'REGISTRAR_CLOUDMAP_SERVICE_IDS',
  maxDeletePercent: 'REGISTRAR_MAX_DELETE_PERCENT',
  namePolicy: 'REGISTRAR_NAME_POLICY',
  mode: 'REGISTRAR_POLICY',
  ...NAME_FILTER_VARIABLES,
  health: 'REGISTRAR_HEALTH',
} as const;

export const DEFAULT_TTL = 60;
export const DEFAULT_MAX_DELETE_PERCENT = 50;
const ZONE_ID = /^[A-Z0-9]{1,32}$/;
const CLOUDMAP_SERVICE_ID = /^srv-[A-Za-z0-9]{1,64}$/;
const CLUSTER = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:[a-z-]+:ecs:[a-z0-9-]+:\d{12}:cluster\/([^/]+)$/;

export type Env = Record<string, string | undefined>;

export function loadSettings(env: Env = process.env): Settings {
  const v = SETTINGS_VARIABLES;
  const hostedZoneIds = list(env[v.hostedZoneIds]).map((id) => {
    const bare = id.replace(/^\/?hostedzone\//, '');
    if (!ZONE_ID.test(bare))
      throw new SettingsError(v.hostedZoneIds, `"${id}" is not a hosted zone id (e.g. Z0123456789ABCDEFGHIJ)`);
    return bare;
  });
  if (hostedZoneIds.length === 0) {
    throw new SettingsError(
      v.hostedZoneIds,
      'is required: a comma-separated list of hosted zone ids (the first is the default)',
    );
  }
  if (new Set(hostedZoneIds).size !== hostedZoneIds.length)
    throw new SettingsError(v.hostedZoneIds, 'lists a zone twice');

  const ownerId = (env[v.ownerId] ?? '').trim();
  if (!ownerId) throw new SettingsError(v.ownerId, 'is required (the template sets it to the stack name)');
  if (!OWNER_ID_PATTERN.test(ownerId)) {
    throw new SettingsError(
      v.ownerId,
      `"${ownerId}" must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }

  const clusters = list(env[v.clusters]).map((c) => {
    // An ARN must be a cluster ARN: the last path element of a service or task ARN is not a cluster name.
    const name = c.startsWith('arn:') ? (CLUSTER_ARN.exec(c)?.[1] ?? '') : c;
    if (!CLUSTER.test(name)) throw new SettingsError(v.clusters, `"${c}" is not a cluster name or ARN`);
    return name;
  });
  const cloudMapServiceIds = list(env[v.cloudMapServiceIds]).map((id) => {
    if (!CLOUDMAP_SERVICE_ID.test(id))
      throw new SettingsError(v.cloudMapServiceIds, `"${id}" is not a Cloud Map service id (srv-...)`);
    return id;
  });

  let namePolicy = loadNamePolicy(env, hostedZoneIds, cloudMapServiceIds);
  const filter = loadNameFilter(env, hostedZoneIds);
  if (filter) namePolicy = { ...namePolicy, filter };
  const rawMode = (env[v.mode] ?? '').trim() || 'sync';
  if (!(WRITE_MODES as readonly string[]).includes(rawMode))
    throw new SettingsError(v.mode, `"${rawMode}" must be one of ${WRITE_MODES.join(', ')}`);

  const health = parseHealthMode(env[v.health], DEFAULT_HEALTH_MODE);
  if ('problem' in health) throw new SettingsError(v.health, `"${env[v.health]}" ${health.problem}`);

  return {
    namePolicy,
    mode: rawMode as WriteMode,
    health: health.mode,
    hostedZoneIds,
    ownerId,
    defaultTtl: integer(env[v.defaultTtl], v.defaultTtl, DEFAULT_TTL, 0, 2_147_483_647),
    clusters,
    cloudMapServiceIds,
    maxDeletePercent: integer(env[v.maxDeletePercent], v.maxDeletePercent, DEFAULT_MAX_DELETE_PERCENT, 0, 100),
  };
}

/** REGISTRAR_NAME_POLICY, its zones and Cloud Map services checked against the stack's own lists. */
function loadNamePolicy(env: Env, hostedZoneIds: readonly string[], cloudMapServiceIds: readonly string[]): NamePolicy {
  const v = SETTINGS_VARIABLES;
  let namePolicy: NamePolicy;
  try {
    namePolicy = parseNamePolicy(env[v.namePolicy], v.namePolicy);
  } catch (err) {
    if (err instanceof NamePolicyError) throw new SettingsError(err.field, err.reason, { cause: err });
    throw err;
  }
  for (const [i, rule] of namePolicy.rules.entries()) {
    for (const zone of rule.zones ?? []) {
      if (!hostedZoneIds.includes(zone))
        throw new SettingsError(
          `${v.namePolicy}.rules[${i}].zones`,
          `"${zone}" is not one of ${v.hostedZoneIds} (${hostedZoneIds.join(', ')})`,
        );
    }
    for (const id of rule.cloudMapServices ?? []) {
      if (!id.includes('*') && !cloudMapServiceIds.includes(id))
        throw new SettingsError(
          `${v.namePolicy}.rules[${i}].cloudMapServices`,
          `"${id}" is not one of ${v.cloudMapServiceIds} (${cloudMapServiceIds.join(', ') || 'none'})`,
        );
    }
  }
  return namePolicy;
}

/**
 * Zone and domain include/exclude lists (docs/names.md "Zone and domain filters"); undefined when none is set. Zone ids
 * must be among REGISTRAR_HOSTED_ZONE_IDS, and the zone filters must leave at least one zone.
 */
function loadNameFilter(env: Env, hostedZoneIds: readonly string[]): NameFilter | undefined {
  const v = NAME_FILTER_VARIABLES;
  const zones = (variable: string): string[] | undefined => {
    const ids = list(env[variable]).map((id) => id.replace(/^\/?hostedzone\//, ''));
    for (const id of ids)
      if (!hostedZoneIds.includes(id))
        throw new SettingsError(
          variable,
          `"${id}" is not one of REGISTRAR_HOSTED_ZONE_IDS (${hostedZoneIds.join(', ')})`,
        );
    return ids.length > 0 ? ids : undefined;
  };
  const domains = (variable: string): string[] | undefined => {
    const names = list(env[variable]);
    for (const d of names) {
      const problem = domainProblem(d);
      if (problem) throw new SettingsError(variable, problem);
    }
    return names.length > 0 ? names.map(normaliseDomain) : undefined;
  };
  const filter: NameFilter = {};
  const zoneIds = zones(v.zoneIds);
  const excludeZoneIds = zones(v.excludeZoneIds);
  const included = domains(v.domains);
  const excludeDomains = domains(v.excludeDomains);
  if (zoneIds) filter.zoneIds = zoneIds;
  if (excludeZoneIds) filter.excludeZoneIds = excludeZoneIds;
  if (included) filter.domains = included;
  if (excludeDomains) filter.excludeDomains = excludeDomains;
  const inView = (zoneIds ?? hostedZoneIds).filter((z) => !excludeZoneIds?.includes(z));
  if (inView.length === 0)
    throw new SettingsError(
      excludeZoneIds ? v.excludeZoneIds : v.zoneIds,
      `leaves no zone in the stack's view (${v.zoneIds}=${(zoneIds ?? []).join(',')}, ${v.excludeZoneIds}=${(excludeZoneIds ?? []).join(',')})`,
    );
  return Object.keys(filter).length > 0 ? filter : undefined;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function integer(value: string | undefined, variable: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(variable, `"${value}" must be an integer between ${min} and ${max}`);
  }
  return n;
}

/**
 * Bounds on every AWS call, separate from Settings because the clients are built from them before (and without) the
 * stack settings: the CLI and tests build clients too. Each variable fails fast with its name, like the settings.
 */
export interface AwsCallSettings {
  /** Time to establish a TCP (and TLS) connection to an AWS endpoint. */
  connectTimeoutMs: number;
  /** Time for one request, from sending it to the end of the response: one attempt, not the retries. */
  requestTimeoutMs: number;
  /**
   * Time kept back from the Lambda deadline: no AWS call starts, and none is awaited, past the function's remaining
   * time minus this, so the batch report and metrics are still returned in time.
   */
  deadlineMarginMs: number;
}

export const AWS_CALL_VARIABLES = {
  connectTimeoutMs: 'REGISTRAR_AWS_CONNECT_TIMEOUT_MS',
  requestTimeoutMs: 'REGISTRAR_AWS_REQUEST_TIMEOUT_MS',
  deadlineMarginMs: 'REGISTRAR_DEADLINE_MARGIN_MS',
} as const;

/** AWS API calls answer in well under a second; a few seconds means a hung connection, not a slow service. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_DEADLINE_MARGIN_MS = 3_000;

export function loadAwsCallSettings(env: Env = process.env): AwsCallSettings {
  const v = AWS_CALL_VARIABLES;
  return {
    connectTimeoutMs: integer(env[v.connectTimeoutMs], v.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 1, 120_000),
    requestTimeoutMs: integer(env[v.requestTimeoutMs], v.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 1, 900_000),
    deadlineMarginMs: integer(env[v.deadlineMarginMs], v.deadlineMarginMs, DEFAULT_DEADLINE_MARGIN_MS, 0, 600_000),
  };
}

/**
 * The stack's share of Route 53's account-wide limit (five requests a second, shared with every other tool in the
 * account: aws-facts.md). The budget is split evenly between the `shares` callers that may run at once, the sync
 * function's containers (its MaximumConcurrency, 2 in template.yaml) and the reconciler (reserved concurrency 1), so
 * together they never offer Route 53 more than the budget, whatever runs at the same time (README: Rate budget).
 */
export interface Route53BudgetSettings {
  /** Requests per second for the whole stack: all sync containers and the reconciler together. */
  requestsPerSecond: number;
  /** Callers the budget is split between: MaximumConcurrency of the sync function plus one for the reconciler. */
  shares: number;
}

export const ROUTE53_BUDGET_VARIABLES = {
  requestsPerSecond: 'REGISTRAR_ROUTE53_BUDGET',
  shares: 'REGISTRAR_ROUTE53_SHARES',
} as const;

/** One request a second of the account's five is left to other tools (the console, CI, other registrars). */
export const DEFAULT_ROUTE53_BUDGET = 4;
/** template.yaml: MaximumConcurrency 2 for the sync function, plus the reconciler. */
export const DEFAULT_ROUTE53_SHARES = 3;

export function loadRoute53Budget(env: Env = process.env): Route53BudgetSettings {
  const v = ROUTE53_BUDGET_VARIABLES;
  return {
    // Above 5 the stack alone would be throttled: Route 53's limit is five a second per account.
    requestsPerSecond: integer(env[v.requestsPerSecond], v.requestsPerSecond, DEFAULT_ROUTE53_BUDGET, 1, 5),
    shares: integer(env[v.shares], v.shares, DEFAULT_ROUTE53_SHARES, 1, 1000),
  };
}

/** What one container (or one reconcile run) allows itself: its even share of the stack's budget. */
export function route53RatePerCaller(budget: Route53BudgetSettings): number {
  return budget.requestsPerSecond / budget.shares;
}

export const ROUTE53_CACHE_VARIABLE = 'REGISTRAR_ROUTE53_CACHE_SECONDS';
/** Seconds a sync container keeps what it read of a zone (lib/aws/route53-cache.ts); 0 turns the cache off. */
export const DEFAULT_ROUTE53_CACHE_SECONDS = 30;
export const MAX_ROUTE53_CACHE_SECONDS = 60;

/** How long a sync container may plan from what it read of a zone before reading it again. */
export function loadRoute53CacheSeconds(env: Env = process.env): number {
  const v = ROUTE53_CACHE_VARIABLE;
  return integer(env[v], v, DEFAULT_ROUTE53_CACHE_SECONDS, 0, MAX_ROUTE53_CACHE_SECONDS);
}

/** Whether the stack serves tasks of this cluster (REGISTRAR_CLUSTERS, empty = all). */
export function servesCluster(settings: Settings, clusterName: string): boolean {
  return settings.clusters.length === 0 || settings.clusters.includes(clusterName);
}
