import { type Claimant, type NameClaim, readClaim, registrationNameOf } from '../domain/claims';
import { joinKey } from '../domain/key';
import { pushTo } from '../domain/multimap';
import { ownedTaskMark } from '../domain/ownership';
import { type DnsRecord, recordKey } from '../domain/records';
import { isTaskSubject, taskSubject } from '../domain/subject';
import { mayShare, type NamePolicy, registrationRefusal } from './name-policy';

/**
 * Which desired registrations the name policy refuses (docs/names.md), keyed `subject|zone|name` with the reason.
 * Claims come from what stays in Route 53 after this plan (records it deletes release their claims: the holder's last
 * record going releases the name) and from the registrations this plan accepts, in order: of two newcomers in one
 * batch, the first holds the name.
 */
export function refusedRegistrations(
  owner: string,
  desired: readonly (DnsRecord & { subject: string })[],
  staying: readonly DnsRecord[],
  policy: NamePolicy,
  losers: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const refused = new Map<string, string>();
  const held = new Holders();

  const claimed = new Set<string>();
  for (const r of staying) {
    const c = readClaim(owner, r);
    if (!c) continue;
    const key = joinKey(c.subject, c.zoneId, c.name);
    claimed.add(key);
    // A claimant that lost a contested name (contestedLosers) withdraws: its claim blocks no one, the winner included.
    if (losers.has(key)) continue;
    held.add(joinKey(c.zoneId, c.name), { subject: c.subject, claimant: c.claimant, legacy: false });
  }
  // Task records written before claim records existed hold their name for the cluster their mark names.
  for (const r of staying) {
    if (r.type === 'TXT') continue;
    const mark = ownedTaskMark(owner, r.setIdentifier);
    if (mark?.location.kind !== 'plain') continue;
    const subject = taskSubject(mark.taskId);
    const name = registrationNameOf(r.name, subject);
    const key = joinKey(subject, r.zoneId, name);
    if (claimed.has(key)) continue;
    claimed.add(key);
    held.add(joinKey(r.zoneId, name), { subject, claimant: `cluster:${mark.location.cluster}`, legacy: true });
  }

  const seen = new Set<string>();
  for (const d of desired) {
    const c = readClaim(owner, d);
    if (!c || c.subject !== d.subject) continue;
    const key = joinKey(c.subject, c.zoneId, c.name);
    if (seen.has(key)) continue;
    seen.add(key);
    const name = joinKey(c.zoneId, c.name);
    const why = refusal(c, held.otherThan(name, c.claimant), policy);
    if (why) refused.set(key, why);
    else held.add(name, { subject: c.subject, claimant: c.claimant, legacy: false });
  }

  if (policy.ttl) {
    const { min, max } = policy.ttl;
    for (const d of desired) {
      if (d.ttl === undefined || (d.ttl >= min && d.ttl <= max)) continue;
      const key = joinKey(d.subject, d.zoneId, registrationNameOf(d.name, d.subject));
      if (!refused.has(key))
        refused.set(key, `TTL ${d.ttl} is outside the name policy's bounds ${min}-${max} (REGISTRAR_NAME_POLICY.ttl)`);
    }
  }
  return refused;
}

interface Holder {
  subject: string;
  claimant: Claimant;
  legacy: boolean;
}

/** The holders of each name (`zone|name`), in the order they came. */
class Holders {
  private readonly byName = new Map<string, Holder[]>();
  /** The one claimant of all the holders at a name, while they share one; null once two differ. */
  private readonly sole = new Map<string, Claimant | null>();

  add(name: string, h: Holder): void {
    pushTo(this.byName, name, h);
    const sole = this.sole.get(name);
    this.sole.set(name, sole === undefined || sole === h.claimant ? h.claimant : null);
  }

  /**
   * The holders a claimant must share the name with: none when every holder is that claimant (refusal skips those),
   * the common case, which spares a scan of every task holding the name for each of them (quadratic in a reconcile).
   */
  otherThan(name: string, claimant: Claimant): readonly Holder[] {
    return this.sole.get(name) === claimant ? [] : (this.byName.get(name) ?? []);
  }
}

function refusal(c: NameClaim, holders: readonly Holder[], policy: NamePolicy): string | undefined {
  const denied = registrationRefusal(policy, c.claimant, c.zoneId, c.relative);
  if (denied) return `${c.name} ${denied}`;
  for (const h of holders) {
    if (h.subject === c.subject || h.claimant === c.claimant) continue;
    // An old mark says only the cluster: the same cluster's claimants are not told apart from it.
    if (h.legacy && c.claimant.slice(c.claimant.indexOf(':') + 1).split('/')[0] === h.claimant.slice('cluster:'.length))
      continue;
    if (mayShare(policy, h.claimant, c.claimant, c.zoneId, c.relative)) continue;
    return `${c.name} is held by ${h.claimant}${h.legacy ? ' (records written before claims were recorded)' : ''}; ${c.claimant} may not register it unless a name policy rule with "share": true covers both`;
  }
  return undefined;
}

/**
 * Two first claims at once (docs/names.md "Two first claims at once"): two containers each saw a name free and both
 * wrote, so claimants no rule lets share now hold it together. The tie-break needs no clock and no new record: holders
 * are taken in claimant order (plain string order, the same in every container and in the reconciler); each keeps the
 * name when a sharing rule covers it with every holder kept before it, and loses otherwise. Returns the losing
 * registrations, keyed `subject|zone|name` like refusedRegistrations, with the reason naming the winner: the planner
 * withdraws their records (when their subjects are in its scope) and refuses them the name.
 * Only task claim records count: records written before claims existed and service aliases (whose single alias record
 * two services cannot both hold) neither win nor lose here; they are refused to newcomers as before.
 */
export function contestedLosers(owner: string, staying: readonly DnsRecord[], policy: NamePolicy): Map<string, string> {
  const byName = new Map<string, NameClaim[]>();
  for (const r of staying) {
    const c = readClaim(owner, r);
    if (c && isTaskSubject(c.subject)) pushTo(byName, joinKey(c.zoneId, c.name), c);
  }
  const losers = new Map<string, string>();
  for (const claims of byName.values()) {
    const claimants = [...new Set(claims.map((c) => c.claimant))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (claimants.length < 2) continue;
    const { zoneId, relative, name } = claims[0]!;
    const kept: Claimant[] = [];
    const lost = new Map<Claimant, Claimant>();
    for (const claimant of claimants) {
      const winner = kept.find((k) => !mayShare(policy, k, claimant, zoneId, relative));
      if (winner) lost.set(claimant, winner);
      else kept.push(claimant);
    }
    for (const c of claims) {
      const winner = lost.get(c.claimant);
      if (!winner) continue;
      losers.set(
        joinKey(c.subject, c.zoneId, c.name),
        `${name} is claimed by both ${winner} and ${c.claimant}, and no name policy rule with "share": true covers both; ${winner} comes first in claimant order and keeps it, ${c.claimant} withdraws`,
      );
    }
  }
  return losers;
}

/**
 * The claim records among `created` that are their claimant's first at the name in this plan's view (no claim of the
 * same claimant stays there): the only writes two containers can race on (docs/names.md "Two first claims at once"),
 * so the only ones the event path re-checks after writing. By record key.
 */
export function firstClaims(owner: string, created: readonly DnsRecord[], staying: readonly DnsRecord[]): string[] {
  const holders = new Set<string>();
  for (const r of staying) {
    const c = readClaim(owner, r);
    if (c) holders.add(joinKey(c.zoneId, c.name, c.claimant));
  }
  const out: string[] = [];
  for (const r of created) {
    const c = readClaim(owner, r);
    if (c && isTaskSubject(c.subject) && !holders.has(joinKey(c.zoneId, c.name, c.claimant))) out.push(recordKey(r));
  }
  return out;
}
