import { type Claimant, type NameClaim, readClaim, registrationNameOf } from '../domain/claims';
import { ownedTaskMark } from '../domain/ownership';
import type { DnsRecord } from '../domain/records';
import { taskSubject } from '../domain/subject';
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
): Map<string, string> {
  const refused = new Map<string, string>();
  const held = new Map<string, { subject: string; claimant: Claimant; legacy: boolean }[]>();
  const hold = (key: string, h: { subject: string; claimant: Claimant; legacy: boolean }) =>
    held.set(key, [...(held.get(key) ?? []), h]);

  const claimed = new Set<string>();
  for (const r of staying) {
    const c = readClaim(owner, r);
    if (!c) continue;
    claimed.add(`${c.subject}|${c.zoneId}|${c.name}`);
    hold(`${c.zoneId}|${c.name}`, { subject: c.subject, claimant: c.claimant, legacy: false });
  }
  // Task records written before claim records existed hold their name for the cluster their mark names.
  for (const r of staying) {
    if (r.type === 'TXT') continue;
    const mark = ownedTaskMark(owner, r.setIdentifier);
    if (mark?.location.kind !== 'plain') continue;
    const subject = taskSubject(mark.taskId);
    const name = registrationNameOf(r.name, subject);
    const key = `${subject}|${r.zoneId}|${name}`;
    if (claimed.has(key)) continue;
    claimed.add(key);
    hold(`${r.zoneId}|${name}`, { subject, claimant: `cluster:${mark.location.cluster}`, legacy: true });
  }

  const seen = new Set<string>();
  for (const d of desired) {
    const c = readClaim(owner, d);
    if (!c || c.subject !== d.subject) continue;
    const key = `${c.subject}|${c.zoneId}|${c.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const why = refusal(c, held.get(`${c.zoneId}|${c.name}`) ?? [], policy);
    if (why) refused.set(key, why);
    else hold(`${c.zoneId}|${c.name}`, { subject: c.subject, claimant: c.claimant, legacy: false });
  }

  if (policy.ttl) {
    const { min, max } = policy.ttl;
    for (const d of desired) {
      if (d.ttl === undefined || (d.ttl >= min && d.ttl <= max)) continue;
      const key = `${d.subject}|${d.zoneId}|${registrationNameOf(d.name, d.subject)}`;
      if (!refused.has(key))
        refused.set(key, `TTL ${d.ttl} is outside the name policy's bounds ${min}-${max} (REGISTRAR_NAME_POLICY.ttl)`);
    }
  }
  return refused;
}

function refusal(
  c: NameClaim,
  holders: readonly { subject: string; claimant: Claimant; legacy: boolean }[],
  policy: NamePolicy,
): string | undefined {
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
