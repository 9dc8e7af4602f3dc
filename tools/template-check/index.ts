import { checkBuiltHandlers, resolveHandlers } from './handlers';
import { checkIam } from './iam';
import { checkProjectRules } from './project';
import { checkRules } from './rules';
import type { Problem, Template } from './types';

export { checkBuiltHandlers, resolveHandlers } from './handlers';
export { loadTemplate, parseTemplateText } from './parse';
export { formatProblem, type Problem, type Template } from './types';

/**
 * The checks specific to this stack, kept apart from the product (dev tooling, never deployed): least privilege
 * evaluated with sample parameters, handlers resolving to built bundles, alarm and dashboard metric names matching
 * the emitted metrics, the event path and the parameter rules. Generic template validation (schemas, property names
 * and types, references) is cfn-lint's: `cfn-lint template.yaml`, run by test/infra/cfn-lint.test.ts.
 */
export interface CheckOptions {
  /** Project root: CodeUri and entry points resolve against it, bundles are looked up in its dist/. */
  projectRoot: string;
  /** Also check the built bundles in dist/ (needs `npm run build` first). */
  built?: boolean;
}

export interface CheckReport {
  problems: Problem[];
  /** How something was verified; informational. */
  notes: string[];
}

/** Runs every stack check on a parsed template. Each step is a pure function returning readable problems. */
export function checkTemplate(template: Template, options: CheckOptions): CheckReport {
  const notes: string[] = [];
  const problems: Problem[] = [
    ...resolveHandlers(template, options.projectRoot).problems,
    ...checkIam(template),
    ...checkProjectRules(template),
    ...checkRules(template),
  ];
  if (options.built) {
    const built = checkBuiltHandlers(template, options.projectRoot);
    problems.push(...built.problems);
    notes.push(...built.notes);
  }
  return { problems, notes };
}
