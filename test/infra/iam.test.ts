import { resolve } from 'node:path';
import { loadTemplate } from '../../tools/template-check';
import { evaluate, makeContext } from '../../tools/template-check/intrinsics';
import { FULL_PARAMETERS, MINIMAL_PARAMETERS, PROBE_ZONES } from '../../tools/template-check/probes';
import { sdkCalls } from '../../tools/template-check/sdk-calls';
import { isObject, type Json, type JsonObject, type Template } from '../../tools/template-check/types';

/**
 * One role per function, each with only what its code calls. The SDK commands come from the sources
 * (tools/template-check/sdk-calls.ts: every `new ...Command(` in lib/aws, attributed through the call graph to the
 * functions whose bundle calls them); this table maps each to the IAM actions it needs. The test fails when lib/aws
 * sends a command the table lacks, when the table lists a command nothing sends, and when a role's evaluated policy
 * grants an action its function does not need or lacks one it does.
 */

const root = resolve(__dirname, '..', '..');
const template = loadTemplate(resolve(root, 'template.yaml'));

const ROUTE53 = '@aws-sdk/client-route-53';
const SD = '@aws-sdk/client-servicediscovery';
/** Cloud Map acts on Route 53 (and EC2) with the caller's credentials (aws-facts.md section 4, API permissions). */
const CLOUDMAP_DNS = ['route53:ChangeResourceRecordSets', 'route53:GetHealthCheck', 'route53:UpdateHealthCheck'];

type Scope = 'always' | 'cloudMap' | 'cloudMapDns' | 'allClusters' | 'someClusters';
interface Need {
  actions: string[];
  scope?: Scope;
  /** Granted for code another branch is adding; tolerated while lib/aws does not send it yet. */
  pending?: string;
}

const COMMAND_PERMISSIONS: Record<string, Need[]> = {
  '@aws-sdk/client-ecs DescribeTasks': [{ actions: ['ecs:DescribeTasks'] }],
  '@aws-sdk/client-ecs DescribeTaskDefinition': [{ actions: ['ecs:DescribeTaskDefinition'] }],
  '@aws-sdk/client-ecs DescribeContainerInstances': [{ actions: ['ecs:DescribeContainerInstances'] }],
  '@aws-sdk/client-ecs DescribeServices': [{ actions: ['ecs:DescribeServices'] }],
  '@aws-sdk/client-ecs ListServices': [{ actions: ['ecs:ListServices'] }],
  '@aws-sdk/client-ecs ListTasks': [{ actions: ['ecs:ListTasks'] }],
  // Served clusters are listed only when Clusters is empty, and checked with DescribeClusters only when it is set.
  '@aws-sdk/client-ecs ListClusters': [{ actions: ['ecs:ListClusters'], scope: 'allClusters' }],
  '@aws-sdk/client-ecs DescribeClusters': [{ actions: ['ecs:DescribeClusters'], scope: 'someClusters' }],
  '@aws-sdk/client-ec2 DescribeInstances': [{ actions: ['ec2:DescribeInstances'] }],
  '@aws-sdk/client-ec2 DescribeNetworkInterfaces': [{ actions: ['ec2:DescribeNetworkInterfaces'] }],
  '@aws-sdk/client-elastic-load-balancing-v2 DescribeTargetGroups': [
    { actions: ['elasticloadbalancing:DescribeTargetGroups'] },
  ],
  '@aws-sdk/client-elastic-load-balancing-v2 DescribeLoadBalancers': [
    { actions: ['elasticloadbalancing:DescribeLoadBalancers'] },
  ],
  [`${ROUTE53} GetHostedZone`]: [{ actions: ['route53:GetHostedZone'] }],
  [`${ROUTE53} ListResourceRecordSets`]: [{ actions: ['route53:ListResourceRecordSets'] }],
  [`${ROUTE53} ChangeResourceRecordSets`]: [{ actions: ['route53:ChangeResourceRecordSets'] }],
  [`${SD} ListInstances`]: [{ actions: ['servicediscovery:ListInstances'], scope: 'cloudMap' }],
  [`${SD} RegisterInstance`]: [
    { actions: ['servicediscovery:RegisterInstance', 'ec2:DescribeInstances'], scope: 'cloudMap' },
    { actions: [...CLOUDMAP_DNS, 'route53:CreateHealthCheck', 'route53:GetHostedZone'], scope: 'cloudMapDns' },
  ],
  [`${SD} DeregisterInstance`]: [
    { actions: ['servicediscovery:DeregisterInstance'], scope: 'cloudMap' },
    { actions: [...CLOUDMAP_DNS, 'route53:DeleteHealthCheck'], scope: 'cloudMapDns' },
  ],
  [`${SD} GetOperation`]: [
    {
      actions: ['servicediscovery:GetOperation'],
      scope: 'cloudMap',
      pending:
        'issue 11 Deliver 4: Cloud Map operations tracked with GetOperation (lib/aws/cloudmap.ts, another branch)',
    },
  ],
};

/** What each function needs besides AWS SDK calls: its log group, and its queue (events in, failed runs out). */
const BASE: Record<string, string[]> = {
  'functions/sync.ts': [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
  ],
  'functions/reconcile.ts': ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'],
};

const ROLE_OF: Record<string, string> = {
  'functions/sync.ts': 'SyncFunctionRole',
  'functions/reconcile.ts': 'ReconcileFunctionRole',
};

const calls = sdkCalls(root, Object.keys(ROLE_OF));

const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every statement a role's policies hold (inline and managed from this template), evaluated with `params`. */
function roleStatements(t: Template, roleId: string, params: Record<string, string | string[]>): JsonObject[] {
  const ctx = makeContext(t, params);
  const role = t.Resources[roleId]?.Properties ?? {};
  const docs: Json[] = asList(role.Policies).map((p) => (isObject(p) ? (p.PolicyDocument ?? null) : null));
  for (const arn of asList(role.ManagedPolicyArns)) {
    const id = isObject(arn) && typeof arn.Ref === 'string' ? arn.Ref : undefined;
    if (!id || t.Resources[id]?.Type !== 'AWS::IAM::ManagedPolicy')
      throw new Error(`${roleId}: unknown managed policy`);
    docs.push(t.Resources[id]!.Properties!.PolicyDocument ?? null);
  }
  return docs.flatMap((d) => {
    const e = evaluate(d, ctx);
    return isObject(e) ? asList(e.Statement).filter(isObject) : [];
  });
}

const allowed = (statements: JsonObject[]) =>
  [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asList(s.Action).map(String)))].sort();

const PARAMETER_SETS: [string, Record<string, string | string[]>, Set<Scope>][] = [
  ['minimal (all clusters, no Cloud Map)', MINIMAL_PARAMETERS, new Set(['always', 'allClusters'])],
  [
    'all features on (Clusters, Cloud Map with a DNS namespace)',
    FULL_PARAMETERS,
    new Set(['always', 'someClusters', 'cloudMap', 'cloudMapDns']),
  ],
  [
    'Cloud Map with an HTTP namespace only',
    { ...MINIMAL_PARAMETERS, CloudMapServiceIds: ['srv-http1'] },
    new Set(['always', 'allClusters', 'cloudMap']),
  ],
];

describe('SDK commands in lib/aws', () => {
  test('every command lib/aws sends has an entry in the permission table, and every entry is sent', () => {
    expect(calls.unresolved).toEqual([]);
    const sent = [...calls.commands.keys()].sort();
    const listed = Object.keys(COMMAND_PERMISSIONS).sort();
    const missing = sent.filter((c) => !listed.includes(c)).map((c) => `${c} (${calls.commands.get(c)?.at})`);
    const unused = listed.filter((c) => !sent.includes(c) && !COMMAND_PERMISSIONS[c]!.some((n) => n.pending));
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  test('each function path sends the commands its job needs (the attribution itself is sound)', () => {
    const sync = calls.byFunction.get('functions/sync.ts')!;
    const reconcile = calls.byFunction.get('functions/reconcile.ts')!;
    expect(sync.has('@aws-sdk/client-ecs DescribeTasks')).toBe(true);
    expect(sync.has(`${ROUTE53} ChangeResourceRecordSets`)).toBe(true);
    expect(sync.has(`${SD} RegisterInstance`)).toBe(true);
    // Only the reconciler lists what runs; the sync function lists only a draining instance's tasks (issue 15).
    for (const c of ['ListClusters', 'ListServices', 'DescribeClusters']) {
      expect({ c, sync: sync.has(`@aws-sdk/client-ecs ${c}`) }).toEqual({ c, sync: false });
      expect({ c, reconcile: reconcile.has(`@aws-sdk/client-ecs ${c}`) }).toEqual({ c, reconcile: true });
    }
    expect(sync.has('@aws-sdk/client-ecs ListTasks')).toBe(true);
    expect(reconcile.has('@aws-sdk/client-ecs ListTasks')).toBe(true);
  });
});

describe.each(PARAMETER_SETS)('with %s', (_label, params, scopes) => {
  test.each(Object.entries(ROLE_OF))('%s: its role grants exactly what its code calls', (fn, roleId) => {
    const needed = new Set(BASE[fn]);
    const used = new Set(calls.byFunction.get(fn));
    for (const [command, needs] of Object.entries(COMMAND_PERMISSIONS)) {
      for (const need of needs) {
        const sends = used.has(command) || (need.pending !== undefined && !calls.commands.has(command));
        if (sends && scopes.has(need.scope ?? 'always')) for (const a of need.actions) needed.add(a);
      }
    }
    const granted = allowed(roleStatements(template, roleId, params));
    const want = [...needed].sort();
    expect({
      missing: want.filter((a) => !granted.includes(a)),
      unused: granted.filter((a) => !want.includes(a)),
    }).toEqual({ missing: [], unused: [] });
  });
});

describe('scoping', () => {
  const full = (roleId: string) => roleStatements(template, roleId, FULL_PARAMETERS);
  const bySid = (statements: JsonObject[], sid: string) => statements.find((s) => s.Sid === sid);

  test('with Clusters set, ECS reads name those clusters, and the list calls carry ecs:cluster', () => {
    const describe = bySid(full('SyncFunctionRole'), 'EcsDescribeTasksServicesAndHosts')!;
    expect(describe.Resource).toEqual([
      'arn:*:ecs:*:*:task/probe-cluster-a/*',
      'arn:*:ecs:*:*:task/probe-cluster-b/*',
      'arn:*:ecs:*:*:service/probe-cluster-a/*',
      'arn:*:ecs:*:*:service/probe-cluster-b/*',
      'arn:*:ecs:*:*:container-instance/probe-cluster-a/*',
      'arn:*:ecs:*:*:container-instance/probe-cluster-b/*',
    ]);
    expect(describe.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } });
    const list = bySid(full('ReconcileFunctionRole'), 'EcsListTasksAndServices')!;
    expect(list.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': 'us-east-1' },
      ArnLike: { 'ecs:cluster': ['arn:*:ecs:*:*:cluster/probe-cluster-a', 'arn:*:ecs:*:*:cluster/probe-cluster-b'] },
    });
    expect(bySid(full('ReconcileFunctionRole'), 'EcsCheckConfiguredClusters')!.Resource).toEqual([
      'arn:*:ecs:*:*:cluster/probe-cluster-a',
      'arn:*:ecs:*:*:cluster/probe-cluster-b',
    ]);
  });

  test('with every cluster served, ECS reads are pinned to this account and Region', () => {
    const s = bySid(
      roleStatements(template, 'SyncFunctionRole', MINIMAL_PARAMETERS),
      'EcsDescribeTasksServicesAndHosts',
    )!;
    expect(s.Resource).toEqual([
      'arn:aws:ecs:us-east-1:123456789012:task/*',
      'arn:aws:ecs:us-east-1:123456789012:service/*',
      'arn:aws:ecs:us-east-1:123456789012:container-instance/*',
    ]);
  });

  test('GetHostedZone covers the Cloud Map zones too', () => {
    const zones = full('SyncFunctionRole')
      .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes('route53:GetHostedZone'))
      .flatMap((s) => asList(s.Resource));
    expect(zones.sort()).toEqual(
      [...PROBE_ZONES, ...(FULL_PARAMETERS.CloudMapHostedZoneIds as string[])]
        .map((z) => `arn:aws:route53:::hostedzone/${z}`)
        .sort(),
    );
  });

  test('a Deny keeps record names in HostedZoneIds zones within WritableDomains whatever else allows', () => {
    const deny = bySid(full('SyncFunctionRole'), 'Route53DenyNamesOutsideWritableDomains')!;
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: PROBE_ZONES.map((z) => `arn:aws:route53:::hostedzone/${z}`),
      Condition: {
        'ForAnyValue:StringNotLike': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
            'probe-one.example',
            'sub.probe-two.example',
            '*.probe-one.example',
            '*.sub.probe-two.example',
          ],
        },
      },
    });
  });
});
