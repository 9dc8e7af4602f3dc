import { BoundedCache } from '../domain/bounded-cache';

/**
 * What this container has already applied, per task: the highest `detail.version` whose changes all succeeded, and
 * whether that was the task's stop. It lets duplicates and stale events cost no AWS call at all.
 *
 * It is a cache, not the source of truth: a new container starts empty. Correctness without it comes from two other
 * places: ECS itself (a RUNNING event is only applied after DescribeTasks confirms the task is not stopping, and a
 * stop is final in the ECS lifecycle), and the current Route 53 / Cloud Map state, which every plan is diffed against
 * (so a duplicate that reaches a cold container costs reads but writes nothing).
 */
export interface AppliedState {
  version: number;
  stopped: boolean;
}

export class VersionLedger {
  private readonly applied: BoundedCache<string, AppliedState>;

  constructor(maxTasks = 100_000) {
    this.applied = new BoundedCache(maxTasks);
  }

  get(taskArn: string): AppliedState | undefined {
    return this.applied.get(taskArn);
  }

  /** Why an event needs no work, or undefined when it must be processed. */
  skipReason(taskArn: string, version: number | undefined, stopping: boolean): string | undefined {
    const seen = this.applied.get(taskArn);
    if (!seen) return undefined;
    if (seen.stopped) return `the task's stop (version ${seen.version}) was already applied`;
    if (stopping) return undefined; // a stop is always applied, whatever its version says
    if (version !== undefined && version <= seen.version) {
      return version === seen.version
        ? `duplicate of version ${version}, already applied`
        : `version ${version} is older than applied version ${seen.version}`;
    }
    return undefined;
  }

  record(taskArn: string, version: number | undefined, stopped: boolean): void {
    const seen = this.applied.get(taskArn);
    const v = Math.max(version ?? -1, seen?.version ?? -1);
    this.applied.set(taskArn, { version: v, stopped: stopped || Boolean(seen?.stopped) });
  }
}
