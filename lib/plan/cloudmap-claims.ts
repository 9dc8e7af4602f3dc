import { type Claimant, familyClaimant, serviceClaimant } from '../domain/claims';
import { CLUSTER_ATTRIBUTE, isOwnedInstance } from '../domain/ownership';
import { type CloudMapInstance, instanceKey } from '../domain/records';
import { mayShareCloudMapService, type NamePolicy } from './name-policy';

/**
 * Claims on Cloud Map services (docs/names.md "Cloud Map services"): a Cloud Map service registered into by one
 * claimant is refused to another unless a sharing rule naming the service covers both. Like name claims, they are read
 * from what the registry holds, with no store: every instance the registrar writes carries the owner mark and the
 * task's `ECS_CLUSTER_NAME`, `ECS_SERVICE_NAME` (service tasks) and `ECS_TASK_DEFINITION_FAMILY` attributes
 * (desired/task-endpoints.ts), which name its claimant. A claim is released with the claimant's last instance.
 */

/** The claimant an instance's attributes name; undefined for an instance without them (it blocks no one). */
export function instanceClaimant(attributes: Readonly<Record<string, string>> | undefined): Claimant | undefined {
  const cluster = attributes?.[CLUSTER_ATTRIBUTE];
  if (!cluster) return undefined;
  const service = attributes.ECS_SERVICE_NAME;
  if (service) return serviceClaimant(cluster, service);
  const family = attributes.ECS_TASK_DEFINITION_FAMILY;
  return family ? familyClaimant(cluster, family) : undefined;
}

/**
 * Which desired instances are refused, by instance key, with the reason naming the holder. Holders are the owned
 * instances that stay after this plan (`staying`) and, in order, the desired instances accepted before: of two
 * newcomers in one batch, the first holds the service. `withdrawn`: desired instances of a claimant that lost a
 * contested service (contestLosers): the planner no longer wants them, so it deregisters them where it may.
 */
export function refusedInstances(
  owner: string,
  desired: readonly CloudMapInstance[],
  staying: readonly CloudMapInstance[],
  policy: NamePolicy,
): { refused: Map<string, string>; withdrawn: Map<string, string> } {
  const held = new Map<string, Set<Claimant>>();
  const hold = (serviceId: string, claimant: Claimant) =>
    held.set(serviceId, (held.get(serviceId) ?? new Set()).add(claimant));
  for (const i of staying) {
    const claimant = isOwnedInstance(owner, i.attributes) ? instanceClaimant(i.attributes) : undefined;
    if (claimant) hold(i.serviceId, claimant);
  }
  const lost = contestLosers(held, policy);
  const refused = new Map<string, string>();
  const withdrawn = new Map<string, string>();
  for (const d of desired) {
    const claimant = instanceClaimant(d.attributes);
    if (!claimant) continue;
    const contest = lost.get(`${d.serviceId}|${claimant}`);
    if (contest) {
      withdrawn.set(instanceKey(d), contest);
      continue;
    }
    const holder = [...(held.get(d.serviceId) ?? [])].find(
      (h) => h !== claimant && !mayShareCloudMapService(policy, h, claimant, d.serviceId),
    );
    if (holder) {
      refused.set(
        instanceKey(d),
        `Cloud Map service ${d.serviceId} is held by ${holder}; ${claimant} may not register into it unless a name policy rule with "share": true and "cloudMapServices" naming it covers both`,
      );
    } else hold(d.serviceId, claimant);
  }
  return { refused, withdrawn };
}

/**
 * Two claimants no rule lets share that both hold a Cloud Map service (two first registrations at once, or a sharing
 * rule removed): the same tie-break as for names (claims.ts contestedLosers), holders in claimant order, each kept when
 * a sharing rule covers it with every holder kept before it. Removes the losers from `held` and returns them, keyed
 * `serviceId|claimant`, with the reason naming the winner.
 */
function contestLosers(held: Map<string, Set<Claimant>>, policy: NamePolicy): Map<string, string> {
  const losers = new Map<string, string>();
  for (const [serviceId, claimants] of held) {
    const kept: Claimant[] = [];
    for (const claimant of [...claimants].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const winner = kept.find((k) => !mayShareCloudMapService(policy, k, claimant, serviceId));
      if (!winner) {
        kept.push(claimant);
        continue;
      }
      claimants.delete(claimant);
      losers.set(
        `${serviceId}|${claimant}`,
        `Cloud Map service ${serviceId} is held by both ${winner} and ${claimant}, and no name policy rule with "share": true and "cloudMapServices" covers both; ${winner} comes first in claimant order and keeps it, ${claimant} withdraws`,
      );
    }
  }
  return losers;
}
