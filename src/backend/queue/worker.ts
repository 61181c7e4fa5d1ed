/**
 * What `layerwise worker` runs: a BullMQ worker taking solve tasks (src/protocol/queueTask.ts)
 * from Redis and solving them on a ComputePool of its own. The solves run on threads so the
 * main thread stays free to renew the tasks' locks (BullMQ moves a task whose lock lapses,
 * its worker killed, back to the queue) and to hear cancellations.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  CANCEL_CHANNEL,
  CANCELLED_REASON,
  CancelMessage,
  QUEUE_NAME,
  QUEUE_PROTOCOL,
  SolveTask,
  TaskHeader,
  type SolveAnswer
} from '../../protocol/queueTask';
import { ComputePool } from '../computePool';
import { parseRedisUrl } from './redisUrl';
import { answerOf, taskInputs } from './wire';

export interface WorkerOptions {
  url: string;
  version: string;
  /** Tasks solved at once, each on a thread. */
  concurrency: number;
  /**
   * How long a task's lock lasts (renewed at half of it while the task runs), and so how soon
   * the task of a killed worker goes back to the queue.
   */
  lockSeconds: number;
  log: (line: string) => void;
}

export interface RunningWorker {
  /**
   * Waits for the tasks being solved, then disconnects. Resolves to false where Redis could
   * not be reached: the worker stopped without it, and its Redis clients may still be
   * retrying (the process should exit).
   */
  close(): Promise<boolean>;
}

/** The refusal a task of another version gets, for its submitter to report. */
export function versionRefusal(task: TaskHeader, version: string): string {
  return (
    `this worker runs layerwise ${version} (queue protocol ${QUEUE_PROTOCOL}), the task comes ` +
    `from layerwise ${task.version} (queue protocol ${task.protocol}): run workers of the ` +
    'version that submits the analysis'
  );
}

export async function startQueueWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { connection, shown } = parseRedisUrl(options.url);
  const pool = new ComputePool(options.concurrency);
  const short = (job: Job) => (job.id ?? '?').slice(0, 12);

  const solve = async (job: Job, signal?: AbortSignal): Promise<SolveAnswer> => {
    const header = TaskHeader.safeParse(job.data);
    if (!header.success) {
      throw new UnrecoverableError('not a layerwise solve task');
    }
    if (header.data.protocol !== QUEUE_PROTOCOL || header.data.version !== options.version) {
      const refusal = versionRefusal(header.data, options.version);
      options.log(`task ${short(job)} refused: ${refusal}`);
      throw new UnrecoverableError(refusal);
    }
    const task = SolveTask.safeParse(job.data);
    if (!task.success) {
      throw new UnrecoverableError(
        `not a valid solve task: ${task.error.issues[0]?.message ?? 'invalid'}`
      );
    }
    const { values, options: solver, warm } = taskInputs(task.data);
    const started = performance.now();
    try {
      const solution = await pool.solve(values, solver, warm, signal);
      const seconds = (performance.now() - started) / 1000;
      options.log(`task ${short(job)} solved in ${seconds.toFixed(2)} s`);
      return answerOf(solution);
    } catch (error) {
      if (signal?.aborted) {
        options.log(`task ${short(job)} cancelled`);
        throw new UnrecoverableError(CANCELLED_REASON);
      }
      // The solvers are deterministic: another attempt would fail the same way.
      throw new UnrecoverableError((error as Error).message);
    }
  };

  const inHand = new Set<Promise<SolveAnswer>>();
  const worker = new Worker(
    QUEUE_NAME,
    (job, _token, signal) => {
      options.log(`task ${short(job)} started`);
      const solving = solve(job, signal);
      const done = () => inHand.delete(solving);
      inHand.add(solving);
      solving.then(done, done);
      return solving;
    },
    {
      connection,
      concurrency: options.concurrency,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
      // A task is re-run after a worker dies this many times, then failed: one whose solve
      // kills every worker that takes it must not go round for ever.
      maxStalledCount: 3,
      autorun: false
    }
  );
  let lastError = '';
  worker.on('error', error => {
    if (error.message !== lastError) {
      lastError = error.message;
      options.log(`Redis at ${shown}: ${error.message}`);
    }
  });
  await worker.waitUntilReady();

  const subscriber = new Redis({ ...connection, maxRetriesPerRequest: null });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, text: string) => {
    let message;
    try {
      message = CancelMessage.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    for (const id of message.success ? message.data.jobIds : []) {
      worker.cancelJob(id, CANCELLED_REASON);
    }
  });
  await subscriber.subscribe(CANCEL_CHANNEL);

  void worker.run();
  options.log(
    `worker of layerwise ${options.version} on ${shown}, queue ${QUEUE_NAME}, ` +
      `${options.concurrency} task(s) at once`
  );
  return {
    close: async () => {
      const closed = worker.close().then(
        () => true,
        () => true
      );
      // BullMQ's close waits for Redis for ever while it cannot be reached
      // (taskforcesh/bullmq#4656). Cut off from Redis, the worker stops once its tasks in hand
      // end: their answers cannot be stored, their locks lapse, and another worker solves them.
      let reached = true;
      while (!(await Promise.race([closed, sleep(1000, false, { ref: false })]))) {
        if (subscriber.status !== 'ready') {
          await Promise.allSettled(inHand);
          options.log(`Redis at ${shown} cannot be reached: stopped without it`);
          reached = false;
          break;
        }
      }
      subscriber.disconnect();
      await pool.close();
      return reached;
    }
  };
}
