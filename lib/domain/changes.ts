import type { CloudMapInstance, DnsRecord } from './records';

/**
 * What the plan asks the providers to do. The type lives below both: lib/plan produces changes, lib/aws applies
 * them, and neither imports the other.
 */
interface Route53ChangeBase {
  provider: 'route53';
  record: DnsRecord;
  subject: string;
  /** Changes with the same group (within a zone) are sent in one Route 53 request, never split. */
  atomicGroup?: string;
}
export type Route53Change =
  | (Route53ChangeBase & { action: 'CREATE' })
  | (Route53ChangeBase & { action: 'DELETE' })
  | (Route53ChangeBase & { action: 'UPDATE'; previous: DnsRecord });

export type CloudMapChange =
  | {
      provider: 'cloudmap';
      action: 'REGISTER';
      instance: CloudMapInstance;
      previous?: CloudMapInstance;
      subject: string;
    }
  | { provider: 'cloudmap'; action: 'DEREGISTER'; instance: CloudMapInstance; subject: string };

export type Change = Route53Change | CloudMapChange;

/**
 * The order changes are applied in, for one plan and for several merged: removals first (a record being replaced
 * frees its key), then updates, then creations. Stable within an action.
 */
const ACTION_ORDER = { DELETE: 0, DEREGISTER: 0, UPDATE: 1, CREATE: 2, REGISTER: 2 } as const;

export const byApplyOrder = (a: Change, b: Change): number => ACTION_ORDER[a.action] - ACTION_ORDER[b.action];
