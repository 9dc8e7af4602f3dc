import {
  DEFAULT_ROUTE53_BUDGET,
  DEFAULT_ROUTE53_SHARES,
  loadRoute53Budget,
  route53RatePerCaller,
  SettingsError,
} from '../../../lib/config/settings';
import { createEngineDeps } from '../../../lib/engine/deps';
import { silentLog } from '../../../lib/observability/log';
import { FakeWorld, virtualTiming, ZONE_ID } from '../../../testkit/fake-world';

describe('one account-wide Route 53 budget', () => {
  test('defaults: 4 requests/s for the stack, split between 2 sync containers and the reconciler', () => {
    expect(loadRoute53Budget({})).toEqual({ requestsPerSecond: 4, shares: 3 });
    expect(DEFAULT_ROUTE53_BUDGET).toBeLessThan(5);
    expect(route53RatePerCaller({ requestsPerSecond: 4, shares: DEFAULT_ROUTE53_SHARES })).toBeCloseTo(4 / 3);
    expect(loadRoute53Budget({ REGISTRAR_ROUTE53_BUDGET: '5', REGISTRAR_ROUTE53_SHARES: '6' })).toEqual({
      requestsPerSecond: 5,
      shares: 6,
    });
  });

  test.each([
    ['REGISTRAR_ROUTE53_BUDGET', '6'],
    ['REGISTRAR_ROUTE53_BUDGET', '0'],
    ['REGISTRAR_ROUTE53_BUDGET', 'four'],
    ['REGISTRAR_ROUTE53_SHARES', '0'],
    ['REGISTRAR_ROUTE53_SHARES', '2.5'],
  ])('%s=%s is refused with the variable and the allowed range', (variable, value) => {
    expect(() => loadRoute53Budget({ [variable]: value })).toThrow(SettingsError);
    expect(() => loadRoute53Budget({ [variable]: value })).toThrow(new RegExp(`${variable}.*between`));
  });

  test('three callers built with the defaults offer Route 53 at most the budget together, not 5 each', async () => {
    const world = new FakeWorld();
    world.reset();
    const timing = virtualTiming(0);
    // Each caller reads the zone apex over and over for 30 virtual seconds, all three at once.
    const callers = [0, 1, 2].map(() =>
      createEngineDeps({ settings: world.settings(), clients: world.clients(), log: silentLog, timing, env: {} }),
    );
    const sendTimes: number[] = [];
    world.route53.injectFault((op) => {
      if (op === 'ListResourceRecordSets') sendTimes.push(timing.now());
      return undefined;
    });
    await Promise.all(
      callers.map(async (deps) => {
        while (timing.now() < 30_000) await deps.route53Reader.recordsUnder(ZONE_ID, ['web.example.com']);
      }),
    );
    const within = sendTimes.filter((t) => t < 30_000).length;
    // 4/s for 30 s, plus the one-token burst of each caller.
    expect(within).toBeLessThanOrEqual(4 * 30 + 3);
    expect(within).toBeGreaterThanOrEqual(4 * 30 - 3);
  });

  test('a share below one request a second still sends (the burst is at least one token)', async () => {
    const world = new FakeWorld();
    world.reset();
    const timing = virtualTiming(0);
    const deps = createEngineDeps({
      settings: world.settings(),
      clients: world.clients(),
      log: silentLog,
      timing,
      env: { REGISTRAR_ROUTE53_BUDGET: '1', REGISTRAR_ROUTE53_SHARES: '4' },
    });
    for (let i = 0; i < 3; i++) await deps.route53Reader.recordsUnder(ZONE_ID, ['web.example.com']);
    expect(world.route53.callCount('ListResourceRecordSets')).toBe(3);
    // Three requests at a quarter a second: the second and third waited about 4 s each.
    expect(timing.now()).toBeGreaterThanOrEqual(8_000);
  });
});
