import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
  ListServicesCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { clusterNameOf } from '../events/arn';
import { AwsReadError, errorCode } from './errors';

/** What the registrar needs to know about an ECS service, from DescribeServices (include TAGS). */
export interface ServiceView {
  serviceArn?: string;
  serviceName: string;
  clusterName: string;
  /** `ACTIVE`, `DRAINING` (being deleted) or `INACTIVE` (deleted). */
  status: string;
  /** Tags by key; undefined when the response carried no tags field at all (tags unknown, not "no tags"). */
  tags?: Record<string, string>;
  /** ALB/NLB entries carry targetGroupArn; a Classic load balancer only loadBalancerName. */
  loadBalancers: { targetGroupArn?: string; loadBalancerName?: string }[];
}

export function serviceView(s: Service, clusterName: string): ServiceView {
  return {
    serviceArn: s.serviceArn,
    serviceName: s.serviceName ?? s.serviceArn?.split('/').pop() ?? '',
    clusterName: s.clusterArn ? clusterNameOf(s.clusterArn) : clusterName,
    status: s.status ?? 'ACTIVE',
    tags: s.tags ? Object.fromEntries(s.tags.filter((t) => t.key).map((t) => [t.key!, t.value ?? ''])) : undefined,
    loadBalancers: (s.loadBalancers ?? []).map((lb) => ({
      targetGroupArn: lb.targetGroupArn || undefined,
      loadBalancerName: lb.loadBalancerName || undefined,
    })),
  };
}

/** DescribeServices takes at most 10 services per call (aws-facts.md §2). */
const MAX_SERVICES_PER_CALL = 10;

export interface DescribedServices {
  services: ServiceView[];
  /** Names ECS does not know (failures with reason MISSING, or the whole cluster gone). */
  missing: string[];
}

/** DescribeServices for the service path and the reconciler. A read error throws AwsReadError: never "no service". */
export class EcsServiceReader {
  constructor(private readonly ecs: ECSClient) {}

  async describeServices(cluster: string, serviceNames: readonly string[]): Promise<DescribedServices> {
    const out: DescribedServices = { services: [], missing: [] };
    const names = [...new Set(serviceNames)];
    for (let i = 0; i < names.length; i += MAX_SERVICES_PER_CALL) {
      const chunk = names.slice(i, i + MAX_SERVICES_PER_CALL);
      let res: DescribeServicesCommandOutput;
      try {
        res = await this.ecs.send(new DescribeServicesCommand({ cluster, services: chunk, include: ['TAGS'] }));
      } catch (err) {
        // A deleted cluster has no services: that is an answer, not a failed read.
        if (errorCode(err) === 'ClusterNotFoundException') {
          out.missing.push(...chunk);
          continue;
        }
        throw AwsReadError.wrap('ecs', 'DescribeServices', err);
      }
      const found = new Set<string>();
      for (const s of res.services ?? []) {
        const view = serviceView(s, clusterNameOf(cluster));
        found.add(view.serviceName);
        out.services.push(view);
      }
      for (const name of chunk) if (!found.has(name)) out.missing.push(name);
    }
    return out;
  }

  /** The names of every service of a cluster (ListServices, every page of 100; the default page is 10). */
  async listServiceNames(cluster: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.ecs.send(new ListServicesCommand({ cluster, maxResults: 100, nextToken }));
        for (const arn of out.serviceArns ?? []) names.push(arn.split('/').pop() ?? arn);
        nextToken = out.nextToken;
      } catch (err) {
        throw AwsReadError.wrap('ecs', 'ListServices', err);
      }
    } while (nextToken);
    return names;
  }
}
