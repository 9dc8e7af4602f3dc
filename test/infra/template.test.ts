import { resolve } from 'node:path';
import {
  cloudTrailServicePattern,
  containerInstanceDrainingPattern,
  taskStateChangePattern,
} from '../../infra/patterns';
import {
  type CheckReport,
  checkTemplate,
  formatProblem,
  loadTemplate,
  parseTemplateText,
  type Template,
} from '../../tools/template-check';
import { evaluate, makeContext } from '../../tools/template-check/intrinsics';
import { MINIMAL_PARAMETERS } from '../../tools/template-check/probes';
import { failedRules } from '../../tools/template-check/rules';
import { isObject, type Json, type JsonObject } from '../../tools/template-check/types';

/**
 * The checks specific to this stack (tools/template-check): the real template passes, and each deliberately broken
 * variant is caught with a readable message naming the place and the reason. Generic validation (property names and
 * types, references, schemas) is cfn-lint's (cfn-lint.test.ts); bundles are checked in build.test.ts and
 * sam-build.test.ts, the roles' actions in iam.test.ts.
 */

const root = resolve(__dirname, '..', '..');
const template: Template = loadTemplate(resolve(root, 'template.yaml'));

const check = (t: Template): CheckReport => checkTemplate(t, { projectRoot: root });
const messages = (t: Template): string[] => check(t).problems.map(formatProblem);

/** A deep copy of the real template, changed by `edit`. */
function variant(edit: (t: Template & { Resources: Record<string, { Properties: JsonObject }> }) => void): Template {
  const copy = JSON.parse(JSON.stringify(template)) as Template & {
    Resources: Record<string, { Properties: JsonObject }>;
  };
  edit(copy);
  return copy;
}

const statements = (t: Template, id: string): JsonObject[] => {
  const doc = (t.Resources[id]?.Properties?.PolicyDocument ?? {}) as JsonObject;
  return doc.Statement as JsonObject[];
};

describe('the real template', () => {
  test('passes every stack check', () => {
    const report = check(template);
    for (const note of report.notes) console.log(`template check: ${note}`);
    expect(report.problems.map(formatProblem)).toEqual([]);
  });

  test('embeds exactly the event patterns in infra/', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const patterns = rules.map((r) => r.Properties?.EventPattern);
    expect(patterns).toContainEqual(taskStateChangePattern);
    expect(patterns).toContainEqual(cloudTrailServicePattern);
    expect(patterns).toContainEqual(containerInstanceDrainingPattern);
    expect(patterns).toHaveLength(3);
  });
});

describe('the YAML parser', () => {
  test('turns CloudFormation short tags into their long forms', () => {
    const t = parseTemplateText(
      [
        'Resources:',
        '  Q:',
        '    Type: AWS::SQS::Queue',
        '    Properties:',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
        '      QueueName: !Sub "${AWS::StackName}-q"',
        '      Tags:',
        '        - Key: a',
        '          Value: !GetAtt Other.Arn',
        '        - Key: b',
        '          Value: !Join [",", !Split [",", !Ref P]]',
        '        - Key: c',
        '          Value: !If [C, !Select [0, !GetAZs ""], !Ref AWS::NoValue]',
      ].join('\n'),
    );
    expect(t.Resources.Q?.Properties).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      QueueName: { 'Fn::Sub': '${AWS::StackName}-q' },
      Tags: [
        { Key: 'a', Value: { 'Fn::GetAtt': ['Other', 'Arn'] } },
        { Key: 'b', Value: { 'Fn::Join': [',', { 'Fn::Split': [',', { Ref: 'P' }] }] } },
        { Key: 'c', Value: { 'Fn::If': ['C', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, { Ref: 'AWS::NoValue' }] } },
      ],
    });
  });
});

describe('broken templates are caught with a readable message', () => {
  test('wildcard action', () => {
    const broken = variant((t) => {
      statements(t, 'RegistrarAccessPolicy').push({ Sid: 'Oops', Effect: 'Allow', Action: 'route53:*', Resource: '*' });
    });
    expect(messages(broken)).toContainEqual(
      "Resources.RegistrarAccessPolicy.Properties.PolicyDocument.Statement[Oops]: wildcard action 'route53:*': list the exact actions",
    );
  });

  test('wildcard action in a role inline policy and a bare "*"', () => {
    const broken = variant((t) => {
      const policies = t.Resources.SyncFunctionRole!.Properties.Policies as JsonObject[];
      ((policies[0]!.PolicyDocument as JsonObject).Statement as JsonObject[]).push({
        Sid: 'Everything',
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
      });
    });
    expect(messages(broken)).toContainEqual(
      "Resources.SyncFunctionRole.Properties.Policies[0].PolicyDocument.Statement[Everything]: wildcard action '*': list the exact actions",
    );
  });

  test('Route 53 writes not scoped to the zone ARNs', () => {
    const broken = variant((t) => {
      statements(t, 'RegistrarAccessPolicy')[0]!.Resource = 'arn:aws:route53:::hostedzone/*';
    });
    expect(messages(broken)).toContainEqual(
      "Resources.RegistrarAccessPolicy.Properties.PolicyDocument.Statement[Route53WriteConfiguredZonesAndNames]: route53:ChangeResourceRecordSets must be scoped to the configured hosted zones' ARNs (arn:aws:route53:::hostedzone/<id> from HostedZoneIds or CloudMapHostedZoneIds), got 'arn:aws:route53:::hostedzone/*' (with minimal parameters, partition aws; all features on, partition aws)",
    );
  });

  test('Route 53 writes without the record-name condition', () => {
    const broken = variant((t) => {
      delete statements(t, 'RegistrarAccessPolicy')[0]!.Condition;
    });
    expect(messages(broken)).toContainEqual(
      'Resources.RegistrarAccessPolicy.Properties.PolicyDocument.Statement[Route53WriteConfiguredZonesAndNames]: route53:ChangeResourceRecordSets on the configured zones needs the condition route53:ChangeResourceRecordSetsNormalizedRecordNames (ForAllValues:StringLike) limiting names to WritableDomains',
    );
  });

  test('Resource "*" on an action that supports resource-level permissions', () => {
    const broken = variant((t) => {
      statements(t, 'RegistrarAccessPolicy').push({
        Sid: 'TooWide',
        Effect: 'Allow',
        Action: 'ecs:DescribeTasks',
        Resource: '*',
      });
    });
    expect(messages(broken)).toContainEqual(
      "Resources.RegistrarAccessPolicy.Properties.PolicyDocument.Statement[TooWide]: Resource '*' for ecs:DescribeTasks, which supports resource-level permissions: name the resources",
    );
  });

  test('an event pattern that drifted from infra/', () => {
    const broken = variant((t) => {
      const pattern = t.Resources.TaskStateChangeRule!.Properties.EventPattern as JsonObject;
      (pattern.detail as JsonObject).lastStatus = ['RUNNING'];
    });
    const found = messages(broken);
    expect(found).toContainEqual(
      'Resources: expected exactly one AWS::Events::Rule whose EventPattern deep-equals infra/task-state-change.pattern.json, found 0 (rules: TaskStateChangeRule, ContainerInstanceDrainingRule, ServiceApiCallRule)',
    );
    expect(found).toContainEqual(
      'Resources.TaskStateChangeRule.Properties.EventPattern: does not equal any pattern in infra/ (infra/task-state-change.pattern.json, infra/cloudtrail-service.pattern.json, infra/container-instance-draining.pattern.json)',
    );
  });

  test('a visibility timeout shorter than six function timeouts', () => {
    const broken = variant((t) => {
      t.Resources.EventsQueue!.Properties.VisibilityTimeout = 120;
    });
    expect(messages(broken)).toContainEqual(
      "Resources.EventsQueue.Properties.VisibilityTimeout: 120 s is less than six times SyncFunction's timeout (6 x 60 = 360 s)",
    );
  });

  test('a Handler that does not survive the flattening of sam build', () => {
    const broken = variant((t) => {
      t.Resources.SyncFunction!.Properties.Handler = 'functions/sync.handler';
    });
    expect(messages(broken)).toContainEqual(
      "Resources.SyncFunction.Properties.Handler: 'functions/sync.handler' does not resolve after sam build flattens the esbuild output: functions/sync.ts becomes sync.js at the artifact root, so the Handler must be 'sync.<export>'",
    );
  });

  test('a missing alarm and a missing output', () => {
    const broken = variant((t) => {
      delete t.Resources.ChangesRejectedAlarm;
      delete (t.Outputs as Record<string, Json>).DryRunReconcileCommand;
    });
    const found = messages(broken);
    expect(found).toContainEqual('Resources: missing CloudWatch alarm: rejected changes (ChangesRejected)');
    expect(found).toContainEqual(
      `Outputs: missing a ready-to-paste 'sam remote invoke ReconcileFunction ... --event '{"dryRun": true}'' output`,
    );
  });

  test('a queue policy that lets more than the rules send', () => {
    const broken = variant((t) => {
      const s = statements(t, 'EventsQueuePolicy')[0]!;
      delete s.Condition;
    });
    expect(messages(broken)).toContainEqual(
      'Resources.EventsQueuePolicy.Properties.PolicyDocument: each Allow must let only events.amazonaws.com sqs:SendMessage with ArnEquals aws:SourceArn = the rules (TaskStateChangeRule, ContainerInstanceDrainingRule, ServiceApiCallRule)',
    );
  });
});

describe('Rules refuse parameter combinations CloudFormation or CloudWatch would fail on later', () => {
  const withAlarm = (seconds: string, periods: string) =>
    failedRules(template, {
      ...MINIMAL_PARAMETERS,
      ReconcileAlarmPeriodSeconds: seconds,
      ReconcileAlarmPeriods: periods,
    });

  test.each([
    ['900', '24'],
    ['3600', '24'],
    ['7200', '12'],
    ['10800', '8'],
    ['21600', '4'],
  ])('an alarm window of %s s x %s periods (at most a day) deploys', (seconds, periods) => {
    expect(withAlarm(seconds, periods)).toEqual([]);
  });

  test.each([
    ['7200', '13', 'ReconcileAlarmWithinOneDay7200'],
    ['10800', '9', 'ReconcileAlarmWithinOneDay10800'],
    ['21600', '5', 'ReconcileAlarmWithinOneDay21600'],
    ['21600', '24', 'ReconcileAlarmWithinOneDay21600'],
  ])('an alarm window of %s s x %s periods (over a day) is refused by %s', (seconds, periods, rule) => {
    const failed = withAlarm(seconds, periods);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      new RegExp(`^${rule}: with ReconcileAlarmPeriodSeconds ${seconds}, ReconcileAlarmPeriods must be`),
    );
  });

  test('a Cloud Map zone that is also one of HostedZoneIds is refused; distinct zones deploy', () => {
    const cloudMap = (zones: string[]) =>
      failedRules(template, {
        ...MINIMAL_PARAMETERS,
        CloudMapServiceIds: ['srv-a'],
        CloudMapHostedZoneIds: zones,
      });
    expect(cloudMap([MINIMAL_PARAMETERS.HostedZoneIds![0]!])).toEqual([
      'CloudMapZonesAreNotRegistrarZones: CloudMapHostedZoneIds must not repeat zones of HostedZoneIds (Cloud Map owns its namespace zones)',
    ]);
    expect(cloudMap(['ZCLOUDMAPONLY'])).toEqual([]);
    expect(cloudMap([''])).toEqual([]);
  });
});

describe('queue policies: nobody but the two rules (and named redrive principals) can send', () => {
  /** IAM condition semantics for the operators the queue policies use; negated operators match a missing key. */
  function conditionHolds(condition: JsonObject, request: Record<string, string | undefined>): boolean {
    const like = (pattern: string, v: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ).test(v);
    return Object.entries(condition).every(([operator, keys]) =>
      Object.entries(keys as JsonObject).every(([key, raw]) => {
        const values = (Array.isArray(raw) ? raw : [raw]).map(String);
        const v = request[key];
        switch (operator) {
          case 'ArnEquals':
            return v !== undefined && values.includes(v);
          case 'ArnNotEquals':
            return v === undefined || !values.includes(v);
          case 'StringNotLike':
            return v === undefined || !values.some((p) => like(p, v));
          case 'Bool':
            return v !== undefined && values.includes(v);
          default:
            throw new Error(`operator ${operator} not simulated`);
        }
      }),
    );
  }

  /** Is sqs:SendMessage over TLS explicitly denied for this request by the queue's policy? */
  function denied(policyId: string, request: Record<string, string | undefined>, params = MINIMAL_PARAMETERS) {
    const doc = evaluate(template.Resources[policyId]!.Properties!.PolicyDocument!, makeContext(template, params));
    const statements = (isObject(doc) ? (doc.Statement as JsonObject[]) : []).filter(
      (s) => s.Effect === 'Deny' && [s.Action].flat().includes('sqs:SendMessage'),
    );
    return statements.some((s) =>
      conditionHolds((s.Condition ?? {}) as JsonObject, { 'aws:SecureTransport': 'true', ...request }),
    );
  }

  const ctxArn = (id: string) =>
    String(evaluate({ 'Fn::GetAtt': [id, 'Arn'] }, makeContext(template, MINIMAL_PARAMETERS)));

  test.each(['EventsQueuePolicy', 'EventsDeadLetterQueuePolicy'])('%s lets every rule deliver', (policy) => {
    for (const id of ['TaskStateChangeRule', 'ContainerInstanceDrainingRule', 'ServiceApiCallRule']) {
      expect({ id, denied: denied(policy, { 'aws:SourceArn': ctxArn(id) }) }).toEqual({ id, denied: false });
    }
  });

  test.each(['EventsQueuePolicy', 'EventsDeadLetterQueuePolicy'])(
    '%s denies an account identity, another rule and a lookalike sender',
    (policy) => {
      expect(denied(policy, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Admin' })).toBe(true);
      expect(denied(policy, { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/other' })).toBe(true);
      expect(
        denied(policy, {
          'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/other',
          'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Admin',
        }),
      ).toBe(true);
    },
  );

  test('the events queue lets the named redrive principals send, and only them', () => {
    const params = { ...MINIMAL_PARAMETERS, RedrivePrincipalArns: ['arn:aws:iam::123456789012:role/ops-*'] };
    expect(
      denied('EventsQueuePolicy', { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/ops-oncall' }, params),
    ).toBe(false);
    expect(denied('EventsQueuePolicy', { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/dev' }, params)).toBe(
      true,
    );
    // The dead-letter queue never needs a sender besides the rules: redrive moves messages out of it.
    expect(
      denied(
        'EventsDeadLetterQueuePolicy',
        { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/ops-oncall' },
        params,
      ),
    ).toBe(true);
  });
});

describe('operations', () => {
  test('reconcile runs never overlap: reserved concurrency 1', () => {
    expect(template.Resources.ReconcileFunction?.Properties?.ReservedConcurrentExecutions).toBe(1);
  });

  test.each([
    ['aws', 'us-east-1', 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name='],
    ['aws-cn', 'cn-north-1', 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards:name='],
    [
      'aws-us-gov',
      'us-gov-west-1',
      'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards:name=',
    ],
  ])('the dashboard URL in partition %s uses that partition console', (partition, region, prefix) => {
    const ctx = makeContext(template, MINIMAL_PARAMETERS, { partition, region });
    const url = String(evaluate(template.Outputs!.DashboardUrl!.Value!, ctx));
    expect(url.startsWith(prefix)).toBe(true);
  });
});
