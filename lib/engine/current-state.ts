import type { CloudMapReader } from '../aws/cloudmap';
import type { Route53Reader } from '../aws/route53-reader';
import { recordKey } from '../domain/records';
import type { EndpointSet } from '../plan/plan';
import type { AppliedChange } from './apply';
import type { Scope } from './task-registrations';

/**
 * What is currently registered where a set of registrations lives: every record at and below the names (owned or
 * not, so the plan can see conflicts) and every instance of the Cloud Map services. Zones are read sequentially to
 * respect Route 53's account-wide rate; Cloud Map services in parallel.
 */
export async function readCurrent(
  route53: Route53Reader,
  cloudMap: CloudMapReader,
  scope: Scope,
): Promise<EndpointSet> {
  const records = [];
  for (const [zoneId, names] of scope.names) records.push(...(await route53.recordsUnder(zoneId, names)));
  const instances = (await Promise.all([...scope.services].map((id) => cloudMap.instances(id)))).flat();
  return { records, instances };
}

/** Route 53's answer to an exact DELETE of a record that is no longer there (aws-facts.md §3.1). */
const NOT_FOUND = /but it was not found/;

/**
 * A DELETE Route 53 refused as "not found" was planned from a view that went stale: another container (or the
 * reconciler) deleted or rewrote the record since it was read. That is not an error but a question, answered by
 * reading again: the record is gone (the DELETE's goal is reached: counted applied, nothing retried) or it is there
 * in another form (left rejected: the item is retried and the next batch plans from a fresh read). The names are
 * read in one coalesced listing per zone.
 */
export async function rereadStaleDeletes(route53: Route53Reader, changes: AppliedChange[]): Promise<AppliedChange[]> {
  const stale = changes.filter(
    (c) =>
      c.provider === 'route53' &&
      c.action === 'DELETE' &&
      c.status === 'rejected' &&
      c.code === 'InvalidChangeBatch' &&
      NOT_FOUND.test(c.message ?? ''),
  );
  if (stale.length === 0) return changes;
  const names = new Map<string, Set<string>>();
  for (const c of stale) {
    const [zoneId, name] = c.key.split('|');
    names.set(zoneId!, (names.get(zoneId!) ?? new Set()).add(name!));
  }
  const present = new Set<string>();
  for (const [zoneId, zoneNames] of names) {
    for (const r of await route53.recordsUnder(zoneId, zoneNames)) present.add(recordKey(r));
  }
  return changes.map((c) =>
    stale.includes(c) && !present.has(c.key)
      ? { ...c, status: 'applied', code: undefined, message: 'already deleted (re-read after a stale view)' }
      : c,
  );
}
