import {
  cloudTrailServicePattern,
  containerInstanceDrainingPattern,
  taskStateChangePattern,
} from '../../infra/patterns';
import { evaluate, IntrinsicError, makeContext } from './intrinsics';
import { DASHBOARD_PANELS, METRICS, METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME } from './metrics';
import { FULL_PARAMETERS } from './probes';
import { functionProperties, serverlessFunctions } from './sam';
import { isObject, type Json, type JsonObject, joinPath, type Problem, type Template } from './types';

/**
 * The rules issue 5 sets for this particular template: the parameters it must offer, the Globals, the event path
 * (rules with the exact patterns from infra/, an encrypted queue with a dead-letter queue and a long enough visibility
 * timeout, a queue policy for exactly those rules, the SQS event settings), the reconciler's schedule and failure
 * destination, the environment contract, alarms, dashboard and outputs.
 */

export const REQUIRED_PARAMETERS: Record<string, { type: string; default?: string }> = {
  HostedZoneIds: { type: 'CommaDelimitedList' },
  WritableDomains: { type: 'CommaDelimitedList' },
  OwnerId: { type: 'String', default: '' },
  DefaultTtl: { type: 'Number' },
  Clusters: { type: 'CommaDelimitedList', default: '' },
  CloudMapServiceIds: { type: 'CommaDelimitedList', default: '' },
  ReconcileSchedule: { type: 'String', default: 'rate(5 minutes)' },
  MaxDeletePercent: { type: 'Number' },
  BatchingWindowSeconds: { type: 'Number' },
  LogLevel: { type: 'String' },
  AlarmTopicArn: { type: 'String', default: '' },
};

export const REQUIRED_ENVIRONMENT = [
  'REGISTRAR_HOSTED_ZONE_IDS',
  'REGISTRAR_OWNER_ID',
  'REGISTRAR_DEFAULT_TTL',
  'REGISTRAR_CLUSTERS',
  'REGISTRAR_CLOUDMAP_SERVICE_IDS',
  'REGISTRAR_MAX_DELETE_PERCENT',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
] as const;

export const EVENT_PATTERNS: Record<string, Json> = {
  'infra/task-state-change.pattern.json': taskStateChangePattern as Json,
  'infra/cloudtrail-service.pattern.json': cloudTrailServicePattern as Json,
  'infra/container-instance-draining.pattern.json': containerInstanceDrainingPattern as Json,
};

/** The sync function's SQS event and the queue it reads. */
const SYNC_FUNCTION = 'SyncFunction';
const RECONCILE_FUNCTION = 'ReconcileFunction';
const MIN_RECONCILE_TIMEOUT = 600;

/** Structural equality of JSON values (prototype-blind, unlike util.isDeepStrictEqual across realms). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

const resourcesOfType = (t: Template, type: string): [string, JsonObject][] =>
  Object.entries(t.Resources ?? {})
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);

/** `{"Fn::GetAtt": [X, "Arn"]}` or `!GetAtt X.Arn` -> X. */
function getAttArnOf(v: Json | undefined): string | undefined {
  if (!isObject(v)) return undefined;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'Arn' && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string' && att.endsWith('.Arn')) return att.slice(0, -4);
  return undefined;
}

const refOf = (v: Json | undefined): string | undefined =>
  isObject(v) && typeof v.Ref === 'string' ? v.Ref : undefined;

const num = (v: Json | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;

function checkParameters(t: Template): Problem[] {
  const problems: Problem[] = [];
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    if (typeof p.Description !== 'string' || p.Description.trim().length < 20) {
      problems.push({
        path: joinPath('Parameters', name),
        message: 'every parameter needs a Description that explains it',
      });
    }
  }
  const iface = isObject(t.Metadata) ? t.Metadata['AWS::CloudFormation::Interface'] : undefined;
  if (isObject(iface) && Array.isArray(iface.ParameterGroups)) {
    const grouped = iface.ParameterGroups.flatMap((g) =>
      isObject(g) && Array.isArray(g.Parameters) ? g.Parameters : [],
    );
    for (const name of grouped) {
      if (typeof name !== 'string' || !t.Parameters?.[name]) {
        problems.push({
          path: 'Metadata.AWS::CloudFormation::Interface.ParameterGroups',
          message: `lists unknown parameter ${JSON.stringify(name)}`,
        });
      }
    }
    for (const name of Object.keys(t.Parameters ?? {})) {
      if (!grouped.includes(name)) {
        problems.push({
          path: 'Metadata.AWS::CloudFormation::Interface.ParameterGroups',
          message: `parameter ${name} is in no group`,
        });
      }
    }
  }
  for (const [name, want] of Object.entries(REQUIRED_PARAMETERS)) {
    const p = t.Parameters?.[name];
    const path = joinPath('Parameters', name);
    if (!p) {
      problems.push({ path, message: `missing parameter ${name} (${want.type})` });
      continue;
    }
    if (p.Type !== want.type) problems.push({ path, message: `${name} must be ${want.type}, is ${p.Type}` });
    if (want.default !== undefined && String(p.Default) !== want.default) {
      problems.push({
        path,
        message: `${name} must default to '${want.default}', defaults to ${JSON.stringify(p.Default)}`,
      });
    }
  }
  return problems;
}

function checkGlobals(t: Template): Problem[] {
  const problems: Problem[] = [];
  if (t.Transform !== 'AWS::Serverless-2016-10-31') {
    problems.push({ path: 'Transform', message: 'must be AWS::Serverless-2016-10-31' });
  }
  const g = t.Globals?.Function ?? {};
  if (g.Runtime !== 'nodejs24.x') problems.push({ path: 'Globals.Function.Runtime', message: 'must be nodejs24.x' });
  if (!jsonEqual(g.Architectures, ['arm64'])) {
    problems.push({ path: 'Globals.Function.Architectures', message: 'must be [arm64]' });
  }
  if (!isObject(g.LoggingConfig) || g.LoggingConfig.LogFormat !== 'JSON') {
    problems.push({ path: 'Globals.Function.LoggingConfig.LogFormat', message: 'must be JSON' });
  }
  return problems;
}

function checkEnvironment(t: Template): Problem[] {
  const problems: Problem[] = [];
  const ctx = makeContext(t, FULL_PARAMETERS);
  for (const id of serverlessFunctions(t)) {
    const env = functionProperties(t, id).Environment;
    const vars = isObject(env) && isObject(env.Variables) ? env.Variables : {};
    const path = joinPath(joinPath('Resources', id), 'Properties.Environment.Variables');
    for (const name of REQUIRED_ENVIRONMENT) {
      if (!(name in vars)) problems.push({ path, message: `missing ${name} (set it from the parameters)` });
    }
    let values: Json;
    try {
      values = evaluate(vars, ctx) as Json;
    } catch (e) {
      if (e instanceof IntrinsicError) {
        problems.push({ path, message: `cannot evaluate: ${e.message}` });
        continue;
      }
      throw e;
    }
    const v = isObject(values) ? values : {};
    const expect: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      REGISTRAR_HOSTED_ZONE_IDS: (FULL_PARAMETERS.HostedZoneIds as string[]).join(','),
      REGISTRAR_CLOUDMAP_SERVICE_IDS: (FULL_PARAMETERS.CloudMapServiceIds as string[]).join(','),
      REGISTRAR_CLUSTERS: (FULL_PARAMETERS.Clusters as string[]).join(','),
      REGISTRAR_OWNER_ID: FULL_PARAMETERS.OwnerId as string,
    };
    for (const [name, want] of Object.entries(expect)) {
      if (name in v && v[name] !== want) {
        problems.push({
          path: joinPath(path, name),
          message: `evaluates to ${JSON.stringify(v[name])}, expected ${JSON.stringify(want)}`,
        });
      }
    }
  }
  const defaultOwner = makeContext(t, { HostedZoneIds: ['Z1'], WritableDomains: ['a.example'] });
  for (const id of serverlessFunctions(t)) {
    const env = functionProperties(t, id).Environment;
    const owner = isObject(env) && isObject(env.Variables) ? env.Variables.REGISTRAR_OWNER_ID : undefined;
    if (owner !== undefined && evaluate(owner, defaultOwner) !== defaultOwner.pseudo.stackName) {
      problems.push({
        path: joinPath(joinPath('Resources', id), 'Properties.Environment.Variables.REGISTRAR_OWNER_ID'),
        message: 'must default to the stack name when OwnerId is empty',
      });
    }
  }
  return problems;
}

function checkEventPath(t: Template): Problem[] {
  const problems: Problem[] = [];
  const rules = resourcesOfType(t, 'AWS::Events::Rule');
  const queues = new Map(resourcesOfType(t, 'AWS::SQS::Queue'));

  for (const [file, pattern] of Object.entries(EVENT_PATTERNS)) {
    const matching = rules.filter(([, p]) => jsonEqual(p.EventPattern, pattern));
    if (matching.length !== 1) {
      const near = rules.map(([id]) => id).join(', ') || 'none';
      problems.push({
        path: 'Resources',
        message: `expected exactly one AWS::Events::Rule whose EventPattern deep-equals ${file}, found ${matching.length} (rules: ${near})`,
      });
    }
  }
  for (const [id, p] of rules) {
    const base = joinPath(joinPath('Resources', id), 'Properties');
    if (!Object.values(EVENT_PATTERNS).some((pattern) => jsonEqual(p.EventPattern, pattern))) {
      problems.push({
        path: joinPath(base, 'EventPattern'),
        message: `does not equal any pattern in infra/ (${Object.keys(EVENT_PATTERNS).join(', ')})`,
      });
    }
  }

  // The sync function's queue.
  const syncEvents = isObject(functionProperties(t, SYNC_FUNCTION).Events)
    ? (functionProperties(t, SYNC_FUNCTION).Events as JsonObject)
    : {};
  const sqsEvents = Object.entries(syncEvents).filter(([, e]) => isObject(e) && e.Type === 'SQS');
  const syncBase = joinPath(joinPath('Resources', SYNC_FUNCTION), 'Properties');
  if (sqsEvents.length !== 1) {
    problems.push({
      path: joinPath(syncBase, 'Events'),
      message: `${SYNC_FUNCTION} needs exactly one SQS event (the events queue)`,
    });
    return problems;
  }
  const [eventName, event] = sqsEvents[0]! as [string, JsonObject];
  const ep = isObject(event.Properties) ? event.Properties : {};
  const epPath = joinPath(joinPath(joinPath(syncBase, 'Events'), eventName), 'Properties');
  const queueId = getAttArnOf(ep.Queue);
  const queue = queueId ? queues.get(queueId) : undefined;
  if (!queueId || !queue) {
    problems.push({
      path: joinPath(epPath, 'Queue'),
      message: 'must be !GetAtt <an AWS::SQS::Queue in this template>.Arn',
    });
    return problems;
  }
  if (ep.BatchSize === undefined) problems.push({ path: epPath, message: 'set BatchSize' });
  if (ep.MaximumBatchingWindowInSeconds === undefined)
    problems.push({ path: epPath, message: 'set MaximumBatchingWindowInSeconds' });
  if (!isObject(ep.ScalingConfig) || ep.ScalingConfig.MaximumConcurrency === undefined) {
    problems.push({
      path: epPath,
      message: 'set ScalingConfig.MaximumConcurrency (Route 53 allows 5 requests/s per account)',
    });
  }
  if (!Array.isArray(ep.FunctionResponseTypes) || !ep.FunctionResponseTypes.includes('ReportBatchItemFailures')) {
    problems.push({ path: joinPath(epPath, 'FunctionResponseTypes'), message: 'must include ReportBatchItemFailures' });
  }

  const qPath = joinPath(joinPath('Resources', queueId), 'Properties');
  if (queue.SqsManagedSseEnabled !== true && queue.KmsMasterKeyId === undefined) {
    problems.push({
      path: qPath,
      message: 'the events queue must be encrypted (SqsManagedSseEnabled: true or KmsMasterKeyId)',
    });
  }
  const timeout = num(functionProperties(t, SYNC_FUNCTION).Timeout) ?? 3;
  const visibility = num(queue.VisibilityTimeout) ?? 30;
  if (visibility < 6 * timeout) {
    problems.push({
      path: joinPath(qPath, 'VisibilityTimeout'),
      message: `${visibility} s is less than six times ${SYNC_FUNCTION}'s timeout (6 x ${timeout} = ${6 * timeout} s)`,
    });
  }
  const redrive = isObject(queue.RedrivePolicy) ? queue.RedrivePolicy : undefined;
  const dlqId = redrive ? getAttArnOf(redrive.deadLetterTargetArn) : undefined;
  if (!dlqId || !queues.has(dlqId)) {
    problems.push({
      path: joinPath(qPath, 'RedrivePolicy'),
      message: 'must redrive to a dead-letter queue in this template (deadLetterTargetArn: !GetAtt <Queue>.Arn)',
    });
  } else if (queues.get(dlqId)?.SqsManagedSseEnabled !== true && queues.get(dlqId)?.KmsMasterKeyId === undefined) {
    problems.push({
      path: joinPath(joinPath('Resources', dlqId), 'Properties'),
      message: 'the dead-letter queue must be encrypted too',
    });
  }

  // Every rule targets the events queue; the queue policy lets exactly those rules send.
  const ruleIds = rules.map(([id]) => id);
  for (const [id, p] of rules) {
    const targets = Array.isArray(p.Targets) ? p.Targets : [];
    if (!targets.some((tg) => isObject(tg) && getAttArnOf(tg.Arn) === queueId)) {
      problems.push({
        path: joinPath(joinPath(joinPath('Resources', id), 'Properties'), 'Targets'),
        message: `must target the events queue ${queueId}`,
      });
    }
  }
  const policies = resourcesOfType(t, 'AWS::SQS::QueuePolicy').filter(
    ([, p]) => Array.isArray(p.Queues) && p.Queues.some((q) => refOf(q) === queueId),
  );
  if (policies.length !== 1) {
    problems.push({
      path: 'Resources',
      message: `expected one AWS::SQS::QueuePolicy for ${queueId}, found ${policies.length}`,
    });
  } else {
    const [policyId, policy] = policies[0]!;
    const doc = isObject(policy.PolicyDocument) ? policy.PolicyDocument : {};
    const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(isObject);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    const path = joinPath(joinPath(joinPath('Resources', policyId), 'Properties'), 'PolicyDocument');
    for (const s of allows) {
      const principal = isObject(s.Principal) ? s.Principal.Service : undefined;
      const cond =
        isObject(s.Condition) && isObject(s.Condition.ArnEquals) ? s.Condition.ArnEquals['aws:SourceArn'] : undefined;
      const sources = (Array.isArray(cond) ? cond : cond === undefined ? [] : [cond]).map(getAttArnOf);
      const ok =
        principal === 'events.amazonaws.com' &&
        jsonEqual(s.Action, 'sqs:SendMessage') &&
        sources.length === ruleIds.length &&
        ruleIds.every((r) => sources.includes(r));
      if (!ok) {
        problems.push({
          path,
          message: `each Allow must let only events.amazonaws.com sqs:SendMessage with ArnEquals aws:SourceArn = the rules (${ruleIds.join(', ')})`,
        });
      }
    }
    if (allows.length === 0) problems.push({ path, message: 'no Allow statement for the rules' });
  }
  return problems;
}

function checkReconciler(t: Template): Problem[] {
  const problems: Problem[] = [];
  const base = joinPath(joinPath('Resources', RECONCILE_FUNCTION), 'Properties');
  if (!t.Resources[RECONCILE_FUNCTION]) return [{ path: 'Resources', message: `missing ${RECONCILE_FUNCTION}` }];
  const props = functionProperties(t, RECONCILE_FUNCTION);
  const events = isObject(props.Events) ? props.Events : {};
  const schedules = Object.entries(events).filter(([, e]) => isObject(e) && e.Type === 'ScheduleV2');
  if (schedules.length !== 1) {
    problems.push({ path: joinPath(base, 'Events'), message: 'needs one ScheduleV2 event' });
  } else {
    const [name, e] = schedules[0]! as [string, JsonObject];
    const p = isObject(e.Properties) ? e.Properties : {};
    if (refOf(p.ScheduleExpression) !== 'ReconcileSchedule') {
      problems.push({
        path: joinPath(joinPath(joinPath(base, 'Events'), name), 'Properties.ScheduleExpression'),
        message: 'must be !Ref ReconcileSchedule',
      });
    }
  }
  const invoke = isObject(props.EventInvokeConfig) ? props.EventInvokeConfig : {};
  const onFailure = isObject(invoke.DestinationConfig) ? invoke.DestinationConfig.OnFailure : undefined;
  if (props.DeadLetterQueue === undefined && !isObject(onFailure)) {
    problems.push({
      path: base,
      message: 'needs a DeadLetterQueue or an EventInvokeConfig.DestinationConfig.OnFailure for failed runs',
    });
  }
  const timeout = num(props.Timeout) ?? 3;
  if (timeout < MIN_RECONCILE_TIMEOUT) {
    problems.push({
      path: joinPath(base, 'Timeout'),
      message: `${timeout} s is too short for a large account (at least ${MIN_RECONCILE_TIMEOUT})`,
    });
  }
  return problems;
}

interface AlarmSpec {
  what: string;
  match: (p: JsonObject) => boolean;
}

const dims = (p: JsonObject): JsonObject[] => (Array.isArray(p.Dimensions) ? p.Dimensions.filter(isObject) : []);
const dimRef = (p: JsonObject, name: string): string | undefined => {
  const d = dims(p).find((x) => x.Name === name);
  return d ? (refOf(d.Value) ?? (isObject(d.Value) ? getAttOf(d.Value) : undefined)) : undefined;
};
const getAttOf = (v: JsonObject): string | undefined => {
  const att = v['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
};
const serviceMetric = (p: JsonObject, name: string) =>
  p.Namespace === METRICS_NAMESPACE &&
  p.MetricName === name &&
  dims(p).some((d) => d.Name === SERVICE_DIMENSION.Name && d.Value === SERVICE_DIMENSION.Value);

function checkAlarms(t: Template): Problem[] {
  const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([, p]) => p);
  const deadLetterIds = resourcesOfType(t, 'AWS::SQS::Queue')
    .map(([, p]) => (isObject(p.RedrivePolicy) ? getAttArnOf(p.RedrivePolicy.deadLetterTargetArn) : undefined))
    .filter((x): x is string => x !== undefined);
  const wanted: AlarmSpec[] = [
    ...deadLetterIds.map((q) => ({
      what: `dead-letter queue ${q} not empty`,
      match: (p: JsonObject) =>
        p.Namespace === 'AWS/SQS' &&
        p.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        dimRef(p, 'QueueName') === q,
    })),
    ...serverlessFunctions(t).flatMap((fn) => [
      {
        what: `${fn} errors`,
        match: (p: JsonObject) =>
          p.Namespace === 'AWS/Lambda' && p.MetricName === 'Errors' && dimRef(p, 'FunctionName') === fn,
      },
      {
        what: `${fn} throttles`,
        match: (p: JsonObject) =>
          p.Namespace === 'AWS/Lambda' && p.MetricName === 'Throttles' && dimRef(p, 'FunctionName') === fn,
      },
    ]),
    { what: 'rejected changes (ChangesRejected)', match: (p) => serviceMetric(p, 'ChangesRejected') },
    {
      what: 'reconcile not succeeding for N periods (ReconcileSucceeded < 1, missing data breaching)',
      match: (p) =>
        serviceMetric(p, 'ReconcileSucceeded') &&
        p.ComparisonOperator === 'LessThanThreshold' &&
        p.TreatMissingData === 'breaching',
    },
  ];
  const problems: Problem[] = [];
  for (const w of wanted) {
    if (!alarms.some(w.match)) problems.push({ path: 'Resources', message: `missing CloudWatch alarm: ${w.what}` });
  }
  for (const [id, p] of resourcesOfType(t, 'AWS::CloudWatch::Alarm')) {
    if (p.Namespace === METRICS_NAMESPACE && !(METRICS as readonly string[]).includes(String(p.MetricName))) {
      problems.push({
        path: joinPath(joinPath('Resources', id), 'Properties.MetricName'),
        message: `${String(p.MetricName)} is not a metric the functions emit (tools/template-check/metrics.ts)`,
      });
    }
  }
  return problems;
}

function checkDashboard(t: Template): Problem[] {
  const dashboards = resourcesOfType(t, 'AWS::CloudWatch::Dashboard');
  if (dashboards.length !== 1)
    return [{ path: 'Resources', message: `expected one AWS::CloudWatch::Dashboard, found ${dashboards.length}` }];
  const [id, p] = dashboards[0]!;
  const path = joinPath(joinPath('Resources', id), 'Properties.DashboardBody');
  let body: unknown;
  try {
    const text = evaluate(p.DashboardBody ?? null, makeContext(t, FULL_PARAMETERS));
    body = JSON.parse(String(text));
  } catch (e) {
    return [{ path, message: `does not evaluate to valid JSON: ${(e as Error).message}` }];
  }
  const widgets =
    isObject(body as Json) && Array.isArray((body as JsonObject).widgets)
      ? ((body as JsonObject).widgets as Json[])
      : [];
  const used = new Set<string>();
  for (const w of widgets) {
    if (!isObject(w) || !isObject(w.properties)) continue;
    for (const m of Array.isArray(w.properties.metrics) ? w.properties.metrics : []) {
      if (!Array.isArray(m)) continue;
      if (m[0] === METRICS_NAMESPACE && typeof m[1] === 'string') {
        used.add(m[1]);
        if (m[2] !== SERVICE_DIMENSION.Name || m[3] !== SERVICE_DIMENSION.Value) {
          return [
            {
              path,
              message: `metric ${m[1]} must carry the dimension ${SERVICE_DIMENSION.Name}=${SERVICE_DIMENSION.Value}`,
            },
          ];
        }
        if (!(METRICS as readonly string[]).includes(m[1])) {
          return [{ path, message: `${m[1]} is not a metric the functions emit (tools/template-check/metrics.ts)` }];
        }
      }
    }
    if (typeof w.properties.query === 'string' && w.properties.query.includes('ReconcileSucceeded'))
      used.add('ReconcileSucceeded');
  }
  const problems: Problem[] = [];
  for (const [panel, metrics] of Object.entries(DASHBOARD_PANELS)) {
    const missing = metrics.filter((m) => !used.has(m));
    if (missing.length) problems.push({ path, message: `the "${panel}" panel is missing ${missing.join(', ')}` });
  }
  return problems;
}

function checkOutputs(t: Template): Problem[] {
  const outputs = t.Outputs ?? {};
  const values = Object.values(outputs).map((o) => o.Value ?? null);
  const problems: Problem[] = [];
  for (const fn of serverlessFunctions(t)) {
    if (!values.some((v) => refOf(v) === fn))
      problems.push({ path: 'Outputs', message: `missing an output with the name of ${fn} (!Ref ${fn})` });
  }
  for (const [id] of resourcesOfType(t, 'AWS::SQS::Queue')) {
    if (!values.some((v) => refOf(v) === id))
      problems.push({ path: 'Outputs', message: `missing an output with the URL of ${id} (!Ref ${id})` });
  }
  const ctx = makeContext(t, FULL_PARAMETERS);
  const commands = Object.values(outputs)
    .map((o) => {
      try {
        return String(evaluate(o.Value ?? null, ctx));
      } catch {
        return '';
      }
    })
    .filter((s) => s.startsWith('sam remote invoke'));
  const dryRun = commands.find((c) => c.includes(RECONCILE_FUNCTION) && /"dryRun":\s*true/.test(c));
  if (!dryRun) {
    problems.push({
      path: 'Outputs',
      message: `missing a ready-to-paste 'sam remote invoke ${RECONCILE_FUNCTION} ... --event '{"dryRun": true}'' output`,
    });
  } else {
    const event = /--event '([^']*)'/.exec(dryRun)?.[1];
    try {
      if (!event || JSON.parse(event).dryRun !== true) throw new Error('no dryRun');
    } catch {
      problems.push({
        path: 'Outputs',
        message: `the sam remote invoke command's --event is not valid JSON with "dryRun": true: ${dryRun}`,
      });
    }
  }
  return problems;
}

export function checkProjectRules(template: Template): Problem[] {
  return [
    ...checkParameters(template),
    ...checkGlobals(template),
    ...checkEnvironment(template),
    ...checkEventPath(template),
    ...checkReconciler(template),
    ...checkAlarms(template),
    ...checkDashboard(template),
    ...checkOutputs(template),
  ];
}
