import type { TaskSpecs } from '../engine/task-registrations';
import type { TaskFact } from '../events/task-fact';

/**
 * One task of an event batch while stages still work on it. Immutable: a stage that learns something (the labels, ECS's
 * fact) returns a new value, so no stage can see another's half-finished state.
 */
export interface OpenTask {
  /** Region/cluster/task id (collapse.ts: ledgerKey). */
  readonly key: string;
  readonly fact: TaskFact;
  /** The input whose event won the collapse; it carries the task's verdict. */
  readonly winnerId: string;
  /** The task definition's registrations, once read (labels.ts). */
  readonly specs?: TaskSpecs;
  /** Set when the event claimed a stop ECS contradicts: the batch acts on ECS's fact, and the event ends stale. */
  readonly unconfirmed?: string;
  /**
   * Looked up because its container instance turned DRAINING (drain.ts), not named by a task event: no version of its
   * own says anything new, so the ledger does not skip it.
   */
  readonly drained?: boolean;
}

/** An open task whose registrations are known (stages after the label read see only these). */
export type SpecifiedTask = OpenTask & { readonly specs: TaskSpecs };
