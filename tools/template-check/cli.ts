import { resolve } from 'node:path';
import { checkTemplate, formatProblem, loadTemplate } from './index';

/**
 * Command line: `node scripts/check-template.mjs [--built] [template.yaml]` (after cfn-lint). Prints each problem as
 * `path: message` and exits 1 when there is any. `--built` also checks the bundles in dist/ (run `npm run build`
 * first).
 */
function main(argv: string[]): number {
  const built = argv.includes('--built');
  const file = argv.find((a) => !a.startsWith('--')) ?? 'template.yaml';
  const projectRoot = resolve(process.cwd());
  const started = Date.now();
  const template = loadTemplate(resolve(projectRoot, file));
  const report = checkTemplate(template, { projectRoot, built });
  for (const note of report.notes) console.log(`note: ${note}`);
  for (const p of report.problems) console.error(formatProblem(p));
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (report.problems.length > 0) {
    console.error(`${file}: ${report.problems.length} problem(s) (${took} s)`);
    return 1;
  }
  console.log(`${file}: OK (${took} s)`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
