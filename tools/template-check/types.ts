/** JSON as parsed from template.yaml once the CloudFormation short tags are turned into their long forms. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A template problem: `path` is a dotted path into the template (`Resources.SyncFunction.Properties.Handler`). */
export interface Problem {
  path: string;
  message: string;
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: Json;
  Description?: string;
  Metadata?: JsonObject;
  Parameters?: Record<string, TemplateParameter>;
  Mappings?: Record<string, Record<string, JsonObject>>;
  Conditions?: Record<string, Json>;
  Globals?: Record<string, JsonObject>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, JsonObject>;
  [key: string]: unknown;
}

export interface TemplateParameter {
  Type: string;
  Default?: Json;
  Description?: string;
  AllowedValues?: Json[];
  AllowedPattern?: string;
  [key: string]: unknown;
}

export interface TemplateResource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  Condition?: string;
  DependsOn?: string | string[];
  [key: string]: unknown;
}

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `a.b.c` for a path, with `[i]` for array indexes. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

export const formatProblem = (p: Problem): string => `${p.path}: ${p.message}`;
