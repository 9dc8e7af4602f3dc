#!/usr/bin/env node
// The layer rules of DESIGN.md, no import cycles in lib/, and no function in lib/ over 80 lines. Each failure names
// the rule, the file and why the rule exists, so a wrong-way import explains itself in CI.
// `--layers` checks the imports only: npm test runs that until lib/'s last long functions are split (issue 14).
import { execFileSync } from 'node:child_process';
import { longFunctions } from './function-lengths.mjs';
import { importCycles, importGraph, ruleViolations } from './imports.mjs';

export const MAX_FUNCTION_LINES = 80;

const tracked = (...folders) =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...folders], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));

const product = tracked('lib', 'functions', 'cli');
const graph = importGraph(product);
const problems = [];

for (const v of ruleViolations(graph)) {
  problems.push(`[${v.rule}] ${v.file} imports ${v.target}: ${v.why}`);
}
const libGraph = new Map([...graph].filter(([f]) => f.startsWith('lib/')));
for (const cycle of importCycles(libGraph)) {
  problems.push(
    `[no-import-cycles] ${cycle.join(' <-> ')}: a cycle makes the load order matter; move what both need down a layer`,
  );
}
const layersOnly = process.argv.includes('--layers');
for (const f of layersOnly ? [] : longFunctions(tracked('lib'), MAX_FUNCTION_LINES)) {
  problems.push(
    `[function-length] ${f.file}:${f.line} ${f.name} is ${f.lines} lines (at most ${MAX_FUNCTION_LINES}): split it into named steps`,
  );
}

if (problems.length > 0) {
  process.stderr.write(`code-check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
const lengths = layersOnly ? '' : `, functions in lib/ at most ${MAX_FUNCTION_LINES} lines`;
process.stdout.write(`code-check: ${product.length} files, layer rules, no cycles in lib/${lengths}: ok\n`);
