import { type EvalContext, evaluate, IntrinsicError } from './intrinsics';
import { PROBE_CLOUDMAP_ZONES, PROBE_DOMAINS, PROBE_ZONES, probeContexts } from './probes';
import { isObject, type Json, type JsonObject, joinPath, type Problem, type Template } from './types';

/**
 * Least-privilege rules for every policy document in the template, evaluated with probe parameter values in every
 * supported partition (so `Fn::If`/`Fn::Split` expressions are checked by what they produce, not by how they look):
 *
 * - no action or NotAction contains `*`, anywhere (identity, trust and resource policies, Allow and Deny);
 * - an identity-policy Allow uses Resource "*" only for actions that support no resource-level permissions;
 * - route53:ChangeResourceRecordSets is allowed only on the hosted zone ARNs of HostedZoneIds (and, for Cloud Map's
 *   own writes, CloudMapHostedZoneIds), in the deployment's partition, and on HostedZoneIds only together with the
 *   route53:ChangeResourceRecordSetsNormalizedRecordNames condition limited to WritableDomains;
 * - no managed policy from outside the template (it could not be inspected here), no SAM policy templates.
 */

/** Actions that support no resource-level permissions (or, for List*, none narrower than the account), with why. */
export const RESOURCE_STAR_ALLOWED: Record<string, string> = {
  'ec2:DescribeInstances': 'EC2 Describe* actions have no resource type',
  'ec2:DescribeNetworkInterfaces': 'EC2 Describe* actions have no resource type',
  'elasticloadbalancing:DescribeTargetGroups': 'ELBv2 Describe* actions have no resource type',
  'elasticloadbalancing:DescribeLoadBalancers': 'ELBv2 Describe* actions have no resource type',
  'ecs:ListClusters': 'no resource type',
  'ecs:DescribeTaskDefinition': 'no resource type',
  'ecs:ListServices': 'no resource type (filtered by the ecs:cluster condition key only)',
  'ecs:ListTasks': 'its only resource type is the container instance it filters on; a cluster-wide listing names none',
  'route53:CreateHealthCheck': 'no resource type (the health check does not exist yet)',
};

const CRRS = 'route53:ChangeResourceRecordSets';
const NAME_KEY = 'route53:ChangeResourceRecordSetsNormalizedRecordNames';

interface Document {
  path: string;
  kind: 'identity' | 'trust' | 'resource';
  document: Json;
}

const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: Json | undefined): string[] => asList(v).filter((x): x is string => typeof x === 'string');

function policyDocuments(template: Template): { documents: Document[]; problems: Problem[] } {
  const documents: Document[] = [];
  const problems: Problem[] = [];
  const managedInTemplate = new Set(
    Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
      .map(([id]) => id),
  );
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const props = r.Properties ?? {};
    const base = joinPath(joinPath('Resources', id), 'Properties');
    switch (r.Type) {
      case 'AWS::IAM::Role': {
        if (props.AssumeRolePolicyDocument !== undefined) {
          documents.push({
            path: joinPath(base, 'AssumeRolePolicyDocument'),
            kind: 'trust',
            document: props.AssumeRolePolicyDocument,
          });
        }
        asList(props.Policies).forEach((p, i) => {
          if (isObject(p))
            documents.push({
              path: joinPath(joinPath(joinPath(base, 'Policies'), i), 'PolicyDocument'),
              kind: 'identity',
              document: p.PolicyDocument ?? null,
            });
        });
        asList(props.ManagedPolicyArns).forEach((arn, i) => {
          const ok = isObject(arn) && typeof arn.Ref === 'string' && managedInTemplate.has(arn.Ref);
          if (!ok) {
            problems.push({
              path: joinPath(joinPath(base, 'ManagedPolicyArns'), i),
              message: `managed policy ${JSON.stringify(arn)} is not defined in this template, so its actions cannot be checked`,
            });
          }
        });
        break;
      }
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::Policy':
        documents.push({
          path: joinPath(base, 'PolicyDocument'),
          kind: 'identity',
          document: props.PolicyDocument ?? null,
        });
        break;
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::S3::BucketPolicy':
        documents.push({
          path: joinPath(base, 'PolicyDocument'),
          kind: 'resource',
          document: props.PolicyDocument ?? null,
        });
        break;
      case 'AWS::Serverless::Function':
        asList(props.Policies).forEach((p, i) => {
          const at = joinPath(joinPath(base, 'Policies'), i);
          if (isObject(p) && 'Statement' in p) documents.push({ path: at, kind: 'identity', document: p });
          else
            problems.push({
              path: at,
              message: `policy ${JSON.stringify(p)} (managed policy or SAM policy template) cannot be checked offline; use inline statements`,
            });
        });
        break;
      default:
        break;
    }
  }
  return { documents, problems };
}

function statementPath(docPath: string, statement: JsonObject, index: number): string {
  return `${docPath}.Statement[${typeof statement.Sid === 'string' ? statement.Sid : index}]`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function checkRoute53Write(statement: JsonObject, path: string, ctx: EvalContext): Problem[] {
  const problems: Problem[] = [];
  const partition = ctx.pseudo.partition;
  const zoneArn = new RegExp(`^arn:${escapeRegExp(partition)}:route53:::hostedzone/([A-Z0-9]+)$`);
  const resources = strings(statement.Resource);
  if (statement.NotResource !== undefined || resources.length === 0) {
    return [{ path, message: `${CRRS} must be scoped to the configured hosted zones' ARNs (no NotResource)` }];
  }
  const zones: string[] = [];
  for (const r of resources) {
    const m = zoneArn.exec(r);
    const zone = m?.[1];
    if (!zone || (!PROBE_ZONES.includes(zone) && !PROBE_CLOUDMAP_ZONES.includes(zone))) {
      problems.push({
        path,
        message: `${CRRS} must be scoped to the configured hosted zones' ARNs (arn:${partition}:route53:::hostedzone/<id> from HostedZoneIds or CloudMapHostedZoneIds), got '${r}'`,
      });
    } else zones.push(zone);
  }
  const condition = isObject(statement.Condition) ? statement.Condition : {};
  const nameValues: string[] = [];
  let hasNameCondition = false;
  for (const [operator, keys] of Object.entries(condition)) {
    if (!isObject(keys) || !(NAME_KEY in keys)) continue;
    if (!/^ForAllValues:String(Equals|Like)$/.test(operator)) {
      problems.push({
        path,
        message: `${NAME_KEY} must be used with ForAllValues:StringLike or ForAllValues:StringEquals, not ${operator}`,
      });
      continue;
    }
    hasNameCondition = true;
    nameValues.push(...strings(keys[NAME_KEY]));
  }
  const touchesConfiguredZones = zones.some((z) => PROBE_ZONES.includes(z));
  if (touchesConfiguredZones && !hasNameCondition) {
    problems.push({
      path,
      message: `${CRRS} on the configured zones needs the condition ${NAME_KEY} (ForAllValues:StringLike) limiting names to WritableDomains`,
    });
  }
  if (hasNameCondition) {
    const allowed = new Set(PROBE_DOMAINS.flatMap((d) => [d, `*.${d}`]));
    for (const v of nameValues) {
      if (!allowed.has(v))
        problems.push({ path, message: `${NAME_KEY} value '${v}' is not one of WritableDomains or *.<domain>` });
    }
    for (const d of PROBE_DOMAINS) {
      if (!nameValues.includes(d) && !nameValues.includes(`*.${d}`)) {
        problems.push({ path, message: `${NAME_KEY} does not cover WritableDomains entry '${d}'` });
      }
    }
  }
  return problems;
}

function checkStatement(doc: Document, statement: Json, index: number, ctx: EvalContext): Problem[] {
  if (!isObject(statement))
    return [{ path: `${doc.path}.Statement[${index}]`, message: 'a statement must be an object' }];
  const path = statementPath(doc.path, statement, index);
  const problems: Problem[] = [];
  const actions = strings(statement.Action);
  if (statement.NotAction !== undefined) {
    problems.push({ path, message: 'NotAction grants or denies every other action: list the actions instead' });
  }
  for (const a of [...actions, ...strings(statement.NotAction)]) {
    if (a.includes('*')) problems.push({ path, message: `wildcard action '${a}': list the exact actions` });
    else if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a))
      problems.push({ path, message: `'${a}' is not a service:Action name` });
  }
  if (statement.Effect !== 'Allow') return problems;
  if (doc.kind === 'resource') {
    const principal = statement.Principal;
    if ((principal === '*' || (isObject(principal) && principal.AWS === '*')) && statement.Condition === undefined) {
      problems.push({ path, message: 'Allow to any principal without a condition' });
    }
    return problems;
  }
  if (doc.kind === 'trust') {
    const principal = statement.Principal;
    if (principal === '*' || (isObject(principal) && principal.AWS === '*')) {
      problems.push({ path, message: 'a role that anyone may assume' });
    }
    return problems;
  }
  if (statement.NotResource !== undefined)
    problems.push({ path, message: 'NotResource in an Allow grants everything else' });
  const resources = strings(statement.Resource);
  if (resources.includes('*')) {
    for (const a of actions) {
      if (!(a in RESOURCE_STAR_ALLOWED)) {
        problems.push({
          path,
          message: `Resource '*' for ${a}, which supports resource-level permissions: name the resources`,
        });
      }
    }
  }
  if (actions.includes(CRRS)) problems.push(...checkRoute53Write(statement, path, ctx));
  return problems;
}

export function checkIam(template: Template): Problem[] {
  const { documents, problems } = policyDocuments(template);
  const contexts = probeContexts(template);
  // The same problem usually shows in every probe deployment: report it once, and say where when it does not.
  const found = new Map<string, { problem: Problem; labels: string[] }>();
  const add = (p: Problem, label: string) => {
    const key = `${p.path}|${p.message}`;
    const entry = found.get(key) ?? { problem: p, labels: [] };
    entry.labels.push(label);
    found.set(key, entry);
  };
  for (const { label, ctx } of contexts) {
    for (const doc of documents) {
      let evaluated: ReturnType<typeof evaluate>;
      try {
        evaluated = evaluate(doc.document, ctx);
      } catch (e) {
        if (e instanceof IntrinsicError) {
          add({ path: doc.path, message: `cannot evaluate the policy (${e.message})` }, label);
          continue;
        }
        throw e;
      }
      if (!isObject(evaluated)) {
        add({ path: doc.path, message: 'a policy document must be an object' }, label);
        continue;
      }
      asList(evaluated.Statement).forEach((s, i) => {
        for (const p of checkStatement(doc, s, i, ctx)) add(p, label);
      });
    }
  }
  for (const { problem, labels } of found.values()) {
    const where = labels.length < contexts.length ? ` (with ${labels.join('; ')})` : '';
    problems.push({ path: problem.path, message: `${problem.message}${where}` });
  }
  return problems;
}
