import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ensureBuilt, root } from '../cli/run-cli';

jest.setTimeout(180_000);

/**
 * Issue 12: `npm run demo` is the README's main command. This runs the same script (`npm run demo` minus its build,
 * which `npm test` has done) and checks it exits 0 within a minute with each promise on screen.
 */
describe('npm run demo', () => {
  beforeAll(() => ensureBuilt());

  test('exits 0 in under 60 s; records appear, change and disappear, an alias is made, drift is repaired, the foreign record stays', () => {
    // Act
    const started = Date.now();
    const out = spawnSync(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), 'scripts/demo.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const seconds = (Date.now() - started) / 1000;

    // Assess
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(seconds).toBeLessThan(60);
    const text = out.stdout;
    const section = (n: number) => text.slice(text.indexOf(`== ${n}. `), text.indexOf(`== ${n + 1}. `));
    // appearing (step 2), changing and disappearing (the rolling update, step 4)
    expect(section(2)).toMatch(/\n {3}\+ web\.example\.com\. +60 IN A +10\.\d+\.\d+\.\d+ ; /);
    expect(section(2)).toMatch(/\n {3}\+ cloudmap web\.svc\.local /);
    expect(section(4)).toMatch(/\(new tasks registered, old ones still answering\)[\s\S]*\n {3}\+ web\.example\.com\./);
    expect(section(4)).toMatch(/\(old tasks gone\)[\s\S]*\n {3}- web\.example\.com\./);
    // the service alias (step 6)
    expect(section(6)).toMatch(/\n {3}\+ api\.example\.com\. +- IN A +ALIAS api-alb-\S+\.elb\.amazonaws\.com\./);
    // the label mistake, as the user sees it (step 7)
    expect(section(7)).toContain('did you mean ecs-registrar.records?');
    expect(section(7)).toContain('ecs-registrar sync: 1 of 1 events invalid');
    // drift planned, then repaired (steps 9, 10), the foreign record untouched to the end
    expect(section(8)).toMatch(/\n {3}~ batch\.example\.com\. .*10\.99\.99\.99/);
    expect(section(9)).toMatch(/outcome: planned \(dry run: nothing written\); drift 5/);
    expect(section(9)).toContain('(no change: ');
    expect(section(10)).toMatch(/outcome: applied; drift 5/);
    expect(section(10)).toMatch(/\n {3}~ batch\.example\.com\. /);
    // The payments team's record is never changed; since issue 13 the new web task is refused its foreign set
    expect(
      section(10)
        .split('\n')
        .filter((l) => /^\s+(DELETE|UPDATE|CREATE)\b/.test(l) && /192\.0\.2\.10|payments-team/.test(l)),
    ).toEqual([]);
    expect(section(10)).toMatch(/CONFLICT .*SetIdentifier payments-team\); joining a foreign record set is refused/);
    expect(text.slice(text.indexOf('(final)'))).toMatch(
      /web\.example\.com\. +300 IN A +192\.0\.2\.10 ; payments-team \(not ours\)/,
    );
    expect(text).toMatch(/\ndemo finished in \d+\.\d s\n$/);
  });

  test('without moto_server on PATH it says how to install moto and exits 1', () => {
    // Act: a PATH with node and the basic tools, but not moto_server
    const out = spawnSync(process.execPath, [join(root, 'scripts', 'run-ts.mjs'), 'scripts/demo.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':') },
    });

    // Assess
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('moto_server is not on PATH');
    expect(out.stderr).toContain("pip install 'moto[server]'");
  });
});
