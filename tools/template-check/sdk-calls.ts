import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import ts from 'typescript';

/**
 * Which AWS SDK commands each Lambda function's code path can send, read from the sources (not from a list someone
 * keeps): every `new XCommand(...)` in lib/aws, attributed to the method that sends it, closed over the calls between
 * lib/aws methods, and then attributed to a function when a source file in that function's bundle (esbuild's own
 * import graph) calls or passes the method. Method names are matched by name, so a collision can only over-attribute a command
 * (a permission flagged as needed), never hide one.
 */

export interface SdkCommand {
  /** SDK package, e.g. `@aws-sdk/client-ecs`. */
  client: string;
  /** Operation name without the `Command` suffix, e.g. `DescribeTasks`. */
  operation: string;
  /** `lib/aws/<file>.ts:<line>` of the first `new ...Command(` for it. */
  at: string;
}

const CLIENTS = [
  '@aws-sdk/client-ec2',
  '@aws-sdk/client-ecs',
  '@aws-sdk/client-elastic-load-balancing-v2',
  '@aws-sdk/client-route-53',
  '@aws-sdk/client-servicediscovery',
];

/** The SDK package that defines `<operation>Command`, from its published type declarations. */
function clientOf(root: string, operation: string, imports: Set<string>): string | undefined {
  const candidates = CLIENTS.filter((c) =>
    existsSync(join(root, 'node_modules', c, 'dist-types', 'commands', `${operation}Command.d.ts`)),
  );
  return candidates.find((c) => imports.has(c)) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

interface MethodInfo {
  commands: Set<string>;
  calls: Set<string>;
}

/** `new DescribeTasksCommand(` and `new (ec2Sdk().DescribeInstancesCommand)(`. */
function commandName(node: ts.NewExpression): string | undefined {
  let e: ts.Expression = node.expression;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  return name?.endsWith('Command') && name !== 'Command' ? name.slice(0, -'Command'.length) : undefined;
}

function enclosingName(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isGetAccessor(n)) && n.name)
      return ts.isIdentifier(n.name) ? n.name.text : undefined;
    // `const worker = async () => ...` and `private readonly load = () => ...`: the function takes the name.
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && n.parent) {
      const p = n.parent;
      if (
        (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) &&
        ts.isIdentifier(p.name)
      )
        return p.name.text;
    }
  }
  return undefined;
}

/**
 * Caller (enclosing function name, or '' at top level) -> the names it calls or passes along: `x.name(...)`,
 * `name(...)`, and `x.name` / `name` handed over as a value (`Array.from({ length }, worker)`).
 */
const calledNames = (source: ts.SourceFile): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  const add = (node: ts.Node, name: string) => {
    const caller = enclosingName(node) ?? '';
    out.set(caller, [...(out.get(caller) ?? []), name]);
  };
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node)) add(node, node.name.text);
    else if (ts.isIdentifier(node) && !ts.isPropertyAccessExpression(node.parent)) add(node, node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
};

const parse = (file: string) =>
  ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);

export interface SdkCallMap {
  /** Every command lib/aws can send, keyed `<client> <operation>`. */
  commands: Map<string, SdkCommand>;
  /** Function entry point (`functions/sync.ts`) -> the command keys its code path can send. */
  byFunction: Map<string, Set<string>>;
  /** Commands whose client could not be told (a problem for the caller to report). */
  unresolved: string[];
}

export function sdkCalls(root: string, entryPoints: readonly string[]): SdkCallMap {
  const awsDir = join(root, 'lib', 'aws');
  const methods = new Map<string, MethodInfo>();
  const commands = new Map<string, SdkCommand>();
  const unresolved: string[] = [];
  const method = (name: string) => {
    const m = methods.get(name) ?? { commands: new Set<string>(), calls: new Set<string>() };
    methods.set(name, m);
    return m;
  };
  for (const f of readdirSync(awsDir).filter((x) => x.endsWith('.ts'))) {
    const file = join(awsDir, f);
    const source = parse(file);
    const imports = new Set<string>();
    for (const s of source.statements) {
      if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) imports.add(s.moduleSpecifier.text);
    }
    // The EC2 client is loaded lazily by name (clients.ts): its commands are found by the same `new` pattern.
    if (/ec2Sdk\(\)/.test(source.text)) imports.add('@aws-sdk/client-ec2');
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node)) {
        const op = commandName(node);
        if (op) {
          const client = clientOf(root, op, imports);
          const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          const at = `${relative(root, file)}:${line}`;
          if (!client) unresolved.push(`${op} at ${at}`);
          else {
            const key = `${client} ${op}`;
            if (!commands.has(key)) commands.set(key, { client, operation: op, at });
            method(enclosingName(node) ?? '').commands.add(key);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const [caller, names] of calledNames(source)) for (const n of names) method(caller).calls.add(n);
  }
  // Close over calls between lib/aws methods: a method sends what the methods it calls send.
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (seen.has(name)) return out;
    seen.add(name);
    const m = methods.get(name);
    if (!m) return out;
    for (const c of m.commands) out.add(c);
    for (const callee of m.calls) for (const c of closure(callee, seen)) out.add(c);
    return out;
  };

  const byFunction = new Map<string, Set<string>>();
  for (const entry of entryPoints) {
    const result = buildSync({
      entryPoints: [resolve(root, entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
      outdir: join(root, 'dist', '.sdk-calls'),
    });
    const inputs = Object.keys(result.metafile?.inputs ?? {})
      .map((i) => resolve(root, i))
      .filter((i) => i.endsWith('.ts') && !i.startsWith(awsDir));
    const used = new Set<string>();
    for (const input of inputs) {
      for (const names of calledNames(parse(input)).values()) {
        for (const n of names) if (methods.has(n)) for (const c of closure(n)) used.add(c);
      }
    }
    byFunction.set(entry, used);
  }
  return { commands, byFunction, unresolved };
}
