import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import { isIntrinsic } from './intrinsics';
import { checkAgainstPropertyType, checkAgainstResource, type Spec } from './spec';
import { isObject, type Json, type JsonObject, joinPath, type Problem, type Template } from './types';

/**
 * SAM-specific checks: the Globals merge (as the SAM translator does it), the Lambda-equivalent properties of every
 * `AWS::Serverless::Function` against `AWS::Lambda::Function` (and its events and invoke config against the
 * resources SAM generates from them), and validation against the SAM JSON schema with ajv-draft-04.
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

/** SAM function properties whose shape differs from the Lambda property of the same name. */
const NOT_LAMBDA_EQUIVALENT = new Set(['Tags']);

const SQS_EVENT_TO_MAPPING = [
  'BatchSize',
  'Enabled',
  'FilterCriteria',
  'FunctionResponseTypes',
  'KmsKeyArn',
  'MaximumBatchingWindowInSeconds',
  'MetricsConfig',
  'ScalingConfig',
];
const SCHEDULE_TO_SCHEDULE = [
  'Description',
  'EndDate',
  'FlexibleTimeWindow',
  'GroupName',
  'KmsKeyArn',
  'Name',
  'ScheduleExpression',
  'ScheduleExpressionTimezone',
  'StartDate',
  'State',
];
const SCHEDULE_TO_TARGET = ['Input', 'RetryPolicy'];
const INVOKE_CONFIG_TO_CFN = ['MaximumEventAgeInSeconds', 'MaximumRetryAttempts'];

const pick = (o: JsonObject, keys: string[]): JsonObject =>
  Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));

export function checkServerlessFunctions(template: Template, spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const lambda = spec.resource('AWS::Lambda::Function');
  for (const id of serverlessFunctions(template)) {
    const base = joinPath(joinPath('Resources', id), 'Properties');
    const props = functionProperties(template, id);
    const overlap = Object.fromEntries(
      Object.entries(props).filter(([k]) => lambda?.properties[k] && !NOT_LAMBDA_EQUIVALENT.has(k)),
    );
    problems.push(
      ...checkAgainstResource(overlap, 'AWS::Lambda::Function', base, spec, {
        partial: true,
        owner: 'AWS::Serverless::Function (as AWS::Lambda::Function)',
      }),
    );
    const invoke = props.EventInvokeConfig;
    if (isObject(invoke)) {
      problems.push(
        ...checkAgainstResource(
          pick(invoke, INVOKE_CONFIG_TO_CFN),
          'AWS::Lambda::EventInvokeConfig',
          joinPath(base, 'EventInvokeConfig'),
          spec,
          {
            partial: true,
          },
        ),
      );
    }
    for (const [name, event] of Object.entries(isObject(props.Events) ? props.Events : {})) {
      if (!isObject(event) || !isObject(event.Properties)) continue;
      const at = joinPath(joinPath(joinPath(base, 'Events'), name), 'Properties');
      if (event.Type === 'SQS') {
        problems.push(
          ...checkAgainstResource(
            pick(event.Properties, SQS_EVENT_TO_MAPPING),
            'AWS::Lambda::EventSourceMapping',
            at,
            spec,
            {
              partial: true,
              owner: 'SQS event (as AWS::Lambda::EventSourceMapping)',
            },
          ),
        );
      }
      if (event.Type === 'ScheduleV2') {
        problems.push(
          ...checkAgainstResource(pick(event.Properties, SCHEDULE_TO_SCHEDULE), 'AWS::Scheduler::Schedule', at, spec, {
            partial: true,
            owner: 'ScheduleV2 event (as AWS::Scheduler::Schedule)',
          }),
          ...checkAgainstPropertyType(
            pick(event.Properties, SCHEDULE_TO_TARGET),
            'AWS::Scheduler::Schedule',
            'Target',
            at,
            spec,
            'ScheduleV2 event (as AWS::Scheduler::Schedule Target)',
          ),
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// SAM JSON schema (../shared/schemas/sam.schema.json, draft-04)
// ---------------------------------------------------------------------------------------------------------------

export const SAM_SCHEMA_ENV = 'SAM_SCHEMA_PATH';

/** Where the schema is: $SAM_SCHEMA_PATH, else ../shared/schemas/sam.schema.json beside the checkout. */
export function samSchemaPath(projectRoot: string): string {
  return process.env[SAM_SCHEMA_ENV] ?? resolve(projectRoot, '..', 'shared', 'schemas', 'sam.schema.json');
}

export type SchemaLoad = { status: 'loaded'; path: string; schema: JsonObject } | { status: 'missing'; path: string };

export function loadSamSchema(projectRoot: string): SchemaLoad {
  const path = samSchemaPath(projectRoot);
  if (!existsSync(path)) return { status: 'missing', path };
  return { status: 'loaded', path, schema: JSON.parse(readFileSync(path, 'utf8')) as JsonObject };
}

interface CompiledSam {
  whole: ValidateFunction;
  byType: Map<string, ValidateFunction>;
  /** Per SAM resource type, a validator per event Type (`SQS`, `ScheduleV2`, ...). */
  events: Map<string, Map<string, ValidateFunction>>;
  globals: ValidateFunction | undefined;
}

const refName = (v: Json | undefined): string | undefined =>
  isObject(v) && typeof v.$ref === 'string' ? v.$ref.replace('#/definitions/', '') : undefined;

/** The event types a resource's `Properties.Events` accepts: Type -> definition name. */
function eventDefinitions(definitions: JsonObject, resourceDef: JsonObject): Map<string, string> {
  const out = new Map<string, string>();
  const propsDef =
    definitions[refName(isObject(resourceDef.properties) ? resourceDef.properties.Properties : undefined) ?? ''];
  const events = isObject(propsDef) && isObject(propsDef.properties) ? propsDef.properties.Events : undefined;
  const branches =
    isObject(events) && isObject(events.additionalProperties) ? events.additionalProperties.anyOf : undefined;
  for (const branch of Array.isArray(branches) ? branches : []) {
    const name = refName(branch);
    const def = name ? definitions[name] : undefined;
    const type = isObject(def) && isObject(def.properties) ? def.properties.Type : undefined;
    const only = isObject(type) && Array.isArray(type.enum) && type.enum.length === 1 ? type.enum[0] : undefined;
    if (name && typeof only === 'string') out.set(only, name);
  }
  return out;
}

const compiled = new WeakMap<JsonObject, CompiledSam>();

function compile(schema: JsonObject): CompiledSam {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(schema, 'sam');
  const whole = ajv.getSchema('sam');
  if (!whole) throw new Error('SAM schema did not compile');
  const definitions = isObject(schema.definitions) ? schema.definitions : {};
  const byType = new Map<string, ValidateFunction>();
  const events = new Map<string, Map<string, ValidateFunction>>();
  for (const [name, def] of Object.entries(definitions)) {
    if (!name.endsWith('__Resource') || !isObject(def) || !isObject(def.properties)) continue;
    const type = def.properties.Type;
    const only = isObject(type) && Array.isArray(type.enum) && type.enum.length === 1 ? type.enum[0] : undefined;
    if (typeof only !== 'string' || !only.startsWith('AWS::Serverless::')) continue;
    const fn = ajv.getSchema(`sam#/definitions/${name}`);
    if (fn) byType.set(only, fn);
    const perEvent = new Map<string, ValidateFunction>();
    for (const [eventType, defName] of eventDefinitions(definitions, def)) {
      const v = ajv.getSchema(`sam#/definitions/${defName}`);
      if (v) perEvent.set(eventType, v);
    }
    events.set(only, perEvent);
  }
  const globals = definitions.__main____Globals ? ajv.getSchema('sam#/definitions/__main____Globals') : undefined;
  const result = { whole, byType, events, globals };
  compiled.set(schema, result);
  return result;
}

function pathOf(base: string, instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((p, s) => joinPath(p, /^\d+$/.test(s) ? Number(s) : s), base);
}

/** Readable messages from ajv errors: unknown properties first; anyOf noise is collapsed to its most specific error. */
function readable(errors: ErrorObject[] | null | undefined, base: string): Problem[] {
  if (!errors?.length) return [];
  const out = new Map<string, Problem>();
  const add = (p: Problem) => out.set(`${p.path}|${p.message}`, p);
  const extra = errors.filter((e) => e.keyword === 'additionalProperties');
  for (const e of extra) {
    const name = (e.params as { additionalProperty?: string }).additionalProperty;
    add({
      path: joinPath(pathOf(base, e.instancePath), name ?? '?'),
      message: `unknown property '${name}' (SAM schema)`,
    });
  }
  if (out.size > 0) return [...out.values()];
  const deepest = Math.max(...errors.map((e) => e.instancePath.split('/').length));
  for (const e of errors.filter((x) => x.instancePath.split('/').length === deepest && x.keyword !== 'anyOf')) {
    add({ path: pathOf(base, e.instancePath), message: `${e.message ?? e.keyword} (SAM schema)` });
  }
  if (out.size === 0) add({ path: base, message: 'does not match the SAM schema' });
  return [...out.values()];
}

/**
 * Validates the template against the SAM schema; per SAM resource, per event (against the definition of its Type,
 * not the anyOf of every event type) and Globals first, for precise messages, then the whole document.
 */
export function checkSamSchema(template: Template, schema: JsonObject): Problem[] {
  const { whole, byType, events, globals } = compile(schema);
  const problems: Problem[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const type = typeof r?.Type === 'string' ? r.Type : '';
    const validate = byType.get(type);
    if (!validate) continue;
    const base = joinPath('Resources', id);
    const perEvent = events.get(type) ?? new Map<string, ValidateFunction>();
    const declared = isObject(r.Properties) && isObject(r.Properties.Events) ? r.Properties.Events : {};
    const eventsChecked = perEvent.size > 0;
    if (!validate(r)) {
      const errors = (validate.errors ?? []).filter(
        (e) => !(eventsChecked && e.instancePath.startsWith('/Properties/Events/')),
      );
      problems.push(...readable(errors, base));
    }
    if (!eventsChecked) continue;
    for (const [name, event] of Object.entries(declared)) {
      const at = joinPath(joinPath(joinPath(base, 'Properties'), 'Events'), name);
      const eventType = isObject(event) ? event.Type : undefined;
      const v = typeof eventType === 'string' ? perEvent.get(eventType) : undefined;
      if (!v) {
        problems.push({
          path: joinPath(at, 'Type'),
          message: `unknown event type ${JSON.stringify(eventType)} (SAM schema: ${[...perEvent.keys()].join(', ')})`,
        });
      } else if (!v(event)) {
        problems.push(...readable(v.errors, at));
      }
    }
  }
  if (template.Globals !== undefined && globals && !globals(template.Globals)) {
    problems.push(...readable(globals.errors, 'Globals'));
  }
  if (problems.length === 0 && !whole(template)) problems.push(...readable(whole.errors, ''));
  return problems;
}
