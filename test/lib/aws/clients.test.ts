import { createServer, type Server, type Socket } from 'node:net';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { callBudgetMs, createAwsClients } from '../../../lib/aws/clients';
import { DeadlineExceededError, withDeadline } from '../../../lib/aws/deadline';
import { SettingsError } from '../../../lib/config/settings';

/**
 * A TCP server that accepts connections and never answers: what a hung AWS endpoint looks like to the SDK. The real
 * SDK clients built by createAwsClients are pointed at it through the standard AWS_ENDPOINT_URL.
 */
class SilentServer {
  /** Connections since the last reset(), and all of them (to close at the end). */
  readonly sockets: Socket[] = [];
  private readonly all: Socket[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((socket) => {
      this.sockets.push(socket);
      this.all.push(socket);
      // Read (and drop) what the client sends: a paused socket would never see the client close its end.
      socket.resume();
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  reset(): void {
    this.sockets.length = 0;
  }

  async stop(): Promise<void> {
    for (const s of this.all) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const server = new SilentServer();
const saved = { ...process.env };
let endpoint: string;

beforeAll(async () => {
  endpoint = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  delete process.env.AWS_MAX_ATTEMPTS;
});
afterEach(() => {
  process.env = { ...saved };
});

/** Runs `fn`, returning what it threw and how long it took. */
async function timed(fn: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await fn();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

describe('createAwsClients against an endpoint that accepts and never answers', () => {
  test('the request timeout from the environment ends a Route 53 call in one attempt (its retries are the writers)', async () => {
    // Prepare
    const clients = createAwsClients({ env: { REGISTRAR_AWS_REQUEST_TIMEOUT_MS: '300' } });

    // Act
    const { error, ms } = await timed(() => clients.route53.send(new ListHostedZonesCommand({})));

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2_000);
    expect(server.sockets).toHaveLength(1);
  });

  test('Cloud Map, created on first use, makes one attempt too', async () => {
    // Prepare
    const clients = createAwsClients({ env: { REGISTRAR_AWS_REQUEST_TIMEOUT_MS: '300' } });

    // Act
    const { error, ms } = await timed(() => clients.serviceDiscovery.send(new ListNamespacesCommand({})));

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(ms).toBeLessThan(2_000);
    expect(server.sockets).toHaveLength(1);
  });

  test('ECS keeps the SDK as owner of its retries, as many attempts as AWS_MAX_ATTEMPTS says, each timed out', async () => {
    // Prepare
    process.env.AWS_MAX_ATTEMPTS = '2';
    const clients = createAwsClients({ env: { REGISTRAR_AWS_REQUEST_TIMEOUT_MS: '300', AWS_MAX_ATTEMPTS: '2' } });

    // Act
    const { error, ms } = await timed(() => clients.ecs.send(new ListClustersCommand({})));

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(ms).toBeGreaterThanOrEqual(550);
    expect(ms).toBeLessThan(3_000);
    expect(server.sockets).toHaveLength(2);
  });

  test('the deadline ends a call its timeout would still let wait, and tears its connection down', async () => {
    // Prepare
    const clients = createAwsClients({ env: { REGISTRAR_AWS_REQUEST_TIMEOUT_MS: '20000' } });

    // Act
    const { error, ms } = await timed(() =>
      withDeadline(Date.now() + 300, () => clients.ecs.send(new ListClustersCommand({}))),
    );

    // Assess
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toContain('ecs ListClusters');
    expect(ms).toBeLessThan(2_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.sockets).toHaveLength(1);
    expect(server.sockets[0]!.destroyed).toBe(true);
  });

  test('past the deadline no call starts', async () => {
    // Prepare
    const clients = createAwsClients({ env: {} });

    // Act
    const { error } = await timed(() =>
      withDeadline(Date.now() - 1, () => clients.route53.send(new ListHostedZonesCommand({}))),
    );

    // Assess
    expect(error).toBeInstanceOf(DeadlineExceededError);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.sockets).toHaveLength(0);
  });

  test('a bad timeout setting fails at construction, naming the variable', () => {
    // Act / Assess
    expect(() => createAwsClients({ env: { REGISTRAR_AWS_CONNECT_TIMEOUT_MS: '2s' } })).toThrow(SettingsError);
    expect(() => createAwsClients({ env: { REGISTRAR_AWS_CONNECT_TIMEOUT_MS: '2s' } })).toThrow(
      'REGISTRAR_AWS_CONNECT_TIMEOUT_MS: "2s" must be an integer between 1 and 120000',
    );
  });
});

describe('callBudgetMs', () => {
  test('is every attempt at its connection and request timeouts plus the SDK backoff between them', () => {
    // Act / Assess
    const calls = { connectTimeoutMs: 3_000, requestTimeoutMs: 5_000, deadlineMarginMs: 3_000 };
    expect(callBudgetMs(calls, 1)).toBe(8_000);
    expect(callBudgetMs(calls, 3)).toBe(24_000 + 100 + 200);
  });
});
