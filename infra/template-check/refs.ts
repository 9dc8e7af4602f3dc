import { PSEUDO_PARAMETERS, subVariables } from './intrinsics';
import { isObject, type Json, joinPath, type Problem, type Template } from './types';

/**
 * Every `Ref`, `Fn::GetAtt` and `Fn::Sub` target exists; so does every condition an `Fn::If`, `Condition` key or
 * `{"Condition": ...}` names, and every `DependsOn` target. Parameters and conditions that nothing uses are reported
 * too: in this template an unused parameter is a setting that silently does nothing.
 */

/** Attributes `Fn::GetAtt` may read on a resource type, or undefined when unknown (then any attribute passes). */
export type AttributeLookup = (resourceType: string) => readonly string[] | undefined;

/** Attributes of SAM resource types (these are not in the CloudFormation spec). */
const SAM_ATTRIBUTES: Record<string, readonly string[]> = {
  'AWS::Serverless::Function': ['Arn'],
};

/** Logical ids SAM generates that a template may reference: `<Function>Role` when the function has no Role. */
function samGeneratedIds(template: Template): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Serverless::Function' && r.Properties?.Role === undefined)
      ids.set(`${id}Role`, 'AWS::IAM::Role');
  }
  return ids;
}

interface Usage {
  parameters: Set<string>;
  conditions: Set<string>;
}

export function checkReferences(template: Template, attributesOf: AttributeLookup = () => undefined): Problem[] {
  const problems: Problem[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Map(Object.entries(template.Resources ?? {}).map(([id, r]) => [id, r.Type]));
  const generated = samGeneratedIds(template);
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const pseudo = new Set<string>(PSEUDO_PARAMETERS);
  const used: Usage = { parameters: new Set(), conditions: new Set() };

  const typeOf = (id: string): string | undefined => resources.get(id) ?? generated.get(id);

  const checkRefName = (name: string, path: string, how: string, locals?: Set<string>): void => {
    if (locals?.has(name)) return;
    if (parameters.has(name)) {
      used.parameters.add(name);
      return;
    }
    if (pseudo.has(name) || typeOf(name)) return;
    problems.push({ path, message: `${how} to unknown '${name}' (not a parameter, resource or pseudo parameter)` });
  };

  const checkAtt = (id: string, attr: string, path: string, how: string): void => {
    const type = typeOf(id);
    if (!type) {
      problems.push({ path, message: `${how} to unknown resource '${id}' (attribute ${attr})` });
      return;
    }
    const known = SAM_ATTRIBUTES[type] ?? attributesOf(type);
    if (known && !known.includes(attr)) {
      problems.push({
        path,
        message: `${how}: ${type} '${id}' has no attribute '${attr}' (it has ${known.join(', ') || 'none'})`,
      });
    }
  };

  const checkCondition = (name: Json, path: string): void => {
    if (typeof name !== 'string') {
      problems.push({ path, message: 'condition name must be a string' });
      return;
    }
    used.conditions.add(name);
    if (!conditions.has(name)) problems.push({ path, message: `unknown condition '${name}'` });
  };

  const walk = (value: Json, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, joinPath(path, i));
      });
      return;
    }
    if (!isObject(value)) return;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = value[key]!;
      const at = joinPath(path, key);
      if (key === 'Ref') {
        if (typeof arg === 'string') checkRefName(arg, at, 'Ref');
        else problems.push({ path: at, message: 'Ref needs a logical id string' });
        return;
      }
      if (key === 'Fn::GetAtt') {
        const parts = typeof arg === 'string' ? arg.split('.') : Array.isArray(arg) ? arg : [];
        const [id, ...attr] = parts;
        if (typeof id === 'string' && attr.every((a) => typeof a === 'string') && attr.length > 0) {
          checkAtt(id, attr.join('.'), at, 'Fn::GetAtt');
        } else {
          problems.push({ path: at, message: 'Fn::GetAtt needs [LogicalId, Attribute]' });
        }
        return;
      }
      if (key === 'Fn::Sub') {
        const [text, vars] = typeof arg === 'string' ? [arg, undefined] : Array.isArray(arg) ? arg : [undefined];
        if (typeof text !== 'string') {
          problems.push({ path: at, message: 'Fn::Sub needs a string or [string, {variables}]' });
          return;
        }
        const locals = new Set(isObject(vars) ? Object.keys(vars) : []);
        for (const name of subVariables(text)) {
          if (locals.has(name)) continue;
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::'))
            checkAtt(name.slice(0, dot), name.slice(dot + 1), at, `\${${name}}`);
          else checkRefName(name, at, `\${${name}}`, locals);
        }
        if (isObject(vars)) walk(vars, joinPath(at, 1));
        return;
      }
      if (key === 'Fn::If') {
        if (Array.isArray(arg)) {
          checkCondition(arg[0] ?? null, joinPath(at, 0));
          walk(arg.slice(1), at);
        } else problems.push({ path: at, message: 'Fn::If needs [condition, then, else]' });
        return;
      }
      if (key === 'Condition' && path.startsWith('Conditions')) {
        checkCondition(arg, at);
        return;
      }
    }
    for (const [k, v] of Object.entries(value)) walk(v, joinPath(path, k));
  };

  for (const [name, expr] of Object.entries(template.Conditions ?? {})) walk(expr, joinPath('Conditions', name));
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const base = joinPath('Resources', id);
    if (r.Condition !== undefined) checkCondition(r.Condition, joinPath(base, 'Condition'));
    const deps = r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
    for (const d of deps) {
      if (!resources.has(d))
        problems.push({ path: joinPath(base, 'DependsOn'), message: `DependsOn unknown resource '${d}'` });
    }
    if (r.Properties) walk(r.Properties, joinPath(base, 'Properties'));
  }
  for (const [name, g] of Object.entries(template.Globals ?? {})) walk(g, joinPath('Globals', name));
  for (const [name, o] of Object.entries(template.Outputs ?? {})) {
    const base = joinPath('Outputs', name);
    if (o.Condition !== undefined) checkCondition(o.Condition, joinPath(base, 'Condition'));
    walk(o, base);
  }
  // Parameters referenced only from the console layout metadata do not count as used.

  for (const name of parameters) {
    if (!used.parameters.has(name)) {
      problems.push({ path: joinPath('Parameters', name), message: `parameter '${name}' is never used` });
    }
  }
  for (const name of conditions) {
    if (!used.conditions.has(name)) {
      problems.push({ path: joinPath('Conditions', name), message: `condition '${name}' is never used` });
    }
  }
  return problems;
}
