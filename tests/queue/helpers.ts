/**
 * A Redis of the tests' own (loopback, a free port, nothing saved) and real `layerwise worker`
 * processes (the CLI through tsx, as tests/cli/helpers.ts runs it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../src/protocol/queueTask';
import { CLI, ROOT } from '../cli/helpers';

export const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

/**
 * Why the queue tests are skipped, or null when they run. Where the set-up installed
 * redis-server (scripts/test.sh sets LAYERWISE_REQUIRE_REDIS), a missing one fails instead.
 */
export function skipReason(): string | null {
  if (hasRedis) {
    return null;
  }
  if (process.env.LAYERWISE_REQUIRE_REDIS === '1') {
    throw new Error('redis-server is missing; scripts/setup.sh --with-browser installs it');
  }
  const reason = 'redis-server is not installed (scripts/setup.sh --with-browser installs it)';
  console.error(`tests/queue skipped: ${reason}`);
  return reason;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  /** Kills it (SIGKILL: a crash, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Empties it between tests, so no test reuses another's solved tasks. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-redis-'));
  let server: ChildProcess;
  const start = async () => {
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir
      ],
      { stdio: 'ignore' }
    );
    await waitForPing(port);
  };
  const kill = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise(resolve => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    flush: async () => {
      const client = new Redis({ port, host: '127.0.0.1' });
      await client.flushall();
      client.disconnect();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export interface TestWorker {
  process: ChildProcess;
  /** Its stderr so far. */
  log(): string;
  /** Resolves once its stderr, from character `from` on, matches. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves to its exit code once it has exited (null: ended by a signal). */
  exit(): Promise<number | null>;
}

/** A child process running the CLI; its stderr is kept for waitFor. */
export function startCli(args: string[]): TestWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, LAYERWISE_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    listeners.forEach(listener => listener());
  });
  child.stdout.resume();
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  return {
    process: child,
    log: () => stderr,
    waitFor: (pattern, timeoutMs = 60_000, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = stderr.slice(from).match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
    exit: () => exited
  };
}

export async function startWorker(url: string, extra: string[] = []): Promise<TestWorker> {
  const worker = startCli([
    'worker',
    '--queue',
    url,
    '--concurrency',
    '1',
    '--lock-seconds',
    '2',
    ...extra
  ]);
  await worker.waitFor(/worker of layerwise/);
  return worker;
}

const DEMO = join(ROOT, 'examples', 'demo');

/**
 * A spec on the bundled demo (model and data) with only the centre patches as variables and
 * the given layers and options, written in `dir`.
 */
export function demoSpec(
  dir: string,
  name: string,
  changes: { exclude: number[][]; layers?: string[]; options?: object }
): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      model: join(DEMO, 'model', 'model.json'),
      samples: join(DEMO, 'data', 'test_x.npy'),
      sampleLabels: join(DEMO, 'data', 'test_y.npy'),
      training: {
        inputs: join(DEMO, 'data', 'train_x.npy'),
        labels: join(DEMO, 'data', 'train_y.npy')
      },
      variables: { grid: { shape: [8, 8], patch: [2, 2], exclude: changes.exclude } },
      baseline: { kind: 'mean' },
      layers: changes.layers ?? [],
      options: changes.options ?? {}
    })
  );
  return path;
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** No task of the queue on `port` waits, runs or is scheduled: a cancel took them all. */
export async function assertQueueEmpty(port: number): Promise<void> {
  const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port } });
  try {
    const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
    assert.ok(
      Object.values(counts).every(count => count === 0),
      `left in the queue: ${JSON.stringify(counts)}`
    );
  } finally {
    await queue.close();
  }
}
