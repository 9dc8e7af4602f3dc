import { type EvalContext, makeContext } from './intrinsics';
import type { Template } from './types';

/**
 * Sample parameter values the rules evaluate the template with. Zone ids, domains and service ids are recognisable
 * probes, so a rule can tell "this ARN came from HostedZoneIds" from "this ARN is something else".
 */
export const PROBE_ZONES = ['ZPROBEZONE1', 'ZPROBEZONE2'];
export const PROBE_DOMAINS = ['probe-one.example', 'sub.probe-two.example'];
export const PROBE_CLOUDMAP_SERVICES = ['srv-probe1', 'srv-probe2'];
export const PROBE_CLOUDMAP_ZONES = ['ZPROBECLOUDMAP1'];
export const PROBE_ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:probe-alarms';

/** Only the required parameters set: Cloud Map, cluster filter and alarm topic at their (empty) defaults. */
export const MINIMAL_PARAMETERS: Record<string, string | string[]> = {
  HostedZoneIds: PROBE_ZONES,
  WritableDomains: PROBE_DOMAINS,
};

/** Every optional feature switched on. */
export const FULL_PARAMETERS: Record<string, string | string[]> = {
  ...MINIMAL_PARAMETERS,
  OwnerId: 'probe-owner',
  Clusters: ['probe-cluster-a', 'probe-cluster-b'],
  CloudMapServiceIds: PROBE_CLOUDMAP_SERVICES,
  CloudMapHostedZoneIds: PROBE_CLOUDMAP_ZONES,
  AlarmTopicArn: PROBE_ALARM_TOPIC,
};

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

export interface ProbeContext {
  label: string;
  ctx: EvalContext;
}

/** The parameter sets times the partitions: every rule that evaluates the template runs against each. */
export function probeContexts(template: Template): ProbeContext[] {
  const out: ProbeContext[] = [];
  for (const [name, params] of [
    ['minimal parameters', MINIMAL_PARAMETERS],
    ['all features on', FULL_PARAMETERS],
  ] as const) {
    for (const partition of PARTITIONS) {
      out.push({
        label: `${name}, partition ${partition}`,
        ctx: makeContext(template, params, {
          partition,
          region: partition === 'aws-cn' ? 'cn-north-1' : partition === 'aws-us-gov' ? 'us-gov-west-1' : 'us-east-1',
        }),
      });
    }
  }
  return out;
}
