import { parseRegistrationSpecs, type TaskDefinitionView } from '../../../lib/config/labels';
import { registrationHealth } from '../../../lib/desired/health';
import { testSettings, ZONE_DOMAINS } from '../fixtures';

const HTTP = { containerPort: 8080, protocol: 'tcp' as const, name: 'http' };
const taskDef = (labels: Record<string, string>, hasHealthCheck = true): TaskDefinitionView => ({
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1',
  family: 'app',
  networkMode: 'awsvpc',
  containers: [{ name: 'web', dockerLabels: labels, portMappings: [HTTP], hasHealthCheck }],
});
const parse = (labels: Record<string, string>, health?: 'ignore' | 'require-healthy') =>
  parseRegistrationSpecs(taskDef(labels), { settings: { ...testSettings(), health }, zoneDomains: ZONE_DOMAINS });

describe('label ecs-registrar.health', () => {
  it('defaults to the stack setting, and the label overrides it, per port too', () => {
    // Act
    const stackDefault = parse({ 'ecs-registrar.name': 'web' }, 'require-healthy');
    const overridden = parse(
      {
        'ecs-registrar.name': 'web',
        'ecs-registrar.health': 'ignore',
        'ecs-registrar.http.name': 'api',
        'ecs-registrar.http.health': 'require-healthy',
      },
      'require-healthy',
    );

    // Assess
    expect(stackDefault.specs.map((s) => s.health)).toEqual(['require-healthy']);
    expect(overridden.specs.map((s) => [s.id, s.health])).toEqual([
      ['web', 'ignore'],
      ['web/http', 'require-healthy'],
    ]);
    expect(overridden.warnings).toEqual([]);
  });

  it('rejects an unknown value, naming the label, and skips only that registration', () => {
    // Act
    const parsed = parse({ 'ecs-registrar.name': 'web', 'ecs-registrar.health': 'healthy' });

    // Assess
    expect(parsed.specs).toEqual([]);
    expect(parsed.errors.map((e) => e.message)).toEqual([
      'container "web": label ecs-registrar.health="healthy": must be one of ignore, require-healthy',
    ]);
  });
});

describe('registrationHealth: the labelled container decides', () => {
  const spec = { containerName: 'web', health: 'require-healthy' as const };
  const fact = (healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN') => ({
    containers: [
      { name: 'web', networkBindings: [], ...(healthStatus ? { healthStatus } : {}) },
      { name: 'sidecar', networkBindings: [], healthStatus: 'UNHEALTHY' as const },
    ],
  });

  it.each([
    ['HEALTHY', 'healthy'],
    ['UNHEALTHY', 'unhealthy'],
    ['UNKNOWN', 'pending'],
    [undefined, 'pending'],
  ] as const)(
    'require-healthy with a health check: %s -> %s (another container unhealthy does not count)',
    (status, expected) => {
      // Act / Assess
      expect(registrationHealth(fact(status), taskDef({}), spec)).toBe(expected);
    },
  );

  it('counts a container without a health check as healthy, and ignore as always healthy', () => {
    // Act / Assess
    expect(registrationHealth(fact('UNKNOWN'), taskDef({}, false), spec)).toBe('healthy');
    expect(registrationHealth(fact('UNHEALTHY'), taskDef({}), { ...spec, health: 'ignore' })).toBe('healthy');
    expect(registrationHealth(fact('UNHEALTHY'), taskDef({}), { containerName: 'web' })).toBe('healthy');
  });
});
