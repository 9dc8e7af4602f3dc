import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, root, runCli } from './run-cli';

jest.setTimeout(60_000);
beforeAll(() => ensureBuilt());

const fixture = (name: string) => join(root, 'test', 'fixtures', 'cli', name);
const dir = mkdtempSync(join(tmpdir(), 'ecs-registrar-validate-'));
const write = (name: string, body: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
};
// Offline: no zone ids in the environment, so validate needs no AWS at all.
const offline = { REGISTRAR_HOSTED_ZONE_IDS: undefined, REGISTRAR_CLOUDMAP_SERVICE_IDS: undefined };

describe('ecs-registrar validate --task-definition', () => {
  test('a definition with three label mistakes prints three problems, each with its fix, and exits 1', () => {
    // Act
    const out = runCli(['validate', '--task-definition', fixture('three-mistakes.task-definition.json')], offline);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^task definition web:7 \(\S+three-mistakes\.task-definition\.json\): 3 problems\n/);
    expect(out.stdout).toContain(
      '  1. error: container "web": label ecs-registrar.ip="external": must be "private" or "public"',
    );
    expect(out.stdout).toContain(
      '  2. error: container "web": label ecs-registrar.ttl="soon": must be an integer number of seconds',
    );
    expect(out.stdout).toContain(
      '  3. warning: container "web": unknown label ecs-registrar.recrods; ignored; did you mean ecs-registrar.records?',
    );
    expect(out.stdout).not.toMatch(/\n {2}4\. /);
    expect(out.stdout).toMatch(/note: REGISTRAR_HOSTED_ZONE_IDS is not set/);
    expect(out.stderr).toBe('ecs-registrar validate: 3 problems found\n');
  });

  test('a good registration file: no problems, what would be registered, exit 0', () => {
    // Act
    const out = runCli(['validate', '--task-definition', fixture('good.task-definition.json')], offline);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^task definition api \(\S+good\.task-definition\.json\): no problems\n/);
    expect(out.stdout).toContain('    api: api.example.com. A,SRV ttl 30 port 8080\n');
  });

  test('a definition that opts nothing in is a problem: it would silently register nothing', () => {
    const file = write('none.json', { family: 'x', containerDefinitions: [{ name: 'x', dockerLabels: {} }] });
    const out = runCli(['validate', '--task-definition', file], offline);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /1\. warning: no container carries ecs-registrar\.name.*fix: add ecs-registrar\.name=NAME/,
    );
  });

  test('a stopTimeout shorter than the record TTL is a warning naming both; one at least the TTL, or none set, is not', () => {
    // Prepare
    const td = (stopTimeout: number | undefined, ttl: string) => ({
      family: 'api',
      networkMode: 'awsvpc',
      containerDefinitions: [
        {
          name: 'api',
          ...(stopTimeout === undefined ? {} : { stopTimeout }),
          portMappings: [{ containerPort: 8080 }],
          dockerLabels: { 'ecs-registrar.name': 'api', 'ecs-registrar.ttl': ttl },
        },
      ],
    });

    // Act
    const short = runCli(['validate', '--task-definition', write('short.json', td(10, '60'))], offline);
    const unset = runCli(['validate', '--task-definition', write('unset.json', td(undefined, '60'))], offline);
    const enough = runCli(['validate', '--task-definition', write('enough.json', td(60, '60'))], offline);

    // Assess
    expect(short.code).toBe(1);
    expect(short.stdout).toContain(
      '1. warning: container "api": registration "api" has TTL 60 s but the container\'s stopTimeout is 10 s: clients may still be sent to it after it is stopped (fix: set stopTimeout to at least 60, or lower ecs-registrar.ttl)',
    );
    // Without a stopTimeout the agent's setting applies, which the task definition cannot show: not judged.
    expect(unset.code).toBe(0);
    expect(unset.stdout).toMatch(/no problems/);
    expect(enough.code).toBe(0);
    expect(enough.stdout).toMatch(/no problems/);
  });

  test('--json: the results on stdout, the failure as JSON on stderr', () => {
    // Act
    const out = runCli(
      ['validate', '--task-definition', fixture('three-mistakes.task-definition.json'), '--json'],
      offline,
    );

    // Assess
    expect(out.code).toBe(1);
    const report = JSON.parse(out.stdout) as {
      ok: boolean;
      results: { kind: string; problems: { severity: string }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.results[0]!.kind).toBe('task-definition');
    expect(report.results[0]!.problems.map((p) => p.severity)).toEqual(['error', 'error', 'warning']);
    expect(JSON.parse(out.stderr)).toEqual({
      error: { type: 'CommandFailedError', message: '3 problems found', command: 'validate', problems: 3, exitCode: 1 },
    });
  });

  test('bad input: not JSON, not a task definition, unreadable, no file at all: exit 2 naming the file', () => {
    const notJson = write('garbage.json', 'definitely not json');
    const notTd = write('other.json', { hello: 'world' });
    expect(runCli(['validate', '--task-definition', notJson], offline)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^ecs-registrar validate: \S+garbage\.json: is not valid JSON/),
    });
    expect(runCli(['validate', '--task-definition', notTd], offline).stderr).toMatch(
      /other\.json: is neither the output of `aws ecs describe-task-definition`/,
    );
    expect(runCli(['validate', '--task-definition', join(dir, 'missing.json')], offline).stderr).toMatch(
      /missing\.json: cannot be read \(ENOENT\)/,
    );
    const none = runCli(['validate'], offline);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^ecs-registrar validate: give --task-definition FILE or --service-tags FILE/);
  });
});

describe('ecs-registrar validate --service-tags', () => {
  test('list-tags-for-resource output with a misspelled tag and a bad value: both reported, exit 1', () => {
    // Prepare
    const file = write('tags.json', {
      tags: [
        { key: 'ecs-registrar:alias', value: 'api' },
        { key: 'ecs-registrar:alias-tpye', value: 'cname' },
        { key: 'ecs-registrar:alias-evaluate-target-health', value: 'maybe' },
      ],
    });

    // Act
    const out = runCli(['validate', '--service-tags', file], offline);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^service \(\S+tags\.json\): 2 problems\n/);
    expect(out.stdout).toMatch(/error: tag ecs-registrar:alias-evaluate-target-health="maybe": /);
    expect(out.stdout).toMatch(
      /warning: unknown tag ecs-registrar:alias-tpye; ignored; did you mean ecs-registrar:alias-type\?/,
    );
  });

  test('a {key: value} map that is correct: exit 0 and the alias it would create', () => {
    const file = write('map.json', { 'ecs-registrar:alias': 'api', 'ecs-registrar:alias-type': 'cname' });
    const out = runCli(['validate', '--service-tags', file], offline);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('api.example.com. CNAME ttl 60 -> the load balancer');
  });

  test('describe-services output names the service; a tag list entry without a value is bad input', () => {
    const described = write('described.json', {
      services: [{ serviceName: 'web-api', tags: [{ key: 'ecs-registrar:alias', value: '@' }] }],
    });
    const broken = write('broken.json', { tags: [{ key: 'ecs-registrar:alias' }] });
    expect(runCli(['validate', '--service-tags', described], offline).stdout).toMatch(/^service web-api \(/);
    expect(runCli(['validate', '--service-tags', broken], offline).stderr).toMatch(
      /broken\.json: tag #1 must be \{"key": "\.\.\.", "value": "\.\.\."\}/,
    );
  });
});
