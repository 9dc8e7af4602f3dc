// The import graph of the product code (lib/, functions/, cli/) and the rules DESIGN.md's layers set for it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const PURE = ['lib/events', 'lib/config', 'lib/desired', 'lib/plan', 'lib/domain'];
const DRIVERS = ['lib/sync', 'lib/reconcile'];
const DEV = ['test', 'testkit', 'bench', 'scripts', 'tools'];

// Each rule: which files it governs, what they may not import, and why (the message CI prints).
export const RULES = [
  {
    name: 'pure-layers-call-no-aws',
    from: PURE,
    forbid: ['lib/aws', 'lib/engine', ...DRIVERS, 'lib/runtime.ts', '@aws-sdk/', '@smithy/'],
    why: 'events, config, desired, plan and domain are pure: they take facts and return values, and never call AWS',
  },
  {
    name: 'providers-decide-nothing',
    from: ['lib/aws'],
    forbid: ['lib/desired', 'lib/plan', 'lib/engine', ...DRIVERS, 'lib/runtime.ts'],
    why: 'lib/aws providers read and write AWS; deciding what to register belongs to desired/plan',
  },
  {
    name: 'observability-is-below-the-drivers',
    from: ['lib/observability'],
    forbid: ['lib/aws', 'lib/engine', ...DRIVERS, 'lib/runtime.ts'],
    why: 'logs and metrics are used by every layer, so they import none of the layers above them',
  },
  {
    name: 'engine-serves-both-drivers',
    from: ['lib/engine'],
    forbid: [...DRIVERS, 'lib/runtime.ts'],
    why: 'lib/engine is shared by the event path and the reconciler, so it imports neither',
  },
  {
    name: 'drivers-are-independent',
    from: ['lib/reconcile'],
    forbid: ['lib/sync'],
    why: 'the reconciler and the event path are two drivers over lib/engine; what both need lives in lib/engine',
  },
  {
    name: 'drivers-are-independent',
    from: ['lib/sync'],
    forbid: ['lib/reconcile'],
    why: 'the reconciler and the event path are two drivers over lib/engine; what both need lives in lib/engine',
  },
  {
    name: 'lib-is-below-the-entry-points',
    from: ['lib'],
    forbid: ['functions', 'cli', ...DEV],
    why: 'lib/ is the product library: entry points (functions/, cli/) and dev tooling import it, never the reverse',
  },
  {
    name: 'product-ships-no-dev-tooling',
    from: ['functions', 'cli'],
    forbid: DEV,
    why: 'the bundles SAM builds must not contain test fakes, bench models or dev scripts',
  },
  {
    name: 'handlers-and-cli-are-apart',
    from: ['functions'],
    forbid: ['cli'],
    why: 'Lambda handlers and the CLI are separate entry points over lib/',
  },
];

/** Module specifiers a file imports or re-exports (type-only imports included: layers hold for types too). */
export function importsOf(file, text = readFileSync(file, 'utf8')) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative specifier as a repository path (with its .ts file), a package as itself. */
export function resolveSpecifier(fromFile, spec) {
  if (!spec.startsWith('.')) return spec;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    if (existsSync(candidate)) return candidate;
  }
  return `${base}.ts`;
}

const within = (file, folder) => file === folder || file.startsWith(`${folder}/`);
const matches = (target, forbidden) =>
  forbidden.endsWith('/') && !forbidden.startsWith('lib') ? target.startsWith(forbidden) : within(target, forbidden);

export function ruleViolations(graph) {
  const found = [];
  for (const [file, targets] of graph) {
    for (const rule of RULES) {
      if (!rule.from.some((f) => within(file, f))) continue;
      for (const target of targets) {
        const hit = rule.forbid.find((f) => matches(target, f));
        if (hit) found.push({ rule: rule.name, file, target, why: rule.why });
      }
    }
  }
  return found;
}

/** Every cycle among the given files, each reported once (Tarjan's strongly connected components). */
export function importCycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const cycles = [];
  const strong = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!meta.has(w)) {
        strong(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) {
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
      }
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && (graph.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!meta.has(v)) strong(v);
  return cycles;
}

export function importGraph(files) {
  const graph = new Map();
  for (const file of files)
    graph.set(
      file,
      importsOf(file).map((s) => resolveSpecifier(file, s)),
    );
  return graph;
}
