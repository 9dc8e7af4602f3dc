import type { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type AwsCallSettings, type Env, loadAwsCallSettings } from '../config/settings';
import { boundedCall } from './deadline';

export interface AwsClients {
  ecs: ECSClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  serviceDiscovery: ServiceDiscoveryClient;
}

/** AWS calls made, by `service:Operation`: the unit of cost the registrar is measured in. */
export class CallCounter {
  readonly counts = new Map<string, number>();
  add(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  total(prefix = ''): number {
    let n = 0;
    for (const [k, v] of this.counts) if (k.startsWith(prefix)) n += v;
    return n;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
  reset(): void {
    this.counts.clear();
  }
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

function countCalls(client: MiddlewareClient, service: string, counter: CallCounter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counter.add(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'ecsRegistrarCallCounter' },
  );
}

interface SendingClient {
  send(command: unknown, options?: unknown): Promise<unknown>;
}

/**
 * Every call of the client bounded by its budget and by the current deadline (deadline.ts): refused once the
 * deadline has passed, torn down (its abort signal) and abandoned when either runs out. Wrapping `send` rather than
 * adding middleware keeps the bounds on calls answered by aws-sdk-client-mock too, which replaces the prototype's
 * `send` and runs no middleware.
 */
function boundCalls(client: SendingClient, service: string, budgetMs: number): void {
  const proto = Object.getPrototypeOf(client) as SendingClient;
  client.send = (command: unknown, options?: unknown) => {
    // The callback forms of send are not used by the registrar; pass them through untouched.
    if (typeof options === 'function') return proto.send.call(client, command, options);
    const name = (command as { constructor?: { name?: string } })?.constructor?.name?.replace(/Command$/, '');
    return boundedCall(`${service} ${name ?? 'call'}`, budgetMs, (abortSignal) =>
      proto.send.call(client, command, { ...(options as object), abortSignal }),
    );
  };
}

/**
 * The longest one send may take, retries included: each attempt at most its connection and request timeouts, plus the
 * SDK's backoff between attempts (100 ms doubling; @smithy/util-retry). A backstop: the handler's own timeouts end a
 * hung attempt first.
 */
export function callBudgetMs(calls: AwsCallSettings, attempts: number): number {
  let backoff = 0;
  for (let i = 0; i < attempts - 1; i++) backoff += Math.min(20_000, 100 * 2 ** i);
  return attempts * (calls.connectTimeoutMs + calls.requestTimeoutMs) + backoff;
}

/** The SDK's attempts where it owns retries: AWS_MAX_ATTEMPTS, or its default of 3. */
function sdkAttempts(env: Env): number {
  const n = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}

export interface AwsClientOptions {
  counter?: CallCounter;
  /** Timeouts; read from `env` (process.env by default) when not given. */
  calls?: AwsCallSettings;
  env?: Env;
}

/**
 * Who retries (one owner per client, so attempts never multiply):
 * - Route 53 and Cloud Map: the registrar's own loops (backoff.ts `retrying`), because every Route 53 attempt must
 *   pass the rate limiter and Cloud Map's DuplicateRequest needs a retry the SDK does not make. Their SDK clients make
 *   exactly one attempt (maxAttempts 1, whatever AWS_MAX_ATTEMPTS says).
 * - ECS, EC2 and ELBv2: the SDK (standard mode, 3 attempts), configurable with the standard AWS_MAX_ATTEMPTS and
 *   AWS_RETRY_MODE; no loop of the registrar's around them.
 */
const SELF_RETRIED = { maxAttempts: 1 } as const;

/**
 * The real SDK v3 clients, configured by the standard environment (region, credentials, AWS_ENDPOINT_URL,
 * AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), so the same code runs in Lambda, in the CLI and against moto. Build them once
 * per Lambda container. Route 53 is global: its client needs a region only to sign, so one is defaulted.
 *
 * Every client has a connection timeout and a request timeout (REGISTRAR_AWS_CONNECT_TIMEOUT_MS,
 * REGISTRAR_AWS_REQUEST_TIMEOUT_MS; the SDK has neither by default, so a hung connection would wait for the Lambda
 * timeout), and every call is bounded by the current deadline, if any.
 *
 * EC2, ELBv2 and Cloud Map are created on first use: only bridge/host-mode tasks, public IPs, service aliases and
 * Cloud Map registrations need those three. EC2 is also loaded on first use (a require() in its getter; the bundles
 * leave it to the runtime's SDK): it is the largest client and not in the bundles. ELBv2 and Cloud Map are imported
 * like the others, not required: the bundles resolve the SDK's ES modules (MainFields in template.yaml), so esbuild
 * keeps only the commands the code sends, and a require() would pull in each package whole.
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const env = options.env ?? process.env;
  const calls = options.calls ?? loadAwsCallSettings(env);
  const { counter } = options;
  const budget = { sdk: callBudgetMs(calls, sdkAttempts(env)), single: callBudgetMs(calls, 1) };
  // One handler per client: each keeps its own sockets, as the SDK's default handlers do.
  const requestHandler = () =>
    new NodeHttpHandler({
      connectionTimeout: calls.connectTimeoutMs,
      requestTimeout: calls.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    });
  const bounded = <C>(client: C, service: string, budgetMs = budget.sdk): C => {
    boundCalls(client as unknown as SendingClient, service, budgetMs);
    if (counter) countCalls(client as unknown as MiddlewareClient, service, counter);
    return client;
  };
  let ec2: EC2Client | undefined;
  let elbv2: ElasticLoadBalancingV2Client | undefined;
  let serviceDiscovery: ServiceDiscoveryClient | undefined;
  return {
    ecs: bounded(new ECSClient({ region, requestHandler: requestHandler() }), 'ecs'),
    route53: bounded(
      new Route53Client({ region: region ?? 'us-east-1', requestHandler: requestHandler(), ...SELF_RETRIED }),
      'route53',
      budget.single,
    ),
    get ec2() {
      // A require() inside the getter keeps esbuild from evaluating the module until it is needed.
      ec2 ??= bounded(
        new (require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')).EC2Client({
          region,
          requestHandler: requestHandler(),
        }),
        'ec2',
      );
      return ec2;
    },
    get elbv2() {
      elbv2 ??= bounded(new ElasticLoadBalancingV2Client({ region, requestHandler: requestHandler() }), 'elbv2');
      return elbv2;
    },
    get serviceDiscovery() {
      serviceDiscovery ??= bounded(
        new ServiceDiscoveryClient({ region, requestHandler: requestHandler(), ...SELF_RETRIED }),
        'servicediscovery',
        budget.single,
      );
      return serviceDiscovery;
    },
  };
}
