/**
 * The engine's BatchSolver on a BullMQ queue in Redis: each (sample, layer) problem becomes
 * one task that any `layerwise worker` (./worker.ts) may take. Tasks are named by their
 * content (./wire.ts), so a task already solved, by this run or an earlier one whose results
 * Redis still holds, is not solved again: re-running a failed or interrupted analysis resumes
 * it.
 *
 * Completions arrive as QueueEvents; a sweep every few seconds also reads each pending task's
 * state, which catches events missed while the connection was down and tasks Redis lost by
 * restarting without persistence (sent again). Redis unreachable for longer than the grace
 * period fails the run with that reason instead of waiting for ever.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { AndOrSolution, BatchSolver, WarmStart } from '../../engine/andOr';
import { AnalysisCancelledError } from '../../engine/errors';
import type { SolverOptions } from '../../protocol/options';
import {
  CANCEL_CHANNEL,
  CANCELLED_REASON,
  QUEUE_NAME,
  SolveAnswer,
  type SolveTask
} from '../../protocol/queueTask';
import { UserError } from '../cli/errors';
import { parseRedisUrl } from './redisUrl';
import { solutionOf, taskId, taskOf } from './wire';

export interface QueueSolverOptions {
  /** redis://[user:pass@]host:port[/db] or rediss:// */
  url: string;
  /** This package's version: a worker of another refuses the tasks. */
  version: string;
  /** How long Redis may stay unreachable before the run fails (default 15 s). */
  graceSeconds?: number;
  /** How often pending tasks' states are read from Redis (default 2 s). */
  sweepSeconds?: number;
  log?: (line: string) => void;
}

interface Waiter {
  resolve: (solution: AndOrSolution) => void;
  reject: (error: Error) => void;
}

interface Pending {
  task: SolveTask;
  waiters: Waiter[];
  /** When this run (re)submitted it: a failure older than that is an earlier run's. */
  since: number;
}

/** Completed results stay this long: a re-run within it resumes instead of solving again. */
const KEEP_COMPLETED_SECONDS = 7 * 24 * 3600;
const KEEP_FAILED_SECONDS = 24 * 3600;

export class QueueSolver {
  private readonly pending = new Map<string, Pending>();
  private failure: Error | null = null;
  private cancelled = false;
  private lastContact = Date.now();
  private lastError = '';
  private sweeping = false;
  /** Adds under way: a cancel waits for them, or a task added just after it would run. */
  private readonly submitting = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private readonly graceMs: number;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly lifetime: Lifetime,
    private readonly shown: string,
    private readonly connection: RedisOptions,
    private readonly version: string,
    options: QueueSolverOptions
  ) {
    this.graceMs = (options.graceSeconds ?? 15) * 1000;
    this.log = options.log ?? (() => undefined);
    queue.on('error', this.noteError);
    events.on('error', this.noteError);
    events.on('completed', ({ jobId, returnvalue }) => this.completed(jobId, returnvalue));
    events.on('failed', ({ jobId, failedReason }) => {
      this.failed(jobId, failedReason).catch(this.noteError);
    });
    // Not unref'd: with Redis gone its sockets no longer keep the process alive, and the
    // process would end, silently, with the run's promises unsettled. close() stops it.
    this.timer = setInterval(() => void this.sweep(), (options.sweepSeconds ?? 2) * 1000);
  }

  /** Connects, or fails with the reason within the grace period. */
  static async open(options: QueueSolverOptions): Promise<QueueSolver> {
    const { connection, shown } = parseRedisUrl(options.url);
    const lifetime: Lifetime = { over: false };
    const queue = new Queue(QUEUE_NAME, { connection: untilClosed(connection, lifetime) });
    const events = new QueueEvents(QUEUE_NAME, { connection: untilClosed(connection, lifetime) });
    let lastError = '';
    queue.on('error', error => (lastError = error.message));
    events.on('error', error => (lastError = error.message));
    const graceMs = (options.graceSeconds ?? 15) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UserError(
              `cannot reach Redis at ${shown} within ${graceMs / 1000} s` +
                (lastError ? ` (${lastError})` : '')
            )
          ),
        graceMs
      );
    });
    try {
      await Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), timeout]);
    } catch (error) {
      await closeBounded(queue, events, lifetime);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new QueueSolver(queue, events, lifetime, shown, connection, options.version, options);
  }

  private readonly noteError = (error: Error): void => {
    this.lastError = error.message;
  };

  readonly solveBatch: BatchSolver = (problems, options, warm) =>
    Promise.all(problems.map((values, i) => this.solve(values, options, warm?.[i])));

  solve(
    values: ArrayLike<number>,
    options: SolverOptions,
    warm?: WarmStart
  ): Promise<AndOrSolution> {
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    if (this.cancelled) {
      return Promise.reject(new AnalysisCancelledError());
    }
    const task = taskOf(this.version, values, options, warm);
    const id = taskId(task);
    return new Promise((resolve, reject) => {
      const known = this.pending.get(id);
      if (known) {
        known.waiters.push({ resolve, reject });
        return;
      }
      this.pending.set(id, { task, waiters: [{ resolve, reject }], since: Date.now() });
      const submitted = this.submit(id, task);
      this.submitting.add(submitted);
      // A failure here is Redis's: the sweep sends the task again, or the grace period ends.
      submitted
        .finally(() => this.submitting.delete(submitted))
        .then(() => this.check(id))
        .catch(this.noteError);
    });
  }

  /** Tasks of this run still waiting or being solved. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Stops this run's tasks: waiting ones leave the queue, and workers solving one stop it
   * (they fail it as cancelled, so a later run solves it again).
   */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const ids = [...this.pending.keys()];
    this.settleAll(new AnalysisCancelledError());
    await Promise.allSettled([...this.submitting]);
    const running: string[] = [];
    await Promise.all(
      ids.map(async id => {
        const removed = await this.queue.remove(id).catch(() => 0);
        if (removed !== 1) {
          running.push(id);
        }
      })
    );
    if (running.length > 0) {
      const client = new Redis({ ...this.connection, lazyConnect: true, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      try {
        await client.publish(CANCEL_CHANNEL, JSON.stringify({ jobIds: running }));
      } finally {
        client.disconnect();
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.settleAll(new Error('the queue connection was closed'));
    await closeBounded(this.queue, this.events, this.lifetime);
  }

  private async submit(id: string, task: SolveTask): Promise<void> {
    await this.queue.add('solve', task, {
      jobId: id,
      attempts: 1,
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS }
    });
  }

  private completed(id: string, returnvalue: unknown): void {
    const pending = this.pending.get(id);
    if (!pending) {
      return;
    }
    let solution: AndOrSolution;
    try {
      const json: unknown = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
      const parsed = SolveAnswer.safeParse(json);
      if (!parsed.success) {
        throw new Error(`not a solution: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      solution = solutionOf(parsed.data);
    } catch (error) {
      this.settle(id, new Error(`task ${id.slice(0, 12)}: ${(error as Error).message}`));
      return;
    }
    this.settle(id, solution);
  }

  private async failed(id: string, reason: string, finishedOn?: number): Promise<void> {
    const pending = this.pending.get(id);
    if (!pending) {
      return;
    }
    // Another run's cancel, or a failure left from an earlier run: this run wants it solved.
    const stale = finishedOn !== undefined && finishedOn < pending.since;
    if (!this.cancelled && (reason.startsWith(CANCELLED_REASON) || stale)) {
      pending.since = Date.now();
      const job = await Job.fromId(this.queue, id);
      await job?.retry('failed').catch(() => undefined);
      return;
    }
    this.settle(id, new UserError(`a queue worker failed a solve: ${reason}`));
  }

  /** Reads a pending task's state from Redis; a task Redis no longer holds is sent again. */
  private async check(id: string): Promise<void> {
    const pending = this.pending.get(id);
    if (!pending) {
      return;
    }
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') {
      this.log(`Redis lost task ${id.slice(0, 12)} (restarted?); sending it again`);
      pending.since = Date.now();
      await this.submit(id, pending.task);
      return;
    }
    if (state !== 'completed' && state !== 'failed') {
      return;
    }
    // Read once finished, not before: a job read while active has no return value yet.
    const job = await Job.fromId(this.queue, id);
    if (job && state === 'completed') {
      this.completed(id, job.returnvalue);
    } else if (job) {
      await this.failed(id, job.failedReason, job.finishedOn);
    }
  }

  private async sweep(): Promise<void> {
    if (this.pending.size === 0 || this.sweeping) {
      if (this.pending.size === 0) {
        this.lastContact = Date.now();
      }
      this.checkContact();
      return;
    }
    this.sweeping = true;
    try {
      for (const id of [...this.pending.keys()]) {
        await this.check(id);
      }
      this.lastContact = Date.now();
    } catch (error) {
      this.lastError = (error as Error).message;
    } finally {
      this.sweeping = false;
    }
    this.checkContact();
  }

  private checkContact(): void {
    const silent = Date.now() - this.lastContact;
    if (this.pending.size === 0 || silent < this.graceMs) {
      return;
    }
    this.failure = new UserError(
      `lost the connection to Redis at ${this.shown} for ${Math.round(silent / 1000)} s` +
        (this.lastError ? ` (${this.lastError})` : '') +
        `; ${this.pending.size} solve(s) were unfinished. Solved tasks stay in Redis while it ` +
        'runs (and across restarts where it persists its data): run the same analysis again ' +
        'to resume from them.'
    );
    this.settleAll(this.failure);
  }

  private settle(id: string, outcome: AndOrSolution | Error): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    for (const waiter of pending?.waiters ?? []) {
      if (outcome instanceof Error) {
        waiter.reject(outcome);
      } else {
        waiter.resolve(outcome);
      }
    }
  }

  private settleAll(error: Error): void {
    for (const id of [...this.pending.keys()]) {
      this.settle(id, error);
    }
  }
}

/** Ends with close(): ioredis reconnects while it lasts, and gives up once it is over. */
interface Lifetime {
  over: boolean;
}

/**
 * A graceful close waits for Redis: with Redis gone it would wait for ever. So: 2 s, then the
 * connections stop retrying and are cut.
 */
async function closeBounded(queue: Queue, events: QueueEvents, lifetime: Lifetime): Promise<void> {
  const closed = Promise.allSettled([queue.close(), events.close()]);
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise(resolve => (timer = setTimeout(resolve, 2000)));
  await Promise.race([closed, bounded]);
  clearTimeout(timer);
  lifetime.over = true;
  // Not awaited: with Redis gone these wait for it too.
  queue.disconnect().catch(() => undefined);
  events.disconnect().catch(() => undefined);
}

/**
 * ioredis retries a Redis that is gone for ever, holding the process alive; these
 * connections (and BullMQ's duplicates of them, which copy the options) give up once the
 * solver is closed.
 */
function untilClosed(connection: RedisOptions, lifetime: Lifetime): RedisOptions {
  return {
    ...connection,
    retryStrategy: times => (lifetime.over ? null : Math.min(times * 50, 2000))
  };
}
