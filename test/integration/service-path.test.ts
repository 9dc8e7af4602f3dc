import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { main } from '../../cli/ecs-registrar';
import { serviceApiCall } from '../../testkit/cloudtrail-events';
import { coldSyncHandler, lambdaContext, sqsBatch } from '../../testkit/ecs-events';
import { type MotoServer, startMoto } from '../../testkit/moto';
import {
  createAlbWithTargetGroup,
  createZone,
  listRecords,
  type MotoClients,
  motoClients,
  putRecord,
} from '../../testkit/moto-world';

jest.setTimeout(120_000);

const OWNER = 'it-stack';

describe('service path on moto: CloudTrail Create/Update/DeleteService -> alias records to the ALB', () => {
  let moto: MotoServer;
  let c: MotoClients;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let zoneId: string;
  let alb: LoadBalancer;
  let targetGroupArn: string;
  const foreign: ResourceRecordSet = {
    Name: 'api.example.com.',
    Type: 'TXT',
    TTL: 300,
    ResourceRecords: [{ Value: '"owned by the payments team"' }],
  };
  const foreignElsewhere: ResourceRecordSet = {
    Name: 'www.example.com.',
    Type: 'A',
    TTL: 300,
    ResourceRecords: [{ Value: '192.0.2.80' }],
  };

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    c = motoClients();
    ecs = new ECSClient({ region: 'us-east-1' });
    elb = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
    zoneId = await createZone(c, 'example.com');
    await putRecord(c, zoneId, foreign);
    await putRecord(c, zoneId, foreignElsewhere);
    Object.assign(process.env, {
      REGISTRAR_HOSTED_ZONE_IDS: zoneId,
      REGISTRAR_OWNER_ID: OWNER,
      REGISTRAR_DEFAULT_TTL: '30',
      REGISTRAR_CLOUDMAP_SERVICE_IDS: '',
      REGISTRAR_CLUSTERS: '',
    });

    // An ALB with a target group and a listener (moto shows the target group's LoadBalancerArns once a listener exists).
    ({ alb, targetGroupArn } = await createAlbWithTargetGroup(elb, new EC2Client({ region: 'us-east-1' }), {
      alb: 'web-alb',
      targetGroup: 'web-api',
    }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web-api',
        networkMode: 'awsvpc',
        containerDefinitions: [
          {
            name: 'web',
            image: 'public.ecr.aws/nginx/nginx:latest',
            memory: 256,
            portMappings: [{ containerPort: 8080 }],
          },
        ],
      }),
    );
  });

  /** CreateService on moto, and the CloudTrail event that call produces. */
  async function createService(
    tags: Record<string, string>,
  ): Promise<{ service: Service; event: Record<string, unknown> }> {
    const request = {
      cluster: 'prod',
      serviceName: 'web-api',
      taskDefinition: 'web-api',
      desiredCount: 2,
      loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 8080 }],
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    };
    const service = (await ecs.send(new CreateServiceCommand(request))).service!;
    return { service, event: serviceApiCall('CreateService', request, service) };
  }

  const owned = (records: ResourceRecordSet[]) =>
    records.filter((r) => r.AliasTarget || r.SetIdentifier?.startsWith(`ecs-registrar:${OWNER}:`));

  test('CreateService -> alias A to the ALB and its ownership record; a rename moves them; DeleteService removes them', async () => {
    // Prepare
    const { service, event } = await createService({ 'ecs-registrar:alias': 'api', team: 'payments' });
    // moto's DescribeServices (include TAGS) returns the tags: the registrar reads them from there, not the event.
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: 'prod', services: ['web-api'], include: ['TAGS'] }),
    );
    expect(described.services?.[0]?.tags).toContainEqual({ key: 'ecs-registrar:alias', value: 'api' });

    // Act
    const created = await coldSyncHandler()(sqsBatch([event]), lambdaContext);

    // Assess: the alias points at the load balancer's DNS name with its canonical zone id; the ownership record exists
    expect(created.batchItemFailures).toEqual([]);
    const records = await listRecords(c, zoneId);
    expect(records.filter((r) => r.Name === 'api.example.com.' && r.Type === 'A')).toEqual([
      {
        Name: 'api.example.com.',
        Type: 'A',
        TTL: 0, // moto reports TTL 0 on alias records (real Route 53 omits it)
        AliasTarget: {
          DNSName: `${alb.DNSName!.toLowerCase()}.`,
          HostedZoneId: alb.CanonicalHostedZoneId,
          EvaluateTargetHealth: false,
        },
      },
    ]);
    expect(alb.CanonicalHostedZoneId).toBe('Z2P70J7EXAMPLE');
    expect(records.filter((r) => r.Name === 'api._ecs-registrar.example.com.')).toEqual([
      {
        Name: 'api._ecs-registrar.example.com.',
        Type: 'TXT',
        SetIdentifier: `ecs-registrar:${OWNER}:service/prod/web-api`,
        MultiValueAnswer: true,
        TTL: 30,
        ResourceRecords: [{ Value: `"heritage=ecs-registrar,owner=${OWNER},service=prod/web-api,types=A"` }],
      },
    ]);
    expect(records).toEqual(expect.arrayContaining([foreign, foreignElsewhere]));

    // Act: the alias tag changes (TagResource), then an UpdateService; the event carries no tags
    await ecs.send(
      new TagResourceCommand({ resourceArn: service.serviceArn, tags: [{ key: 'ecs-registrar:alias', value: 'app' }] }),
    );
    const updated = (await ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web-api', desiredCount: 3 })))
      .service!;
    const renamed = await coldSyncHandler()(
      sqsBatch([
        serviceApiCall('UpdateService', { cluster: 'prod', service: service.serviceArn, desiredCount: 3 }, updated),
      ]),
      lambdaContext,
    );

    // Assess: the old name's records are gone, the new name has them
    expect(renamed.batchItemFailures).toEqual([]);
    const afterRename = await listRecords(c, zoneId);
    expect(
      owned(afterRename)
        .map((r) => `${r.Name} ${r.Type}`)
        .sort(),
    ).toEqual(['app._ecs-registrar.example.com. TXT', 'app.example.com. A']);

    // Act: DeleteService (cluster by ARN, service by name)
    const deleted = (await ecs.send(new DeleteServiceCommand({ cluster: 'prod', service: 'web-api', force: true })))
      .service!;
    const removal = await coldSyncHandler()(
      sqsBatch([
        serviceApiCall('DeleteService', { cluster: service.clusterArn, service: 'web-api', force: true }, deleted),
      ]),
      lambdaContext,
    );

    // Assess: both the alias and the ownership record are gone; the foreign records are byte-identical
    expect(removal.batchItemFailures).toEqual([]);
    const after = await listRecords(c, zoneId);
    expect(owned(after)).toEqual([]);
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining([foreign, foreignElsewhere]));
  });

  test('the CLI sync accepts CloudTrail service events and applies them like the function does', async () => {
    // Prepare
    const { event } = await createService({ 'ecs-registrar:alias': 'api' });
    const dir = mkdtempSync(join(tmpdir(), 'ecs-registrar-'));
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify([event]));
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });

    // Act
    let code: number;
    try {
      code = await main(['sync', '--events', file, '--json']);
    } finally {
      write.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(out.join('')) as { items: { status: string; subject: string }[] };
    expect(report.items).toEqual([expect.objectContaining({ status: 'applied', subject: 'service:prod/web-api' })]);
    const records = await listRecords(c, zoneId);
    expect(
      owned(records)
        .map((r) => `${r.Name} ${r.Type}`)
        .sort(),
    ).toEqual(['api._ecs-registrar.example.com. TXT', 'api.example.com. A']);
  });
});
