import { resolve } from 'node:path';
import { cloudTrailServicePattern, taskStateChangePattern } from '../../infra/patterns';
import {
  type CheckReport,
  checkTemplate,
  formatProblem,
  loadSamSchema,
  loadTemplate,
  parseTemplateText,
  Spec,
  type Template,
} from '../../infra/template-check';
import type { Json, JsonObject } from '../../infra/template-check/types';

/**
 * The offline template check (issue 5): the real template passes, and each deliberately broken variant is caught
 * with a readable message naming the place and the reason. Bundles are checked in build.test.ts.
 */

const root = resolve(__dirname, '..', '..');
const CI = process.env.CI === 'true';
let spec: Spec;
let template: Template;
const schema = loadSamSchema(root);

beforeAll(() => {
  spec = Spec.load(); // about a second: once for the file
  template = loadTemplate(resolve(root, 'template.yaml'));
});

const check = (t: Template): CheckReport => checkTemplate(t, { projectRoot: root, spec, samSchema: schema, ci: CI });
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
  test('passes every offline check', () => {
    const report = check(template);
    for (const note of report.notes) console.log(`template check: ${note}`);
    expect(report.problems.map(formatProblem)).toEqual([]);
  });

  test('is validated against the SAM schema, or says why not (and fails under CI=true)', () => {
    const report = check(template);
    if (schema.status === 'loaded') {
      expect(report.notes).toContainEqual(expect.stringContaining('validated against the SAM schema'));
    } else {
      console.log(`SKIPPED SAM schema validation: ${schema.path} not found`);
      const ci = checkTemplate(template, { projectRoot: root, spec, samSchema: schema, ci: true });
      expect(ci.problems.map(formatProblem)).toContainEqual(expect.stringContaining('not found: CI must validate'));
    }
  });

  test('a missing SAM schema fails under CI=true and is a printed skip elsewhere', () => {
    const missing = { status: 'missing' as const, path: '/nonexistent/sam.schema.json' };
    const ci = checkTemplate(template, { projectRoot: root, spec, samSchema: missing, ci: true });
    expect(ci.problems.map(formatProblem)).toEqual([
      '(SAM schema): /nonexistent/sam.schema.json not found: CI must validate against the SAM schema (set SAM_SCHEMA_PATH or check out ../shared)',
    ]);
    const local = checkTemplate(template, { projectRoot: root, spec, samSchema: missing, ci: false });
    expect(local.problems).toEqual([]);
    expect(local.notes).toContainEqual(expect.stringContaining('skipped SAM schema validation'));
  });

  test('embeds exactly the event patterns in infra/', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const patterns = rules.map((r) => r.Properties?.EventPattern);
    expect(patterns).toContainEqual(taskStateChangePattern);
    expect(patterns).toContainEqual(cloudTrailServicePattern);
    expect(patterns).toHaveLength(2);
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
  test('misspelled property on a CloudFormation resource', () => {
    const broken = variant((t) => {
      const q = t.Resources.EventsQueue!.Properties;
      q.VisiblityTimeout = q.VisibilityTimeout!;
      delete q.VisibilityTimeout;
    });
    expect(messages(broken)).toContainEqual(
      "Resources.EventsQueue.Properties.VisiblityTimeout: unknown property 'VisiblityTimeout' for AWS::SQS::Queue (did you mean 'VisibilityTimeout'?)",
    );
  });

  test('misspelled property on a SAM function', () => {
    const broken = variant((t) => {
      const f = t.Resources.SyncFunction!.Properties;
      f.Handlr = f.Handler!;
      delete f.Handler;
    });
    const found = messages(broken);
    expect(found).toContainEqual(
      "Resources.SyncFunction.Properties.Handler: SyncFunction has no Handler: expected 'sync.handler'",
    );
    if (schema.status === 'loaded') {
      expect(found).toContainEqual("Resources.SyncFunction.Properties.Handlr: unknown property 'Handlr' (SAM schema)");
    }
  });

  test('misspelled property in a SAM event (reported against that event type only)', () => {
    const broken = variant((t) => {
      const events = t.Resources.SyncFunction!.Properties.Events as JsonObject;
      const props = (events.EventsQueue as JsonObject).Properties as JsonObject;
      props.BatchSze = props.BatchSize!;
      delete props.BatchSize;
    });
    const found = messages(broken);
    expect(found).toContainEqual('Resources.SyncFunction.Properties.Events.EventsQueue.Properties: set BatchSize');
    if (schema.status === 'loaded') {
      expect(found).toContainEqual(
        "Resources.SyncFunction.Properties.Events.EventsQueue.Properties.BatchSze: unknown property 'BatchSze' (SAM schema)",
      );
      expect(found.filter((m) => m.includes('(SAM schema)'))).toHaveLength(1);
    }
  });

  test('misspelled property inside a nested property type', () => {
    const broken = variant((t) => {
      (t.Resources.TaskStateChangeRule!.Properties.Targets as JsonObject[])[0]!.RetryPolicy = {
        MaximumRetryAttempt: 3,
      };
    });
    expect(messages(broken)).toContainEqual(
      "Resources.TaskStateChangeRule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempt: unknown property 'MaximumRetryAttempt' for AWS::Events::Rule Target RetryPolicy (did you mean 'MaximumRetryAttempts'?)",
    );
  });

  test('wrong type on a CloudFormation resource', () => {
    const broken = variant((t) => {
      t.Resources.EventsQueue!.Properties.VisibilityTimeout = 'six minutes';
    });
    expect(messages(broken)).toContainEqual(
      'Resources.EventsQueue.Properties.VisibilityTimeout: expected an integer for AWS::SQS::Queue, got string "six minutes"',
    );
  });

  test('wrong type on a SAM function, checked against AWS::Lambda::Function', () => {
    const broken = variant((t) => {
      t.Resources.ReconcileFunction!.Properties.Timeout = { minutes: 15 };
      t.Resources.ReconcileFunction!.Properties.MemorySize = [1024];
    });
    const found = messages(broken);
    expect(found).toContainEqual(
      'Resources.ReconcileFunction.Properties.Timeout: expected an integer for AWS::Serverless::Function (as AWS::Lambda::Function), got an object',
    );
    expect(found).toContainEqual(
      'Resources.ReconcileFunction.Properties.MemorySize: expected an integer for AWS::Serverless::Function (as AWS::Lambda::Function), got a list',
    );
  });

  test('wrong type in an SQS event, checked against AWS::Lambda::EventSourceMapping', () => {
    const broken = variant((t) => {
      const events = t.Resources.SyncFunction!.Properties.Events as JsonObject;
      ((events.EventsQueue as JsonObject).Properties as JsonObject).ScalingConfig = { MaximumConcurrency: 'two' };
    });
    expect(messages(broken)).toContainEqual(
      'Resources.SyncFunction.Properties.Events.EventsQueue.Properties.ScalingConfig.MaximumConcurrency: expected an integer for SQS event (as AWS::Lambda::EventSourceMapping) ScalingConfig, got string "two"',
    );
  });

  test('unknown resource type', () => {
    const broken = variant((t) => {
      (t.Resources.EventsDeadLetterQueue as { Type: string }).Type = 'AWS::SQS::Queu';
    });
    expect(messages(broken)).toContainEqual(
      "Resources.EventsDeadLetterQueue.Properties: unknown resource type 'AWS::SQS::Queu' (not in the CloudFormation spec)",
    );
  });

  test('dangling Ref', () => {
    const broken = variant((t) => {
      t.Resources.EventsQueuePolicy!.Properties.Queues = [{ Ref: 'EventsQueu' }];
    });
    expect(messages(broken)).toContainEqual(
      "Resources.EventsQueuePolicy.Properties.Queues[0].Ref: Ref to unknown 'EventsQueu' (not a parameter, resource or pseudo parameter)",
    );
  });

  test('dangling GetAtt, and a GetAtt of an attribute the resource does not have', () => {
    const broken = variant((t) => {
      t.Resources.SyncFunction!.Properties.Role = { 'Fn::GetAtt': ['SyncRole', 'Arn'] };
      t.Resources.EventsQueue!.Properties.RedrivePolicy = {
        deadLetterTargetArn: { 'Fn::GetAtt': ['EventsDeadLetterQueue', 'Arnn'] },
        maxReceiveCount: 5,
      };
    });
    const found = messages(broken);
    expect(found).toContainEqual(
      "Resources.SyncFunction.Properties.Role.Fn::GetAtt: Fn::GetAtt to unknown resource 'SyncRole' (attribute Arn)",
    );
    expect(found).toContainEqual(
      "Resources.EventsQueue.Properties.RedrivePolicy.deadLetterTargetArn.Fn::GetAtt: Fn::GetAtt: AWS::SQS::Queue 'EventsDeadLetterQueue' has no attribute 'Arnn' (it has Arn, QueueName, QueueUrl)",
    );
  });

  test('dangling Sub variable', () => {
    const broken = variant((t) => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      t.Resources.SyncLogGroup!.Properties.LogGroupName = { 'Fn::Sub': '/ecs-registrar/${StackNme}/sync' };
    });
    expect(messages(broken)).toContainEqual(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      "Resources.SyncLogGroup.Properties.LogGroupName.Fn::Sub: ${StackNme} to unknown 'StackNme' (not a parameter, resource or pseudo parameter)",
    );
  });

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
      'Resources: expected exactly one AWS::Events::Rule whose EventPattern deep-equals infra/task-state-change.pattern.json, found 0 (rules: TaskStateChangeRule, ServiceApiCallRule)',
    );
    expect(found).toContainEqual(
      'Resources.TaskStateChangeRule.Properties.EventPattern: does not equal any pattern in infra/ (infra/task-state-change.pattern.json, infra/cloudtrail-service.pattern.json)',
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
      'Resources.EventsQueuePolicy.Properties.PolicyDocument: each Allow must let only events.amazonaws.com sqs:SendMessage with ArnEquals aws:SourceArn = the rules (TaskStateChangeRule, ServiceApiCallRule)',
    );
  });
});
