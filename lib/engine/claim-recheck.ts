import { srvName } from '../domain/dns-name';
import { coveredName } from '../domain/service-ownership';
import { type Conflict, planContestWithdrawals } from '../plan/plan';
import { type AppliedChange, applyPlan } from './apply';
import type { EngineDeps } from './deps';

/**
 * The second look at claims (docs/names.md "Two first claims at once"). A claim is read, then written: two containers
 * registering two claimants' first tasks at a free name at the same moment can both write. Whichever wrote second
 * reads both claims here, after its own write, and the tie-break (plan/claims.ts contestedLosers: claimant order)
 * withdraws the loser's records at the name, its own or the other container's; the loser's tasks are reported in
 * conflict with the winner named. Costs one read per zone for the names at which the batch wrote a first claim, and a write
 * only when a name is contested; only first claims (plan.ts `firstClaims`) are re-checked, since a claimant that already
 * held the name was seen by any other container's read. A failure here is logged, not retried: the next reconcile applies the same rule.
 */
export async function withdrawContestedClaims(
  changes: readonly AppliedChange[],
  firstClaims: readonly string[],
  deps: EngineDeps,
): Promise<{ changes: AppliedChange[]; conflicts: Conflict[] }> {
  const first = new Set(firstClaims);
  const names = new Map<string, Set<string>>();
  for (const c of changes) {
    if (c.provider !== 'route53' || c.status !== 'applied' || !first.has(c.key)) continue;
    const [zoneId, name, type] = c.key.split('|');
    const registered = type === 'TXT' && name ? coveredName(name) : undefined;
    if (!zoneId || !name || !registered) continue;
    const zoneNames = names.get(zoneId) ?? new Set<string>();
    for (const n of [name, registered, srvName(registered, 'tcp'), srvName(registered, 'udp')]) zoneNames.add(n);
    names.set(zoneId, zoneNames);
  }
  if (names.size === 0) return { changes: [], conflicts: [] };
  try {
    const records = [];
    for (const [zoneId, zoneNames] of names)
      records.push(...(await deps.route53Reader.recordsUnder(zoneId, zoneNames)));
    const plan = planContestWithdrawals({
      owner: deps.settings.ownerId,
      current: records,
      policy: deps.settings.namePolicy,
      mode: deps.settings.mode,
    });
    const withdrawn = plan.withdrawn ?? [];
    if (withdrawn.length === 0) return { changes: [], conflicts: [] };
    deps.log.warn('a name was claimed twice at once: the loser withdraws', {
      withdrawn: [...new Set(withdrawn.map((w) => w.reason))],
      changes: plan.changes.length,
    });
    const applied = await applyPlan(plan, { route53: deps.route53Writer, cloudMap: deps.cloudMapWriter });
    const conflicts = withdrawn.map((w) => ({
      provider: 'route53' as const,
      key: w.key,
      subject: w.subject,
      reason: w.reason,
    }));
    return { changes: applied, conflicts };
  } catch (err) {
    deps.log.warn('could not re-check the claims just written; the next reconcile will', {
      error: err instanceof Error ? err.message : String(err),
    });
    return { changes: [], conflicts: [] };
  }
}
