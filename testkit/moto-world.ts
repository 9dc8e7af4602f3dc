import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  CreateHttpNamespaceCommand,
  CreateServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';

/** SDK clients for arranging and inspecting a moto world (the code under test builds its own from the environment). */
export function motoClients() {
  return {
    ecs: new ECSClient({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
    route53: new Route53Client({ region: 'us-east-1' }),
    sd: new ServiceDiscoveryClient({ region: 'us-east-1' }),
  };
}
export type MotoClients = ReturnType<typeof motoClients>;

export async function createZone(c: MotoClients, name: string): Promise<string> {
  const out = await c.route53.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}-${Math.random()}` }),
  );
  return out.HostedZone!.Id!.replace('/hostedzone/', '');
}

export async function createCloudMapService(c: MotoClients, namespace: string, service: string): Promise<string> {
  await c.sd.send(new CreateHttpNamespaceCommand({ Name: namespace }));
  const ns = (await c.sd.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === namespace)!;
  const out = await c.sd.send(new CreateServiceCommand({ Name: service, NamespaceId: ns.Id }));
  return out.Service!.Id!;
}

export async function listRecords(c: MotoClients, zoneId: string): Promise<ResourceRecordSet[]> {
  const out = await c.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? []).filter((r) => r.Type !== 'SOA' && r.Type !== 'NS');
}

export async function listInstances(c: MotoClients, serviceId: string) {
  return (await c.sd.send(new ListInstancesCommand({ ServiceId: serviceId }))).Instances ?? [];
}

export async function putRecord(c: MotoClients, zoneId: string, record: ResourceRecordSet): Promise<void> {
  await c.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: record }] },
    }),
  );
}

export interface EcsWorld {
  cluster: string;
  subnet: string;
  securityGroup: string;
  containerInstanceArn?: string;
  hostPrivateIp?: string;
}

export async function createEcsWorld(
  c: MotoClients,
  cluster: string,
  withContainerInstance = false,
): Promise<EcsWorld> {
  await c.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const subnet = (await c.ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.SubnetId!;
  const securityGroup = (await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups![0]!.GroupId!;
  const world: EcsWorld = { cluster, subnet, securityGroup };
  if (withContainerInstance) {
    const inst = (
      await c.ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, SubnetId: subnet }))
    ).Instances![0]!;
    const doc = JSON.stringify({ instanceId: inst.InstanceId, region: 'us-east-1', availabilityZone: 'us-east-1a' });
    const ci = await c.ecs.send(
      new RegisterContainerInstanceCommand({
        cluster,
        instanceIdentityDocument: doc,
        instanceIdentityDocumentSignature: 'sig',
      }),
    );
    world.containerInstanceArn = ci.containerInstance!.containerInstanceArn!;
    world.hostPrivateIp = inst.PrivateIpAddress!;
  }
  return world;
}

export async function registerTaskDefinition(
  c: MotoClients,
  family: string,
  networkMode: 'awsvpc' | 'bridge' | 'host',
  containers: {
    name: string;
    labels: Record<string, string>;
    ports: { containerPort: number; hostPort?: number; name?: string }[];
    /** Give the container a health check (ECS then reports its healthStatus). */
    healthCheck?: boolean;
    stopTimeout?: number;
  }[],
): Promise<string> {
  const out = await c.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode,
      requiresCompatibilities: networkMode === 'awsvpc' ? ['FARGATE'] : ['EC2'],
      cpu: '256',
      memory: '512',
      containerDefinitions: containers.map((ct) => ({
        name: ct.name,
        image: 'public.ecr.aws/nginx/nginx:latest',
        memory: 256,
        dockerLabels: ct.labels,
        portMappings: ct.ports.map((p) => ({
          containerPort: p.containerPort,
          hostPort: p.hostPort,
          name: p.name,
          protocol: 'tcp',
        })),
        ...(ct.healthCheck ? { healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] } } : {}),
        ...(ct.stopTimeout !== undefined ? { stopTimeout: ct.stopTimeout } : {}),
      })),
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

export async function runFargateTasks(
  c: MotoClients,
  world: EcsWorld,
  taskDefinition: string,
  service: string,
  count: number,
): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < count; i++) {
    const out = await c.ecs.send(
      new RunTaskCommand({
        cluster: world.cluster,
        taskDefinition,
        launchType: 'FARGATE',
        group: `service:${service}`,
        startedBy: 'ecs-svc/1234567890',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [world.subnet], securityGroups: [world.securityGroup] },
        },
      }),
    );
    tasks.push(out.tasks![0]!);
  }
  return describe(
    c,
    world.cluster,
    tasks.map((t) => t.taskArn!),
  );
}

export async function runBridgeTask(
  c: MotoClients,
  world: EcsWorld,
  taskDefinition: string,
  group: string,
): Promise<Task> {
  const out = await c.ecs.send(
    new RunTaskCommand({ cluster: world.cluster, taskDefinition, launchType: 'EC2', group }),
  );
  return (await describe(c, world.cluster, [out.tasks![0]!.taskArn!]))[0]!;
}

export async function describe(c: MotoClients, cluster: string, taskArns: string[]): Promise<Task[]> {
  return (await c.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
}

export async function stopTasks(c: MotoClients, cluster: string, taskArns: string[]): Promise<Task[]> {
  for (const task of taskArns) await c.ecs.send(new StopTaskCommand({ cluster, task, reason: 'test' }));
  return describe(c, cluster, taskArns);
}

/**
 * An internal ALB in the default VPC's first two subnets, an IP target group on port 8080 and an HTTP listener on 80
 * (moto shows the target group's LoadBalancerArns only once a listener exists).
 */
export async function createAlbWithTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  ec2: EC2Client,
  names: { alb: string; targetGroup: string },
): Promise<{ alb: LoadBalancer; targetGroupArn: string }> {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
  const alb = (
    await elb.send(
      new CreateLoadBalancerCommand({
        Name: names.alb,
        Subnets: [subnets[0]!.SubnetId!, subnets[1]!.SubnetId!],
        Scheme: 'internal',
      }),
    )
  ).LoadBalancers![0]!;
  const targetGroupArn = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: names.targetGroup,
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: subnets[0]!.VpcId,
        TargetType: 'ip',
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: alb.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  return { alb, targetGroupArn };
}

export type ContainerHealth = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/**
 * moto cannot run health checks: it describes every container HEALTHY, whatever its definition says. This gives the
 * registrar's ECS client the health a test sets, per task id and container name, on DescribeTasks answers only;
 * everything else in them (status, addresses, task definition) stays moto's. Returns the map to change between steps.
 */
export function withContainerHealth(ecs: ECSClient): Map<string, ContainerHealth> {
  const health = new Map<string, ContainerHealth>();
  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'DescribeTasksCommand') return result;
      const output = result.output as { tasks?: Task[] };
      for (const task of output.tasks ?? []) {
        const id = task.taskArn?.split('/').pop() ?? '';
        for (const container of task.containers ?? []) {
          const set = health.get(`${id}/${container.name}`);
          if (set) container.healthStatus = set;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'testContainerHealth' },
  );
  return health;
}

/** The registrar's stack settings for a test on moto: one zone, a fixed owner, a 30 s TTL, no Cloud Map; `extra` on top. */
export function setRegistrarEnv(zoneId: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    REGISTRAR_HOSTED_ZONE_IDS: zoneId,
    REGISTRAR_OWNER_ID: 'it-stack',
    REGISTRAR_DEFAULT_TTL: '30',
    REGISTRAR_CLOUDMAP_SERVICE_IDS: '',
    ...extra,
  });
}
