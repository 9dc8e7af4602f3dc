import { isObject, type Json, type JsonObject, type Template } from './types';

/**
 * CloudFormation intrinsic functions: recognising them (so the spec check accepts them wherever a value goes) and
 * evaluating them against sample parameter values (so the IAM and project rules can look at the policy that a
 * real deployment would get, for several parameter sets and partitions).
 */

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
] as const;

/** `{"Ref": ...}`, `{"Fn::...": ...}` or a condition reference `{"Condition": ...}`: an object with one such key. */
export function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const key = keys[0]!;
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

/** Placeholder names in a `Fn::Sub` string: `${Name}` and `${Resource.Attribute}`, skipping `${!Literal}`. */
export function subVariables(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = m[1]!;
    if (!name.startsWith('!')) out.push(name.trim());
  }
  return out;
}

export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type Evaluated = Json | typeof NO_VALUE;

export interface EvalContext {
  template: Template;
  /** Parameter values: strings, or string lists for CommaDelimitedList / List<...> parameters. */
  parameters: Record<string, string | string[]>;
  pseudo: { partition: string; region: string; accountId: string; stackName: string };
  conditions: Record<string, boolean>;
}

export class IntrinsicError extends Error {
  override readonly name = 'IntrinsicError';
}

const refPlaceholder = (logicalId: string): string => `{{Ref:${logicalId}}}`;
const attPlaceholder = (logicalId: string, attr: string): string => `{{GetAtt:${logicalId}.${attr}}}`;

function pseudoValue(name: string, ctx: EvalContext): Evaluated {
  const { partition, region, accountId, stackName } = ctx.pseudo;
  switch (name) {
    case 'AWS::Partition':
      return partition;
    case 'AWS::Region':
      return region;
    case 'AWS::AccountId':
      return accountId;
    case 'AWS::StackName':
      return stackName;
    case 'AWS::StackId':
      return `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::URLSuffix':
      return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      throw new IntrinsicError(`unknown pseudo parameter ${name}`);
  }
}

function ref(name: string, ctx: EvalContext): Evaluated {
  if (name.startsWith('AWS::')) return pseudoValue(name, ctx);
  if (name in ctx.parameters) return ctx.parameters[name]!;
  if (ctx.template.Resources[name]) return refPlaceholder(name);
  throw new IntrinsicError(`Ref to unknown ${name}`);
}

function asString(v: Evaluated, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new IntrinsicError(`${what} must be a string, got ${describe(v)}`);
}

function asList(v: Evaluated, what: string): Json[] {
  if (Array.isArray(v)) return v;
  throw new IntrinsicError(`${what} must be a list, got ${describe(v)}`);
}

export function describe(v: unknown): string {
  if (v === NO_VALUE) return 'AWS::NoValue';
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function substitute(text: string, vars: Record<string, Evaluated>, ctx: EvalContext): string {
  return text.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in vars) return asString(vars[name]!, `Fn::Sub variable ${name}`);
    if (name.includes('.') && !name.startsWith('AWS::')) {
      const dot = name.indexOf('.');
      const id = name.slice(0, dot);
      if (!ctx.template.Resources[id])
        throw new IntrinsicError(`Fn::Sub references unknown resource ${id} in \${${name}}`);
      return attPlaceholder(id, name.slice(dot + 1));
    }
    return asString(ref(name, ctx), `\${${name}}`);
  });
}

export function evaluateCondition(name: string, ctx: EvalContext): boolean {
  if (!(name in ctx.conditions)) throw new IntrinsicError(`unknown condition ${name}`);
  return ctx.conditions[name]!;
}

/** Evaluates every intrinsic inside `value`, dropping AWS::NoValue from objects and lists. */
export function evaluate(value: Json, ctx: EvalContext): Evaluated {
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value) {
      const v = evaluate(item, ctx);
      if (v !== NO_VALUE) out.push(v);
    }
    return out;
  }
  if (!isObject(value)) return value;
  if (isIntrinsic(value)) return evaluateIntrinsic(value, ctx);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const e = evaluate(v, ctx);
    if (e !== NO_VALUE) out[k] = e;
  }
  return out;
}

function evaluateIntrinsic(value: JsonObject, ctx: EvalContext): Evaluated {
  const [fn, arg] = Object.entries(value)[0]!;
  switch (fn) {
    case 'Ref':
      return ref(asString(arg, 'Ref'), ctx);
    case 'Condition':
      return evaluateCondition(asString(arg, 'Condition'), ctx);
    case 'Fn::GetAtt': {
      const parts = Array.isArray(arg) ? arg.map((a) => asString(evaluate(a, ctx), 'Fn::GetAtt')) : [];
      if (parts.length !== 2) throw new IntrinsicError('Fn::GetAtt needs [LogicalId, Attribute]');
      if (!ctx.template.Resources[parts[0]!]) throw new IntrinsicError(`Fn::GetAtt to unknown resource ${parts[0]}`);
      return attPlaceholder(parts[0]!, parts[1]!);
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return substitute(arg, {}, ctx);
      const [text, vars] = asList(arg, 'Fn::Sub');
      const evaluatedVars: Record<string, Evaluated> = {};
      for (const [k, v] of Object.entries(isObject(vars) ? vars : {})) evaluatedVars[k] = evaluate(v, ctx);
      return substitute(asString(text ?? null, 'Fn::Sub string'), evaluatedVars, ctx);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asList(arg, 'Fn::Join');
      const items = asList(evaluate(list ?? null, ctx), 'Fn::Join values');
      return items.map((i) => asString(i, 'Fn::Join value')).join(asString(delimiter ?? null, 'Fn::Join delimiter'));
    }
    case 'Fn::Split': {
      const [delimiter, source] = asList(arg, 'Fn::Split');
      return asString(evaluate(source ?? null, ctx), 'Fn::Split source').split(
        asString(delimiter ?? null, 'Fn::Split delimiter'),
      );
    }
    case 'Fn::Select': {
      const [index, list] = asList(arg, 'Fn::Select');
      const items = asList(evaluate(list ?? null, ctx), 'Fn::Select list');
      const i = Number(asString(evaluate(index ?? null, ctx), 'Fn::Select index'));
      if (!Number.isInteger(i) || i < 0 || i >= items.length)
        throw new IntrinsicError(`Fn::Select index ${i} out of range`);
      return items[i]!;
    }
    case 'Fn::If': {
      const [cond, yes, no] = asList(arg, 'Fn::If');
      return evaluateCondition(asString(cond ?? null, 'Fn::If condition'), ctx)
        ? evaluate(yes ?? null, ctx)
        : evaluate(no ?? null, ctx);
    }
    case 'Fn::Equals': {
      const [a, b] = asList(arg, 'Fn::Equals');
      return JSON.stringify(evaluate(a ?? null, ctx)) === JSON.stringify(evaluate(b ?? null, ctx));
    }
    case 'Fn::Not':
      return !(evaluate(asList(arg, 'Fn::Not')[0] ?? null, ctx) === true);
    case 'Fn::And':
      return asList(arg, 'Fn::And').every((c) => evaluate(c, ctx) === true);
    case 'Fn::Or':
      return asList(arg, 'Fn::Or').some((c) => evaluate(c, ctx) === true);
    case 'Fn::FindInMap': {
      const [map, top, second] = asList(arg, 'Fn::FindInMap').map((a) => asString(evaluate(a, ctx), 'Fn::FindInMap'));
      const found = ctx.template.Mappings?.[map!]?.[top!]?.[second!];
      if (found === undefined) throw new IntrinsicError(`Fn::FindInMap ${map}.${top}.${second} not found`);
      return found;
    }
    case 'Fn::Base64':
      return asString(evaluate(arg, ctx), 'Fn::Base64');
    case 'Fn::GetAZs':
      return [`${ctx.pseudo.region}a`, `${ctx.pseudo.region}b`, `${ctx.pseudo.region}c`];
    case 'Fn::ImportValue':
      return `{{ImportValue:${asString(evaluate(arg, ctx), 'Fn::ImportValue')}}}`;
    case 'Fn::ToJsonString':
      return JSON.stringify(evaluate(arg, ctx));
    case 'Fn::Length':
      return asList(evaluate(arg, ctx), 'Fn::Length').length;
    default:
      throw new IntrinsicError(`cannot evaluate ${fn}`);
  }
}

/**
 * Builds an evaluation context: parameter values are the given overrides, else each parameter's Default, else a
 * placeholder `probe-<Name>`; conditions are evaluated in declaration order (they may reference each other).
 */
export function makeContext(
  template: Template,
  overrides: Record<string, string | string[]> = {},
  pseudo: Partial<EvalContext['pseudo']> = {},
): EvalContext {
  const parameters: Record<string, string | string[]> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    const isList = p.Type === 'CommaDelimitedList' || p.Type.startsWith('List<');
    const raw = overrides[name] ?? (p.Default !== undefined ? String(p.Default) : `probe-${name}`);
    parameters[name] = isList ? (Array.isArray(raw) ? raw : raw.split(',').map((s) => s.trim())) : String(raw);
  }
  const ctx: EvalContext = {
    template,
    parameters,
    pseudo: {
      partition: pseudo.partition ?? 'aws',
      region: pseudo.region ?? 'us-east-1',
      accountId: pseudo.accountId ?? '123456789012',
      stackName: pseudo.stackName ?? 'ecs-registrar-probe',
    },
    conditions: {},
  };
  const pending = new Map(Object.entries(template.Conditions ?? {}));
  // Conditions may refer to conditions declared later: resolve until no progress.
  while (pending.size > 0) {
    let progressed = false;
    for (const [name, expr] of pending) {
      try {
        const v = evaluate(expr, ctx);
        ctx.conditions[name] = v === true;
        pending.delete(name);
        progressed = true;
      } catch (e) {
        if (!(e instanceof IntrinsicError && /unknown condition/.test(e.message))) throw e;
      }
    }
    if (!progressed) throw new IntrinsicError(`conditions cannot be resolved: ${[...pending.keys()].join(', ')}`);
  }
  return ctx;
}
