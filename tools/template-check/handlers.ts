import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { evaluate, makeContext } from './intrinsics';
import { MINIMAL_PARAMETERS } from './probes';
import { functionProperties, serverlessFunctions } from './sam';
import { isObject, joinPath, type Problem, type Template } from './types';

/**
 * Does each function's Handler resolve to a built entry point?
 *
 * `sam build` with `BuildMethod: esbuild` bundles each entry point and flattens the output: the bundle of
 * `functions/sync.ts` lands at the artifact root as `sync.js`, so the Handler must be `sync.<export>`
 * (../shared/aws-facts.md section 6.1). `npm run build` (scripts/build.mjs) writes the same bundle to
 * `dist/<name>/<name>.js`. The static part checks template and sources; the built part checks that bundle exists and
 * exports the handler.
 */

export interface HandlerEntry {
  functionId: string;
  handler: string;
  /** Module part of the Handler: the bundle's basename. */
  module: string;
  exportName: string;
  /** The entry point as written in BuildProperties.EntryPoints, relative to CodeUri. */
  entryPoint: string;
  /** Absolute path of the entry point source. */
  entrySource: string;
  /** `dist/<module>/<module>.js`, relative to the project root. */
  bundle: string;
}

const HANDLER = /^([^/\\.]+)\.([A-Za-z_$][\w$]*)$/;

export function resolveHandlers(
  template: Template,
  projectRoot: string,
): { entries: HandlerEntry[]; problems: Problem[] } {
  const entries: HandlerEntry[] = [];
  const problems: Problem[] = [];
  for (const id of serverlessFunctions(template)) {
    const base = joinPath('Resources', id);
    const props = functionProperties(template, id);
    const metadata = template.Resources[id]?.Metadata;
    const fail = (path: string, message: string) => problems.push({ path, message });

    if (typeof props.Runtime !== 'string' || !props.Runtime.startsWith('nodejs')) {
      fail(joinPath(base, 'Properties.Runtime'), `expected a nodejs runtime, got ${JSON.stringify(props.Runtime)}`);
    }
    if (!isObject(metadata) || metadata.BuildMethod !== 'esbuild') {
      fail(joinPath(base, 'Metadata.BuildMethod'), 'must be esbuild (the TypeScript sources are bundled by sam build)');
      continue;
    }
    const build = isObject(metadata.BuildProperties) ? metadata.BuildProperties : {};
    const entryPoints = build.EntryPoints;
    if (!Array.isArray(entryPoints) || entryPoints.length !== 1 || typeof entryPoints[0] !== 'string') {
      fail(
        joinPath(base, 'Metadata.BuildProperties.EntryPoints'),
        'must list exactly one entry point (one bundle per function), e.g. [functions/sync.ts]',
      );
      continue;
    }
    if (build.Format !== undefined && build.Format !== 'cjs') {
      fail(
        joinPath(base, 'Metadata.BuildProperties.Format'),
        `must be cjs like npm run build, got ${JSON.stringify(build.Format)}`,
      );
    }
    const entryPoint = entryPoints[0];
    const module = basename(entryPoint, extname(entryPoint));
    const codeUri = typeof props.CodeUri === 'string' ? props.CodeUri : undefined;
    if (!codeUri) {
      fail(
        joinPath(base, 'Properties.CodeUri'),
        'must be a local directory (the project root, which has package.json)',
      );
      continue;
    }
    const codeDir = resolve(projectRoot, codeUri);
    if (!existsSync(join(codeDir, 'package.json'))) {
      fail(
        joinPath(base, 'Properties.CodeUri'),
        `${codeUri} has no package.json (sam build runs npm install there first)`,
      );
    }
    const entrySource = resolve(codeDir, entryPoint);
    if (!existsSync(entrySource)) {
      fail(
        joinPath(base, 'Metadata.BuildProperties.EntryPoints[0]'),
        `entry point ${entryPoint} does not exist (${entrySource})`,
      );
    }

    const handler = props.Handler;
    if (typeof handler !== 'string') {
      fail(joinPath(base, 'Properties.Handler'), `${id} has no Handler: expected '${module}.handler'`);
      continue;
    }
    const m = HANDLER.exec(handler);
    if (!m || m[1] !== module) {
      fail(
        joinPath(base, 'Properties.Handler'),
        `'${handler}' does not resolve after sam build flattens the esbuild output: ${entryPoint} becomes ${module}.js at ` +
          `the artifact root, so the Handler must be '${module}.<export>'`,
      );
      continue;
    }
    entries.push({
      functionId: id,
      handler,
      module,
      exportName: m[2]!,
      entryPoint,
      entrySource,
      bundle: join('dist', module, `${module}.js`),
    });
  }
  return { entries, problems };
}

export interface BuiltHandlerResult {
  problems: Problem[];
  /** How each export was verified: by requiring the bundle, or statically when requiring it failed. */
  notes: string[];
}

/** The functions' environment as the template sets it, with probe parameter values; never real credentials. */
function probeEnvironment(template: Template, functionId: string): Record<string, string> {
  const ctx = makeContext(template, MINIMAL_PARAMETERS);
  const env = evaluate(functionProperties(template, functionId).Environment ?? {}, ctx);
  const vars = isObject(env) && isObject(env.Variables) ? env.Variables : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = String(v);
  return out;
}

/**
 * Checks that every Handler's bundle exists in dist/ and exports the handler function. The bundle is required in a
 * child process with the template's environment, a dummy Region and credentials, and an endpoint that refuses
 * connections, so importing it can never reach AWS. If requiring fails (a module that insists on settings at import
 * time), the export is checked statically in the bundle text instead, and a note says so.
 */
export function checkBuiltHandlers(template: Template, projectRoot: string): BuiltHandlerResult {
  const { entries, problems } = resolveHandlers(template, projectRoot);
  const notes: string[] = [];
  for (const e of entries) {
    const path = joinPath(joinPath('Resources', e.functionId), 'Properties.Handler');
    const bundle = resolve(projectRoot, e.bundle);
    if (!existsSync(bundle)) {
      const why = existsSync(e.entrySource)
        ? 'run npm run build'
        : `its entry point ${e.entryPoint} does not exist, so npm run build cannot produce it`;
      problems.push({
        path,
        message: `bundle ${e.bundle} for ${e.functionId} (Handler ${e.handler}) is missing: ${why}`,
      });
      continue;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...probeEnvironment(template, e.functionId),
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'template-check',
      AWS_SECRET_ACCESS_KEY: 'template-check',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_EC2_METADATA_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    const script =
      'const m = require(process.argv[1]); process.stdout.write(JSON.stringify({ type: typeof m[process.argv[2]] }));';
    const run = spawnSync(process.execPath, ['-e', script, bundle, e.exportName], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    let type: string | undefined;
    try {
      type =
        run.status === 0 ? (JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { type: string }).type : undefined;
    } catch {
      type = undefined;
    }
    if (type !== undefined) {
      notes.push(`${e.bundle}: required; export '${e.exportName}' is a ${type}`);
      if (type !== 'function') {
        problems.push({ path, message: `${e.bundle} exports '${e.exportName}' as a ${type}, not a function` });
      }
      continue;
    }
    const reason = (run.stderr || run.error?.message || `exit ${run.status}`)
      .trim()
      .split('\n')
      .slice(0, 3)
      .join(' / ');
    const text = readFileSync(bundle, 'utf8');
    const exported = new RegExp(`[{,]\\s*${e.exportName.replace(/\$/g, '\\$')}\\s*:\\s*\\(\\)\\s*=>`).test(text);
    notes.push(
      `${e.bundle}: could not be required (${reason}); export checked statically: ${exported ? 'found' : 'not found'}`,
    );
    if (!exported)
      problems.push({
        path,
        message: `${e.bundle} does not export '${e.exportName}' (static check of the esbuild export map)`,
      });
  }
  return { problems, notes };
}
