import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { mockClient } from 'aws-sdk-client-mock';
import type { Timing } from '../lib/aws/backoff';
import type { AwsClients } from '../lib/aws/clients';
import type { Settings } from '../lib/config/settings';
import { createEngineDeps } from '../lib/engine/deps';
import { silentLog } from '../lib/observability/log';
import { FakeCloudMap } from './fake-cloudmap';
import { FakeEc2 } from './fake-ec2';
import { FakeEcs } from './fake-ecs';
import { FakeElbv2 } from './fake-elbv2';
import { FakeRoute53 } from './fake-route53';

/** Virtual time: sleeping advances the clock instantly, so retries and rate limits cost nothing in tests. */
export function virtualTiming(start = Date.parse('2026-11-24T10:00:00Z')): Timing {
  let now = start;
  return {
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      now += ms;
    },
  };
}

export const ZONE_ID = 'ZFAKE0000000001';
export const OTHER_ZONE_ID = 'ZFAKE0000000002';
export const CLOUDMAP_SERVICE = 'srv-web0000000000001';

/**
 * The faithful fakes installed behind the real SDK clients (aws-sdk-client-mock), with the registrar's dependencies
 * built on those clients exactly as in Lambda. Call `reset()` in beforeEach; `deps()` builds a fresh "container".
 */
export class FakeWorld {
  readonly mocks = {
    ecs: mockClient(ECSClient),
    ec2: mockClient(EC2Client),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    route53: mockClient(Route53Client),
    sd: mockClient(ServiceDiscoveryClient),
  };
  ecs = new FakeEcs();
  ec2 = new FakeEc2();
  elbv2 = new FakeElbv2();
  route53 = new FakeRoute53();
  cloudMap = new FakeCloudMap();
  timing = virtualTiming();

  reset(): void {
    for (const m of Object.values(this.mocks)) m.reset();
    this.ecs = new FakeEcs();
    this.ec2 = new FakeEc2();
    this.elbv2 = new FakeElbv2();
    this.route53 = new FakeRoute53();
    this.cloudMap = new FakeCloudMap();
    this.timing = virtualTiming();
    this.ecs.install(this.mocks.ecs);
    this.ec2.install(this.mocks.ec2);
    this.elbv2.install(this.mocks.elbv2);
    this.route53.install(this.mocks.route53);
    this.cloudMap.install(this.mocks.sd);
    this.route53.addZone({ id: ZONE_ID, name: 'example.com' });
    this.route53.addZone({ id: OTHER_ZONE_ID, name: 'example.org' });
    this.cloudMap.addNamespace({ id: 'ns-fake000000000001', name: 'svc.local' });
    this.cloudMap.addService({ id: CLOUDMAP_SERVICE, name: 'web', namespaceId: 'ns-fake000000000001' });
    this.ecs.addCluster('prod');
  }

  clients(): AwsClients {
    return {
      ecs: new ECSClient({ region: 'us-east-1' }),
      ec2: new EC2Client({ region: 'us-east-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      route53: new Route53Client({ region: 'us-east-1' }),
      serviceDiscovery: new ServiceDiscoveryClient({ region: 'us-east-1' }),
    };
  }

  settings(overrides: Partial<Settings> = {}): Settings {
    return {
      hostedZoneIds: [ZONE_ID, OTHER_ZONE_ID],
      ownerId: 'test-owner',
      defaultTtl: 60,
      clusters: [],
      cloudMapServiceIds: [CLOUDMAP_SERVICE],
      maxDeletePercent: 50,
      ...overrides,
    };
  }

  /** A new Lambda container's worth of dependencies (empty caches and ledger). */
  deps(overrides: Partial<Settings> = {}) {
    return createEngineDeps({
      settings: this.settings(overrides),
      clients: this.clients(),
      log: silentLog,
      timing: this.timing,
      route53RequestsPerSecond: 1000,
    });
  }

  /** A Fargate task definition opted in with `labels`, container `web` on port 8080 (named http). */
  webTaskDefinition(family = 'web', labels: Record<string, string> = { 'ecs-registrar.name': 'web' }): string {
    return this.ecs.registerTaskDefinition({
      family,
      networkMode: 'awsvpc',
      containerDefinitions: [
        { name: 'web', image: 'web:1', dockerLabels: labels, portMappings: [{ containerPort: 8080, name: 'http' }] },
      ],
    }).taskDefinitionArn!;
  }

  /** Runs a Fargate task of service `service` in cluster `prod` to RUNNING; returns its ARN. */
  runningTask(taskDefinition: string, ip: string, service = 'web'): string {
    return this.runningTaskIn('prod', taskDefinition, ip, `service:${service}`);
  }

  /** Runs a Fargate task in `cluster`, task group `group` (`service:<name>` or `family:<name>`), to RUNNING. */
  runningTaskIn(cluster: string, taskDefinition: string, ip: string, group: string): string {
    const arn = this.ecs.runTask({ cluster, taskDefinition, group, networking: { privateIpv4: ip } });
    this.ecs.setStatus(arn, 'RUNNING');
    return arn;
  }

  /** The fake's pending events as SQS-style inputs. */
  takeInputs(): { id: string; body: string }[] {
    return this.ecs.takeEvents().map((e, i) => ({ id: `${e.id}#${i}`, body: JSON.stringify(e) }));
  }

  ownedRecords(zoneId = ZONE_ID) {
    return this.route53.records(zoneId).filter((r) => r.SetIdentifier?.startsWith('ecs-registrar:'));
  }
}

/** The environment the real sync handler reads, pointed at the fake world's zones (its clients are the fakes). */
export function setSyncHandlerEnv(extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    REGISTRAR_HOSTED_ZONE_IDS: `${ZONE_ID},${OTHER_ZONE_ID}`,
    REGISTRAR_OWNER_ID: 'test-owner',
    REGISTRAR_CLOUDMAP_SERVICE_IDS: '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...extra,
  });
}
