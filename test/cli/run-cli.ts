import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
/** The launcher a user's `npx ecs-registrar`, global install or `npm link` runs (it requires the built bundle). */
export const bin = join(root, 'bin', 'ecs-registrar.js');
export const bundle = join(root, 'dist', 'cli', 'ecs-registrar.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds the bundle once if a targeted jest run comes before any `npm run build` (npm test builds first). */
export function ensureBuilt(): void {
  if (existsSync(bundle)) return;
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}

/**
 * Runs the CLI as a user runs it: `node bin/ecs-registrar.js ARGS`, in a child process, with `env` over the test's
 * environment (which startMoto() points at moto). `executable` runs another launcher, e.g. an installed one.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { executable?: string; cwd?: string; timeoutMs?: number } = {},
): CliResult {
  const command = options.executable ?? process.execPath;
  const argv = options.executable ? args : [bin, ...args];
  const out = spawnSync(command, argv, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 60_000,
  });
  if (out.error) throw out.error;
  return { code: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}
