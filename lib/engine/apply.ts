import type { CloudMapOutcome, CloudMapWriter } from '../aws/cloudmap';
import type { ChangeOutcome, Route53Writer } from '../aws/route53-writer';
import { instanceKey, recordKey } from '../domain/records';
import type { Change, CloudMapChange, Plan, Route53Change } from '../plan/plan';

export interface AppliedChange {
  provider: Change['provider'];
  action: Change['action'];
  key: string;
  subject: string;
  status: 'applied' | 'rejected' | 'failed' | 'planned';
  code?: string;
  message?: string;
  /** Record or instance as written (for the CLI output and the reconcile report). */
  detail: string;
}

export function describeChange(c: Change): { key: string; detail: string } {
  if (c.provider === 'route53') {
    const r = c.record;
    const value = r.alias ? `ALIAS ${r.alias.dnsName}` : (r.values ?? []).join(',');
    const before =
      c.action === 'UPDATE'
        ? ` (was ${c.previous.alias ? `ALIAS ${c.previous.alias.dnsName}` : (c.previous.values ?? []).join(',')} ttl ${c.previous.ttl})`
        : '';
    return { key: recordKey(r), detail: `${r.name} ${r.type} ${value} ttl ${r.ttl ?? '-'}${before}` };
  }
  const i = c.instance;
  const ip = i.attributes.AWS_INSTANCE_IPV4 ?? i.attributes.AWS_INSTANCE_IPV6 ?? '';
  const port = i.attributes.AWS_INSTANCE_PORT ? `:${i.attributes.AWS_INSTANCE_PORT}` : '';
  return { key: instanceKey(i), detail: `${i.serviceId}/${i.instanceId} ${ip}${port}` };
}

/** Applies a plan through both writers in parallel (or only describes it on a dry run). */
export async function applyPlan(
  plan: Plan,
  writers: { route53: Route53Writer; cloudMap: CloudMapWriter },
  dryRun = false,
): Promise<AppliedChange[]> {
  if (dryRun) return plan.changes.map((c) => ({ ...base(c), status: 'planned' }));
  const r53 = plan.changes.filter((c): c is Route53Change => c.provider === 'route53');
  const cm = plan.changes.filter((c): c is CloudMapChange => c.provider === 'cloudmap');
  const [a, b] = await Promise.all([writers.route53.apply(r53), writers.cloudMap.apply(cm)]);
  return [...a, ...b].map((o: ChangeOutcome<Change> | CloudMapOutcome) => ({
    ...base(o.change),
    status: o.status,
    code: o.code,
    message: o.message,
  }));
}

function base(c: Change): Omit<AppliedChange, 'status'> {
  return { provider: c.provider, action: c.action, subject: c.subject, ...describeChange(c) };
}
