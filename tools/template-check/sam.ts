import { isIntrinsic } from './intrinsics';
import { isObject, type Json, type JsonObject, type Template } from './types';

/**
 * SAM's Globals merge, as the SAM translator does it, so the stack rules see each function's effective properties.
 * Schema and property validation of the SAM resources is cfn-lint's job (test/infra/cfn-lint.test.ts).
 */

/** SAM's Globals merge: the function's value wins, maps merge key by key, lists are appended to the global ones. */
export function mergeGlobals(global: Json | undefined, local: Json | undefined): Json | undefined {
  if (global === undefined) return local;
  if (local === undefined) return global;
  if (isObject(global) && isObject(local) && !isIntrinsic(global) && !isIntrinsic(local)) {
    const out: JsonObject = { ...global };
    for (const [k, v] of Object.entries(local)) out[k] = mergeGlobals(global[k], v) as Json;
    return out;
  }
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  return local;
}

/** A function's properties with `Globals.Function` merged in. */
export function functionProperties(template: Template, logicalId: string): JsonObject {
  const props = template.Resources[logicalId]?.Properties ?? {};
  const merged = mergeGlobals(template.Globals?.Function, props);
  return isObject(merged) ? merged : {};
}

export const serverlessFunctions = (template: Template): string[] =>
  Object.entries(template.Resources ?? {})
    .filter(([, r]) => r?.Type === 'AWS::Serverless::Function')
    .map(([id]) => id);
