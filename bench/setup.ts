/**
 * What every bench process shares: the simulated start time, the registrar's settings and its Timing on virtual
 * time. Kept apart from scenarios.ts so the process that measures a reconcile (reconcile-process.ts) loads only the
 * registrar and the models, never the fakes.
 */
import type { Timing } from '../lib/aws/backoff';
import type { Settings } from '../lib/config/settings';
import type { VirtualTime } from './virtual-time';

export const START = Date.parse('2026-11-24T10:00:00Z');
export const OWNER = 'bench-owner';
/** functions/sync.ts: the deadline is the remaining time minus REGISTRAR_DEADLINE_MARGIN_MS (default 3 s). */
export const DEADLINE_MARGIN_MS = 3_000;

/** The registrar's settings in every scenario: one zone, every cluster, no Cloud Map, no deletion guard. */
export function benchSettings(zoneId: string): Settings {
  return {
    hostedZoneIds: [zoneId],
    ownerId: OWNER,
    defaultTtl: 60,
    clusters: [],
    cloudMapServiceIds: [],
    maxDeletePercent: 100,
  };
}

/**
 * The registrar's Timing on virtual time. realTiming would do for sleep and now (timers and Date are virtual), but it
 * captured the real Math.random when it was loaded, and its jitter would make two runs differ.
 */
export function timingOf(vt: VirtualTime): Timing {
  return { sleep: (ms) => vt.sleep(ms), now: () => vt.now, random: () => vt.random() };
}
