import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';

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
 */
export function createAwsClients(counter?: CallCounter): AwsClients {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const clients: AwsClients = {
    ecs: new ECSClient({ region }),
    ec2: new EC2Client({ region }),
    elbv2: new ElasticLoadBalancingV2Client({ region }),
    route53: new Route53Client({ region: region ?? 'us-east-1' }),
    serviceDiscovery: new ServiceDiscoveryClient({ region }),
  };
  if (counter) {
    countCalls(clients.ecs as unknown as MiddlewareClient, 'ecs', counter);
    countCalls(clients.ec2 as unknown as MiddlewareClient, 'ec2', counter);
    countCalls(clients.elbv2 as unknown as MiddlewareClient, 'elbv2', counter);
    countCalls(clients.route53 as unknown as MiddlewareClient, 'route53', counter);
    countCalls(clients.serviceDiscovery as unknown as MiddlewareClient, 'servicediscovery', counter);
  }
  return clients;
}
