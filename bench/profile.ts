/** The CPU profile of bench (d): how much of the measured reconcile run's CPU is the plan's. */
import { Session } from 'node:inspector';

/** Measures something around the measured reconcile run (the CPU profile below), its figure in ms. */
export interface RunProbe {
  start(): Promise<void>;
  stop(): Promise<number>;
}

/**
 * A sampling CPU profile (node:inspector) of the measured reconcile run: the time of the samples whose stack holds
 * `planChanges` (lib/plan/plan.ts, the pure diff of desired and current), so the plan's CPU is reported apart from the
 * run's, whose figure includes the fakes and models serving 10,000 tasks. The profile samples every millisecond.
 */
export function planProfiler(): RunProbe {
  const session = new Session();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (err, out) => (err ? reject(err) : resolve(out as T))),
    );
  return {
    async start() {
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 1000 });
      await post('Profiler.start');
    },
    async stop() {
      const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
      session.disconnect();
      return msInside(profile, 'planChanges');
    },
  };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of the samples taken while `name` was on the stack (inclusive time). */
function msInside(profile: CpuProfile, name: string): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inside = new Set<number>();
  const mark = (id: number) => {
    if (inside.has(id)) return;
    inside.add(id);
    for (const c of byId.get(id)?.children ?? []) mark(c);
  };
  for (const n of profile.nodes) if (n.callFrame.functionName === name) mark(n.id);
  let us = 0;
  for (const [i, id] of profile.samples.entries()) if (inside.has(id)) us += profile.timeDeltas[i] ?? 0;
  return Math.round(us / 1000);
}
