import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskDefinitionView } from '../../lib/config/labels';
import type { Settings } from '../../lib/config/settings';

const ROOT = join(__dirname, '..', 'fixtures');

/** A fresh parsed copy of a JSON fixture, so a test may change it without affecting others. */
export function loadFixture(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, relativePath), 'utf8')) as Record<string, unknown>;
}

/** An EventBridge event fixture from test/fixtures/events. */
export function eventFixture(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return loadFixture(`events/${name}.json`) as Record<string, unknown> & { detail: Record<string, unknown> };
}

/** A TaskDefinitionView fixture from test/fixtures/task-definitions. */
export function taskDefinitionFixture(name: string): TaskDefinitionView {
  return loadFixture(`task-definitions/${name}.json`) as unknown as TaskDefinitionView;
}

export const PRIVATE_ZONE = 'Z0PRIVATE123';
export const PUBLIC_ZONE = 'Z0PUBLIC456';
export const ZONE_DOMAINS: ReadonlyMap<string, string> = new Map([
  [PRIVATE_ZONE, 'internal.example.com.'],
  [PUBLIC_ZONE, 'example.com.'],
]);
export const OWNER = 'prod-registrar';

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    hostedZoneIds: [PRIVATE_ZONE, PUBLIC_ZONE],
    ownerId: OWNER,
    defaultTtl: 60,
    clusters: [],
    cloudMapServiceIds: ['srv-abc123def456', 'srv-metrics789'],
    maxDeletePercent: 50,
    ...overrides,
  };
}

/** The error `fn` throws, which must be an instance of `type` (any other outcome fails the test). */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}
