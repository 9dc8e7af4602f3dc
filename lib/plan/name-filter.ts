/**
 * The stack's view of Route 53 (docs/names.md "Zone and domain filters"), like external-dns's `--zone-id-filter`,
 * `--domain-filter` and `--exclude-domains`: a name outside the view is neither written nor deleted, by the event path
 * and the reconciler alike (both plan through plan.ts, which asks `outsideView` here, the one place the filters are
 * applied). Unlike a name policy rule, which refuses a registration to one claimant, a filter takes names out of the
 * registrar's hands altogether: owned records outside it are kept as they are and reported, never judged gone.
 *
 * A registration is judged whole: its SRV record, per-task SRV targets and claim record follow the name it registers
 * (`payments.example.com.` for `_payments._tcp.example.com.` and `payments._ecs-registrar.example.com.`).
 */
export interface NameFilter {
  /** REGISTRAR_ZONE_ID_FILTER: only these zones (each one of REGISTRAR_HOSTED_ZONE_IDS); absent: every zone. */
  zoneIds?: string[];
  /** REGISTRAR_EXCLUDE_ZONE_IDS: never these zones. */
  excludeZoneIds?: string[];
  /** REGISTRAR_DOMAIN_FILTER: only names equal to or under these domains (normalised, `team-a.example.com.`). */
  domains?: string[];
  /** REGISTRAR_EXCLUDE_DOMAINS: never names equal to or under these domains; an exclusion wins over an inclusion. */
  excludeDomains?: string[];
}

export const NAME_FILTER_VARIABLES = {
  zoneIds: 'REGISTRAR_ZONE_ID_FILTER',
  excludeZoneIds: 'REGISTRAR_EXCLUDE_ZONE_IDS',
  domains: 'REGISTRAR_DOMAIN_FILTER',
  excludeDomains: 'REGISTRAR_EXCLUDE_DOMAINS',
} as const;

/** `Example.COM` / `.example.com.` -> `example.com.` */
export function normaliseDomain(domain: string): string {
  return `${domain.trim().toLowerCase().replace(/^\.+/, '').replace(/\.+$/, '')}.`;
}

const isUnder = (name: string, domain: string): boolean => name === domain || name.endsWith(`.${domain}`);
const shown = (domains: readonly string[]) => domains.map((d) => d.replace(/\.$/, '')).join(', ');

/**
 * Why the name (the registration's name, fully qualified) in this zone is outside the stack's view, naming the
 * filter; undefined when it is inside. No filter: everything is inside.
 */
export function outsideView(filter: NameFilter | undefined, zoneId: string, name: string): string | undefined {
  if (!filter) return undefined;
  const v = NAME_FILTER_VARIABLES;
  const fqdn = normaliseDomain(name);
  if (filter.zoneIds && !filter.zoneIds.includes(zoneId))
    return `${fqdn} is in zone ${zoneId}, outside ${v.zoneIds} (${filter.zoneIds.join(', ')})`;
  if (filter.excludeZoneIds?.includes(zoneId)) return `${fqdn} is in zone ${zoneId}, excluded by ${v.excludeZoneIds}`;
  const excluded = filter.excludeDomains?.find((d) => isUnder(fqdn, d));
  if (excluded) return `${fqdn} is excluded by ${v.excludeDomains} (${shown([excluded])})`;
  if (filter.domains && !filter.domains.some((d) => isUnder(fqdn, d)))
    return `${fqdn} is outside ${v.domains} (${shown(filter.domains)})`;
  return undefined;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Why a domain of a filter list is not a domain name, or undefined when it is one. */
export function domainProblem(domain: string): string | undefined {
  const bare = domain.trim().toLowerCase().replace(/^\.+/, '').replace(/\.$/, '');
  if (bare.includes('*')) return `"${domain}" is a pattern; list domains (every name under one is matched)`;
  return DOMAIN.test(bare) ? undefined : `"${domain}" is not a domain name (such as team-a.example.com)`;
}
