import { type EvalContext, makeContext } from './intrinsics';
import { FULL_PARAMETERS, MINIMAL_PARAMETERS } from './probes';
import { isObject, type Json, joinPath, type Problem, type Template } from './types';

/**
 * The template's Rules section, evaluated the way CloudFormation does before it creates a change set: for each rule
 * whose RuleCondition holds, every Assert must be true, or the deployment is refused with AssertDescription.
 * Only the rule-specific functions CloudFormation allows there (and Ref) are understood.
 */

export class RuleError extends Error {
  override readonly name = 'RuleError';
}

type Value = string | string[] | boolean;

function value(expr: Json, ctx: EvalContext): Value {
  if (typeof expr === 'string' || typeof expr === 'boolean') return expr;
  if (typeof expr === 'number') return String(expr);
  if (Array.isArray(expr)) return expr.map((e) => String(value(e, ctx)));
  if (!isObject(expr)) throw new RuleError(`cannot evaluate ${JSON.stringify(expr)} in a rule`);
  const [fn, arg] = Object.entries(expr)[0]!;
  const args = Array.isArray(arg) ? arg : [arg];
  const list = (e: Json): string[] => {
    const v = value(e, ctx);
    return Array.isArray(v) ? v : [String(v)];
  };
  switch (fn) {
    case 'Ref': {
      const name = String(arg);
      if (name.startsWith('AWS::')) {
        const pseudo: Record<string, string> = {
          'AWS::Region': ctx.pseudo.region,
          'AWS::Partition': ctx.pseudo.partition,
        };
        if (name in pseudo) return pseudo[name]!;
        throw new RuleError(`Ref ${name} is not available in a rule`);
      }
      if (!(name in ctx.parameters)) throw new RuleError(`Ref to unknown parameter ${name}`);
      return ctx.parameters[name]!;
    }
    case 'Fn::Equals':
      return String(value(args[0]!, ctx)) === String(value(args[1]!, ctx));
    case 'Fn::Not':
      return value(args[0]!, ctx) !== true;
    case 'Fn::And':
      return args.every((a) => value(a, ctx) === true);
    case 'Fn::Or':
      return args.some((a) => value(a, ctx) === true);
    case 'Fn::Contains':
      return list(args[0]!).includes(String(value(args[1]!, ctx)));
    case 'Fn::EachMemberEquals':
      return list(args[0]!).every((m) => m === String(value(args[1]!, ctx)));
    case 'Fn::EachMemberIn': {
      const allowed = list(args[1]!);
      return list(args[0]!).every((m) => allowed.includes(m));
    }
    default:
      throw new RuleError(`${fn} is not a function CloudFormation allows in Rules`);
  }
}

/** The AssertDescriptions of the assertions that fail with these parameter values (empty: the deployment proceeds). */
export function failedRules(template: Template, parameters: Record<string, string | string[]>): string[] {
  const ctx = makeContext(template, parameters);
  const failed: string[] = [];
  for (const [name, rule] of Object.entries((template.Rules ?? {}) as Record<string, Json>)) {
    if (!isObject(rule)) throw new RuleError(`rule ${name} is not an object`);
    if (rule.RuleCondition !== undefined && value(rule.RuleCondition, ctx) !== true) continue;
    for (const a of Array.isArray(rule.Assertions) ? rule.Assertions : []) {
      if (!isObject(a) || a.Assert === undefined) throw new RuleError(`rule ${name} has an assertion without Assert`);
      if (value(a.Assert, ctx) !== true) failed.push(`${name}: ${String(a.AssertDescription ?? 'assertion failed')}`);
    }
  }
  return failed;
}

/** The probe parameter sets the other checks use are good deployments: no rule may refuse them. */
export function checkRules(template: Template): Problem[] {
  const problems: Problem[] = [];
  for (const [label, params] of [
    ['minimal parameters', MINIMAL_PARAMETERS],
    ['all features on', FULL_PARAMETERS],
  ] as const) {
    let failed: string[];
    try {
      failed = failedRules(template, params);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      problems.push({ path: 'Rules', message: `cannot evaluate: ${e.message}` });
      continue;
    }
    for (const f of failed)
      problems.push({ path: joinPath('Rules', f.split(':')[0]!), message: `refuses ${label}: ${f}` });
  }
  return problems;
}
