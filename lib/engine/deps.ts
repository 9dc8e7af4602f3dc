import { RateLimiter, realTiming } from '../aws/backoff';
import { type AwsClients, type CallCounter, createAwsClients } from '../aws/clients';
import { CloudMapReader, CloudMapWriter } from '../aws/cloudmap';
import { EcsReader } from '../aws/ecs-reader';
import { EcsServiceReader } from '../aws/ecs-service-reader';
import { Route53RecordCache } from '../aws/route53-cache';
import { Route53Reader } from '../aws/route53-reader';
import { Route53Writer } from '../aws/route53-writer';
import {
  type Env,
  loadRoute53Budget,
  loadRoute53CacheSeconds,
  loadSettings,
  route53RatePerCaller,
  type Settings,
} from '../config/settings';
import type { Log } from '../observability/log';
import { ServiceRegistrations } from './service-registrations';
import { TaskRegistrations } from './task-registrations';
import { VersionLedger } from './version-ledger';

/** What both drivers (lib/sync, lib/reconcile) run on: settings, readers, writers, caches, the ledger, a clock. */
export interface EngineDeps {
  settings: Settings;
  ecs: EcsReader;
  registrations: TaskRegistrations;
  route53Reader: Route53Reader;
  route53Writer: Route53Writer;
  cloudMapReader: CloudMapReader;
  cloudMapWriter: CloudMapWriter;
  ledger: VersionLedger;
  /** The service path (CloudTrail Create/Update/DeleteService events); without it such events are retried. */
  services?: ServiceRegistrations;
  /** Milliseconds since the epoch. */
  now: () => number;
  log: Log;
  dryRun?: boolean;
}

/**
 * Everything the registrar needs, built once per Lambda container (or CLI run): settings parsed and validated, the
 * SDK clients, the caches and the ledger. Tests pass their own clients (mocked or pointed at moto).
 */
export interface RuntimeOptions {
  env?: Env;
  settings?: Settings;
  clients?: AwsClients;
  counter?: CallCounter;
  log: Log;
  dryRun?: boolean;
  /**
   * Route 53 requests per second this container allows itself; default: its share of the stack's budget
   * (REGISTRAR_ROUTE53_BUDGET / REGISTRAR_ROUTE53_SHARES).
   */
  route53RequestsPerSecond?: number;
  /**
   * Keep what this container reads of its zones for REGISTRAR_ROUTE53_CACHE_SECONDS (lib/aws/route53-cache.ts): the
   * sync function does; the reconciler and the CLI do not (they read Route 53 whole every run).
   */
  cacheRoute53?: boolean;
  timing?: typeof realTiming;
}

export function createEngineDeps(
  options: RuntimeOptions,
): EngineDeps & { clients: AwsClients; route53Cache?: Route53RecordCache } {
  const settings = options.settings ?? loadSettings(options.env ?? process.env);
  const clients = options.clients ?? createAwsClients({ counter: options.counter, env: options.env });
  const timing = options.timing ?? realTiming;
  // This caller's share of the stack's Route 53 budget (settings.ts: loadRoute53Budget), not the account's whole
  // limit: two sync containers and the reconciler each allowing themselves 5 would offer Route 53 15 a second.
  const rps = options.route53RequestsPerSecond ?? route53RatePerCaller(loadRoute53Budget(options.env ?? process.env));
  // A burst of at least one token, or a share below one a second could never send anything.
  const limiter = new RateLimiter(rps, Math.max(1, rps), timing);
  const ecs = new EcsReader(clients.ecs, () => clients.ec2);
  const cacheSeconds = options.cacheRoute53 ? loadRoute53CacheSeconds(options.env ?? process.env) : 0;
  const cache = cacheSeconds > 0 ? new Route53RecordCache(cacheSeconds * 1000, () => timing.now()) : undefined;
  const route53Reader = new Route53Reader(clients.route53, limiter, { timing, cache });
  return {
    clients,
    route53Cache: cache,
    settings,
    ecs,
    registrations: new TaskRegistrations(settings, ecs, route53Reader),
    services: new ServiceRegistrations(settings, new EcsServiceReader(clients.ecs), route53Reader, () => clients.elbv2),
    route53Reader,
    route53Writer: new Route53Writer(clients.route53, { limiter, timing, cache }),
    cloudMapReader: new CloudMapReader(() => clients.serviceDiscovery, { timing }),
    cloudMapWriter: new CloudMapWriter(() => clients.serviceDiscovery, { timing }),
    ledger: new VersionLedger(),
    now: () => timing.now(),
    log: options.log,
    dryRun: options.dryRun,
  };
}
