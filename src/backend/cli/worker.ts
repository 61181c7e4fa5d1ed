/**
 * `layerwise worker --queue redis://host:port`: solves the AND-OR problems that
 * `layerwise analyze|demo|serve --queue` send to Redis (src/backend/queue/worker.ts), until
 * SIGINT or SIGTERM, which let the tasks in hand finish first.
 */
import { defaultComputeThreads } from '../computePool';
import { optionalNumber, parseCommandLine, requiredString } from './args';
import type { Command } from './command';
import { toolVersion } from './analyze';

const usage = `usage: layerwise worker --queue redis://[user:pass@]host:port [options]

Takes (sample, layer) solve tasks from the Redis queue that \`layerwise analyze|demo|serve
--queue\` fill, and solves them. Runs until interrupted (SIGINT or SIGTERM finish the tasks
in hand first). Tasks carry data only; a task from another layerwise version is refused.

options:
  --queue URL             Redis: redis://[user:pass@]host:port[/db], rediss:// for TLS
                          (default $LAYERWISE_QUEUE, which keeps a password out of ps)
  --concurrency N         tasks solved at once, one thread each (default: the cores, ${defaultComputeThreads()})
  --lock-seconds S        a task's lock; a killed worker's task returns to the queue within
                          about twice this (default 30)`;

const options = {
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-seconds': { type: 'string' }
} as const;

async function run(args: string[]): Promise<void> {
  const parsed = parseCommandLine(args, options, usage, 0);
  const url =
    typeof parsed.values.queue === 'string'
      ? parsed.values.queue
      : process.env.LAYERWISE_QUEUE || requiredString(parsed, 'queue', usage);
  const whole = (v: number) => Number.isInteger(v) && v > 0;
  const concurrency =
    optionalNumber(parsed, 'concurrency', whole, 'a positive integer') ?? defaultComputeThreads();
  const lockSeconds = optionalNumber(parsed, 'lock-seconds', whole, 'a positive integer') ?? 30;
  const log = (line: string) =>
    process.stderr.write(`[worker ${process.pid} ${new Date().toISOString()}] ${line}\n`);
  // Listening before the worker announces itself: a SIGTERM sent as soon as it says it runs
  // must finish the tasks in hand, not kill it.
  let started = false;
  const stopping = new Promise<void>(resolve => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (!started) {
        // Still waiting for Redis, which may never answer; no task has been taken.
        log('stopping before any task was taken');
        process.exit(0);
      }
      log('stopping: finishing the tasks in hand');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const { startQueueWorker } = await import('../queue/worker');
  const worker = await startQueueWorker({
    url,
    version: toolVersion(),
    concurrency,
    lockSeconds,
    log
  });
  started = true;
  await stopping;
  if (!(await worker.close())) {
    // BullMQ's Redis clients would keep the process alive retrying a Redis that is gone.
    process.exit(0);
  }
}

export const workerCommand: Command = {
  summary: 'solve the tasks of analyses run with --queue (BullMQ on Redis)',
  usage,
  run
};
