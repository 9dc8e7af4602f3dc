import type { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';

export interface AwsClients {
  ecs: ECSClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  serviceDiscovery: ServiceDiscoveryClient;
}

/** AWS calls made, by `service:Operation`: the unit of cost the registrar is measured in. */
export class CallCounter {
  readonly counts = new Map<string, number>();
  add(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  total(prefix = ''): number {
    let n = 0;
    for (const [k, v] of this.counts) if (k.startsWith(prefix)) n += v;
    return n;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
  reset(): void {
    this.counts.clear();
  }
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

function countCalls(client: MiddlewareClient, service: string, counter: CallCounter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counter.add(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'ecsRegistrarCallCounter' },
  );
}

/**
 * The real SDK v3 clients, configured only by the standard environment (region, credentials, AWS_ENDPOINT_URL,
 * AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), so the same code runs in Lambda, in the CLI and against moto. Build them once
 * per Lambda container. Route 53 is global: its client needs a region only to sign, so one is defaulted.
 *
 * EC2, ELBv2 and Cloud Map are created on first use: the EC2 client alone is most of the bundle's import time, and
 * only bridge/host-mode tasks, public IPs, service aliases and Cloud Map registrations need those three.
 */
export function createAwsClients(counter?: CallCounter): AwsClients {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const counted = <C>(client: C, service: string): C => {
    if (counter) countCalls(client as unknown as MiddlewareClient, service, counter);
    return client;
  };
  let ec2: EC2Client | undefined;
  let elbv2: ElasticLoadBalancingV2Client | undefined;
  let serviceDiscovery: ServiceDiscoveryClient | undefined;
  return {
    ecs: counted(new ECSClient({ region }), 'ecs'),
    route53: counted(new Route53Client({ region: region ?? 'us-east-1' }), 'route53'),
    get ec2() {
      // A require() inside the getter keeps esbuild from evaluating the module until it is needed.
      ec2 ??= counted(
        new (require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')).EC2Client({ region }),
        'ec2',
      );
      return ec2;
    },
    get elbv2() {
      elbv2 ??= counted(
        new (
          require('@aws-sdk/client-elastic-load-balancing-v2') as typeof import('@aws-sdk/client-elastic-load-balancing-v2')
        ).ElasticLoadBalancingV2Client({ region }),
        'elbv2',
      );
      return elbv2;
    },
    get serviceDiscovery() {
      serviceDiscovery ??= counted(
        new (
          require('@aws-sdk/client-servicediscovery') as typeof import('@aws-sdk/client-servicediscovery')
        ).ServiceDiscoveryClient({ region }),
        'servicediscovery',
      );
      return serviceDiscovery;
    },
  };
}
