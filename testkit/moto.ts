import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A moto_server started by a test file, bound to 127.0.0.1 on a free port. */
export interface MotoServer {
  endpoint: string;
  /** POST /moto-api/reset: forget every resource. */
  reset(): Promise<void>;
  /** Keep ECS tasks from advancing their lastStatus on every DescribeTasks call. */
  freezeEcsTasks(): Promise<void>;
  stop(): Promise<void>;
}

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts moto_server and points the standard AWS environment at it (AWS_ENDPOINT_URL and test credentials),
 * so production code builds its SDK clients exactly as it does in Lambda. Fails loudly when moto is missing:
 * an integration test must never pass by skipping.
 */
export async function startMoto(): Promise<MotoServer> {
  if (!motoAvailable()) {
    throw new Error(
      "moto_server is not on PATH. Integration tests need it: pip install 'moto[server]' (see ../shared/moto.md).",
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  Object.assign(process.env, AWS_ENV, { AWS_ENDPOINT_URL: endpoint });

  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${endpoint}${path}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status} ${await res.text()}`);
  };

  return {
    endpoint,
    reset: () => post('/moto-api/reset'),
    freezeEcsTasks: () =>
      post('/moto-api/state-manager/set-transition', {
        model_name: 'ecs::task',
        transition: { progression: 'manual', times: 1_000_000 },
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      delete process.env.AWS_ENDPOINT_URL;
    },
  };
}
