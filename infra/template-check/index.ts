import { checkBuiltHandlers, resolveHandlers } from './handlers';
import { checkIam } from './iam';
import { checkProjectRules } from './project';
import { checkReferences } from './refs';
import { checkSamSchema, checkServerlessFunctions, loadSamSchema, type SchemaLoad } from './sam';
import { checkCloudFormationResources, type Spec } from './spec';
import type { Problem, Template } from './types';

export { checkBuiltHandlers, resolveHandlers } from './handlers';
export { loadTemplate, parseTemplateText } from './parse';
export { loadSamSchema, SAM_SCHEMA_ENV, samSchemaPath } from './sam';
export { Spec } from './spec';
export { formatProblem, type Problem, type Template } from './types';

export interface CheckOptions {
  /** Project root: CodeUri and entry points resolve against it, bundles are looked up in its dist/. */
  projectRoot: string;
  spec: Spec;
  /** The SAM schema, or where it was looked for; defaults to loadSamSchema(projectRoot). */
  samSchema?: SchemaLoad;
  /** Under CI a missing SAM schema is a problem; elsewhere the schema step is skipped with a note. */
  ci?: boolean;
  /** Also check the built bundles in dist/ (needs `npm run build` first). */
  built?: boolean;
}

export interface CheckReport {
  problems: Problem[];
  /** What was skipped or how something was verified; informational. */
  notes: string[];
}

/** Runs every offline check on a parsed template. Each step is a pure function returning readable problems. */
export function checkTemplate(template: Template, options: CheckOptions): CheckReport {
  const notes: string[] = [];
  const problems: Problem[] = [
    ...checkCloudFormationResources(template, options.spec),
    ...checkServerlessFunctions(template, options.spec),
    ...checkReferences(template, (type) => options.spec.attributes(type)),
    ...resolveHandlers(template, options.projectRoot).problems,
    ...checkIam(template),
    ...checkProjectRules(template),
  ];
  const schema = options.samSchema ?? loadSamSchema(options.projectRoot);
  if (schema.status === 'loaded') {
    problems.push(...checkSamSchema(template, schema.schema));
    notes.push(`validated against the SAM schema ${schema.path}`);
  } else if (options.ci) {
    problems.push({
      path: '(SAM schema)',
      message: `${schema.path} not found: CI must validate against the SAM schema (set SAM_SCHEMA_PATH or check out ../shared)`,
    });
  } else {
    notes.push(
      `skipped SAM schema validation: ${schema.path} not found (set SAM_SCHEMA_PATH); CI=true makes this an error`,
    );
  }
  if (options.built) {
    const built = checkBuiltHandlers(template, options.projectRoot);
    problems.push(...built.problems);
    notes.push(...built.notes);
  }
  return { problems, notes };
}
