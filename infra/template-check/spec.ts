import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { describe, isIntrinsic } from './intrinsics';
import { isObject, type Json, type JsonObject, joinPath, type Problem, type Template } from './types';

/**
 * Validates resources against the CloudFormation resource specification that the CDK ships
 * (`@aws-cdk/aws-service-spec`, loaded through its own API): property names, required properties and basic types
 * (string, number, boolean, list, map, nested property types), with intrinsic functions accepted wherever a value
 * goes (both branches of an `Fn::If` are checked). Plain `AWS::*` resources are checked whole; for SAM resources the
 * properties that mean the same as the generated CloudFormation resource's are checked against that resource.
 */

export type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;

/** The parts of the spec's property types this checker reads. */
type SpecType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };

interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

interface SpecShape {
  name: string;
  properties: Record<string, SpecProperty>;
}

export interface SpecResource extends SpecShape {
  cloudFormationType: string;
  attributes: Record<string, unknown>;
}

export class Spec {
  private readonly resources = new Map<string, SpecResource | undefined>();

  constructor(private readonly db: SpecDatabase) {}

  /** Loads the database shipped in the npm package (about a second): do it once per process. */
  static load(): Spec {
    return new Spec(loadAwsServiceSpecSync());
  }

  resource(cfnType: string): SpecResource | undefined {
    if (!this.resources.has(cfnType)) {
      const found = this.db.lookup('resource', 'cloudFormationType', 'equals', cfnType);
      this.resources.set(cfnType, found.length === 1 ? (found[0] as unknown as SpecResource) : undefined);
    }
    return this.resources.get(cfnType);
  }

  attributes(cfnType: string): readonly string[] | undefined {
    const r = this.resource(cfnType);
    return r ? Object.keys(r.attributes) : undefined;
  }

  typeDefinition(ref: { $ref: string }): SpecShape {
    return this.db.get('typeDefinition', ref as never) as unknown as SpecShape;
  }
}

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Metadata',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

function typeName(t: SpecType, spec: Spec): string {
  switch (t.type) {
    case 'ref':
      return spec.typeDefinition(t.reference).name;
    case 'array':
      return `list of ${typeName(t.element, spec)}`;
    case 'map':
      return `map of ${typeName(t.element, spec)}`;
    case 'union':
      return t.types.map((u) => typeName(u, spec)).join(' or ');
    default:
      return t.type;
  }
}

const isNumeric = (v: Json): boolean => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v));

/** Problems of `value` against `t`; CloudFormation's own coercions (numbers and booleans as strings) pass. */
function checkValue(value: Json, t: SpecType, path: string, spec: Spec, owner: string): Problem[] {
  if (isObject(value) && isIntrinsic(value)) {
    const [fn, arg] = Object.entries(value)[0]!;
    if (fn === 'Fn::If' && Array.isArray(arg)) {
      return arg.slice(1).flatMap((branch, i) => {
        if (isObject(branch) && branch.Ref === 'AWS::NoValue') return [];
        return checkValue(branch, t, joinPath(joinPath(path, 'Fn::If'), i + 1), spec, owner);
      });
    }
    return [];
  }
  const wrong = (expected: string): Problem[] => [
    { path, message: `expected ${expected} for ${owner}, got ${describe(value)}` },
  ];
  switch (t.type) {
    case 'string':
    case 'date-time':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? []
        : wrong('a string');
    case 'number':
    case 'integer':
      return isNumeric(value) && (t.type === 'number' || Number.isInteger(Number(value)))
        ? []
        : wrong(t.type === 'integer' ? 'an integer' : 'a number');
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong('a boolean');
    case 'json':
      return isObject(value) || Array.isArray(value) || typeof value === 'string' ? [] : wrong('a JSON object');
    case 'null':
      return [];
    case 'tag':
      if (!isObject(value)) return wrong('a tag {Key, Value}');
      return checkShape(value, { name: 'Tag', properties: TAG_PROPERTIES }, path, spec, owner);
    case 'array':
      if (!Array.isArray(value)) return wrong(`a list (${typeName(t, spec)})`);
      return value.flatMap((v, i) => checkValue(v, t.element, joinPath(path, i), spec, owner));
    case 'map':
      if (!isObject(value)) return wrong(`a map (${typeName(t, spec)})`);
      return Object.entries(value).flatMap(([k, v]) => checkValue(v, t.element, joinPath(path, k), spec, owner));
    case 'ref': {
      const def = spec.typeDefinition(t.reference);
      if (!isObject(value)) return wrong(`an object (${def.name})`);
      return checkShape(value, def, path, spec, `${owner} ${def.name}`);
    }
    case 'union': {
      let best: Problem[] | undefined;
      for (const member of t.types) {
        const problems = checkValue(value, member, path, spec, owner);
        if (problems.length === 0) return [];
        if (!best || problems.length < best.length) best = problems;
      }
      return best ?? [];
    }
  }
}

const TAG_PROPERTIES: Record<string, SpecProperty> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

function checkShape(value: JsonObject, shape: SpecShape, path: string, spec: Spec, owner: string): Problem[] {
  const problems: Problem[] = [];
  for (const [key, v] of Object.entries(value)) {
    const prop = shape.properties[key];
    if (!prop) {
      problems.push({
        path: joinPath(path, key),
        message: `unknown property '${key}' for ${owner}${hint(key, shape)}`,
      });
      continue;
    }
    problems.push(...checkValue(v, prop.type, joinPath(path, key), spec, owner));
  }
  for (const [key, prop] of Object.entries(shape.properties)) {
    if (prop.required && !(key in value)) {
      problems.push({ path, message: `missing required property '${key}' for ${owner}` });
    }
  }
  return problems;
}

/** ` (did you mean 'X'?)` for a near miss. */
function hint(key: string, shape: SpecShape): string {
  const lower = key.toLowerCase();
  const close = Object.keys(shape.properties).find((p) => distance(p.toLowerCase(), lower) <= 2);
  return close ? ` (did you mean '${close}'?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Validates `props` (some or all of a resource's properties) against the spec resource `cfnType`. */
export function checkAgainstResource(
  props: JsonObject,
  cfnType: string,
  path: string,
  spec: Spec,
  options: { partial?: boolean; owner?: string } = {},
): Problem[] {
  const resource = spec.resource(cfnType);
  if (!resource) return [{ path, message: `unknown resource type '${cfnType}' (not in the CloudFormation spec)` }];
  const owner = options.owner ?? cfnType;
  if (!options.partial) return checkShape(props, resource, path, spec, owner);
  return Object.entries(props).flatMap(([key, v]) => {
    const prop = resource.properties[key];
    return prop ? checkValue(v, prop.type, joinPath(path, key), spec, owner) : [];
  });
}

/** Checks every plain CloudFormation resource (`AWS::*`, not `AWS::Serverless::*`) against the spec. */
export function checkCloudFormationResources(template: Template, spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const base = joinPath('Resources', id);
    if (!isObject(resource)) {
      problems.push({ path: base, message: 'a resource must be an object with a Type' });
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key))
        problems.push({ path: joinPath(base, key), message: `unknown resource attribute '${key}'` });
    }
    const type = resource.Type;
    if (typeof type !== 'string') {
      problems.push({ path: joinPath(base, 'Type'), message: 'missing resource Type' });
      continue;
    }
    if (!type.startsWith('AWS::') || type.startsWith('AWS::Serverless::')) continue;
    const props = resource.Properties ?? {};
    if (!isObject(props)) {
      problems.push({ path: joinPath(base, 'Properties'), message: 'Properties must be an object' });
      continue;
    }
    problems.push(...checkAgainstResource(props, type, joinPath(base, 'Properties'), spec));
  }
  return problems;
}

/**
 * Validates the keys of `props` that also exist in the nested property type `propertyName` of `cfnType` (for SAM
 * properties that CloudFormation receives inside another structure, e.g. a ScheduleV2 event's `RetryPolicy`, which
 * becomes `AWS::Scheduler::Schedule.Target.RetryPolicy`).
 */
export function checkAgainstPropertyType(
  props: JsonObject,
  cfnType: string,
  propertyName: string,
  path: string,
  spec: Spec,
  owner: string,
): Problem[] {
  const prop = spec.resource(cfnType)?.properties[propertyName];
  if (prop?.type.type !== 'ref') return [{ path, message: `no property type ${cfnType}.${propertyName}` }];
  const shape = spec.typeDefinition(prop.type.reference);
  return Object.entries(props).flatMap(([key, v]) => {
    const p = shape.properties[key];
    return p ? checkValue(v, p.type, joinPath(path, key), spec, owner) : [];
  });
}
