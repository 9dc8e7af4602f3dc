// Keeps package-lock.json installable with `npm ci` where the registry serves only some platforms' binaries.
//
// The registry these machines (and CI) reach has no non-Linux builds of a few packages (@biomejs/cli-darwin-*,
// @unrs/resolver-binding-win32-*, ...). `npm install` then writes a lock whose parent entries still list those
// optional dependencies but has no entries for them, and `npm ci` refuses it ("Missing: ... from lock file").
// This drops, from each lock entry, the optional dependencies that have no entry of their own. Run it after any
// `npm install` that rewrites the lock: `node scripts/fix-lock.mjs`. On macOS or Windows with the public registry,
// run `npm install` once to add your platform's binaries back.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
const dropped = [];

for (const [path, entry] of Object.entries(packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    // Resolve the way Node does: the nearest node_modules folder up the path.
    const nesting = path.split('node_modules/').filter(Boolean);
    const resolvable = nesting
      .map((_, i) => nesting.slice(0, nesting.length - i))
      .concat([[]])
      .some(
        (parents) =>
          packages[`${parents.map((p) => `node_modules/${p.replace(/\/$/, '')}/`).join('')}node_modules/${name}`],
      );
    if (!resolvable) {
      delete entry.optionalDependencies[name];
      dropped.push(`${name} (from ${path})`);
    }
  }
}

writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  dropped.length
    ? `dropped ${dropped.length} unavailable optional dependencies:\n  ${dropped.join('\n  ')}`
    : 'lock already consistent',
);
