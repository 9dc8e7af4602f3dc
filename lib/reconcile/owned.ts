import { isTaskClaimRecord } from '../domain/claims';
import {
  CLUSTER_ATTRIBUTE,
  type MarkLocation,
  markIsAt,
  markRegion,
  ownedTaskMark,
  type TaskLocation,
} from '../domain/ownership';
import type { CloudMapInstance, DnsRecord } from '../domain/records';
import { clusterOfSubject } from '../domain/subject';
import { ownedInstanceSubject } from '../plan/plan';

/**
 * What the reconciler owns, grouped by subject, with where each subject's task or service runs as far as the marks
 * tell. This is what lets a run tell "a task I cannot see" (another Region, a cluster outside this run) from "a task
 * that is gone": only the second may ever be deleted.
 */
export interface OwnedSubject {
  subject: string;
  /** Owned records and instances of the subject. */
  entries: number;
  /** Region, when a mark names it. */
  region?: string;
  /** Cluster, when a mark names it or its hash matches a known cluster. */
  cluster?: string;
  /** True when no mark says where the subject runs (marks of earlier versions) and no instance attribute either. */
  unlocated: boolean;
}

/**
 * Groups owned records and instances by subject and resolves their location. `knownClusters` are the cluster names a
 * hashed mark may be matched against (the clusters this stack serves); Cloud Map instances are regional, so their
 * `ECS_CLUSTER_NAME` is taken to be in this run's Region.
 */
export function ownedSubjects(input: {
  owner: string;
  region: string;
  records: readonly DnsRecord[];
  instances: readonly CloudMapInstance[];
  subjectOf: (r: DnsRecord) => string | undefined;
  knownClusters: readonly string[];
}): Map<string, OwnedSubject> {
  const out = new Map<string, OwnedSubject>();
  const entry = (subject: string): OwnedSubject => {
    let e = out.get(subject);
    if (!e) {
      e = { subject, entries: 0, unlocated: true };
      out.set(subject, e);
    }
    return e;
  };
  for (const r of input.records) {
    const subject = input.subjectOf(r);
    if (!subject) continue;
    const e = entry(subject);
    // A task's claim record (domain/claims.ts) is bookkeeping of its other records, not an entry of its own.
    if (!isTaskClaimRecord(input.owner, r)) e.entries++;
    const serviceCluster = clusterOfSubject(subject);
    if (serviceCluster) {
      locate(e, { cluster: serviceCluster });
      continue;
    }
    const mark = ownedTaskMark(input.owner, r.setIdentifier);
    if (mark) locate(e, resolveMark(mark.location, input.region, input.knownClusters));
  }
  for (const i of input.instances) {
    const subject = ownedInstanceSubject(input.owner, i);
    if (!subject) continue;
    const e = entry(subject);
    e.entries++;
    const cluster = i.attributes[CLUSTER_ATTRIBUTE];
    if (cluster) locate(e, { region: input.region, cluster });
  }
  return out;
}

function locate(e: OwnedSubject, where: { region?: string; cluster?: string }): void {
  if (where.region === undefined && where.cluster === undefined) return;
  e.unlocated = false;
  e.region ??= where.region;
  e.cluster ??= where.cluster;
}

/** A mark's location, read back or matched against the clusters this stack knows. */
function resolveMark(
  location: MarkLocation,
  region: string,
  knownClusters: readonly string[],
): { region?: string; cluster?: string } {
  if (location.kind === 'plain') return { region: location.region, cluster: location.cluster };
  if (location.kind === 'unknown') return {};
  const at = (cluster: string): TaskLocation => ({ region: markRegion(location) ?? region, cluster });
  const cluster = knownClusters.find((c) => markIsAt(location, at(c)));
  if (cluster) return { region: markRegion(location) ?? region, cluster };
  // A hash matching no cluster we know: the region, if readable, still tells; otherwise only that it is not ours.
  return { region: markRegion(location) ?? `(unknown: not ${region})`, cluster: '(unknown)' };
}

/** Counts entries per subject-kind region, for the region check's message. */
export function regionsOf(subjects: Iterable<OwnedSubject>): Map<string, number> {
  const regions = new Map<string, number>();
  for (const s of subjects) if (s.region) regions.set(s.region, (regions.get(s.region) ?? 0) + s.entries);
  return regions;
}
