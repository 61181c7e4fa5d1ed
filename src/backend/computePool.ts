/**
 * The engine's heavy work on several cores: a pool of worker threads (./computeWorker.ts) fed
 * from one queue. Its solveBatch and trainProbe are what analyze() takes as AnalyzeInput's
 * solveBatch and trainProbe; the engine itself stays single-threaded.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { AndOrSolution, BatchSolver, WarmStart } from '../engine/andOr';
import { probeShape, trainProbe, type LinearProbe, type ProbeTrainer } from '../engine/probe';
import { typedArraysFaster } from '../engine/probeFitters';
import type { SolverOptions } from '../protocol/options';
import type { ComputeTask } from './computeWorker';
import { startWorker } from './workerThreads';

type Answer = AndOrSolution | LinearProbe;

interface Pending {
  task: ComputeTask;
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
  signal?: AbortSignal;
  onAbort: () => void;
}

type Reply =
  | { id: number; solution: AndOrSolution }
  | { id: number; probe: LinearProbe }
  | { id: number; error: string };

/** One thread per core by default: the solves dominate, the main thread mostly waits. */
export function defaultComputeThreads(): number {
  return Math.max(1, availableParallelism());
}

export class ComputePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(threads = defaultComputeThreads()) {
    for (let i = 0; i < threads; i++) {
      this.spawn();
    }
  }

  private spawn(): void {
    const worker = startWorker('computeWorker');
    worker.on('message', (reply: Reply) => this.settle(worker, reply));
    worker.on('error', error => this.fail(worker, error));
    // Idle threads must not keep the process alive if a caller forgets close().
    worker.unref();
    this.all.push(worker);
    this.idle.push(worker);
  }

  get threads(): number {
    return this.all.length;
  }

  /**
   * One solve; aborting `signal` drops it from the queue or, once running, stops its thread
   * (a solve can take minutes and has no check points) and starts a fresh one in its place.
   */
  solve(
    values: ArrayLike<number>,
    options: SolverOptions,
    warm?: WarmStart,
    signal?: AbortSignal
  ): Promise<AndOrSolution> {
    return this.submit(
      {
        kind: 'solve',
        id: this.nextId++,
        values: Float64Array.from(values),
        options,
        warm: warm?.basis ? { basis: warm.basis } : undefined
      },
      signal
    ) as Promise<AndOrSolution>;
  }

  readonly solveBatch: BatchSolver = (problems, options, warm) =>
    Promise.all(problems.map((values, i) => this.solve(values, options, warm?.[i])));

  /**
   * A probe the typed-array fitter trains goes to a thread, so the probes of several layers
   * train at once; one for tfjs (a large layer, faster on the native backend) trains here.
   */
  readonly trainProbe: ProbeTrainer = (data, options, afterEpoch) => {
    const { size, columns } = probeShape(data);
    if (data.count < 1 || !typedArraysFaster(size, columns)) {
      return trainProbe(data, options, afterEpoch);
    }
    return this.submit({ kind: 'probe', id: this.nextId++, data, options }) as Promise<LinearProbe>;
  };

  private submit(task: ComputeTask, signal?: AbortSignal): Promise<Answer> {
    if (this.closed) {
      return Promise.reject(new Error('the compute pool is closed'));
    }
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const pending: Pending = {
        task,
        resolve,
        reject,
        signal,
        onAbort: () => this.abort(pending)
      };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private abort(pending: Pending): void {
    const error = abortError(pending.signal!);
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      pending.reject(error);
      return;
    }
    const worker = [...this.running].find(([, running]) => running === pending)?.[0];
    if (!worker) {
      return;
    }
    this.release(worker);
    this.all.splice(this.all.indexOf(worker), 1);
    void worker.terminate();
    pending.reject(error);
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new Error('the compute pool was closed'));
    }
    await Promise.all(this.all.map(worker => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.running.set(worker, pending);
      worker.ref();
      worker.postMessage(pending.task);
    }
  }

  private release(worker: Worker): Pending | undefined {
    const pending = this.running.get(worker);
    this.running.delete(worker);
    worker.unref();
    return pending;
  }

  private settle(worker: Worker, reply: Reply): void {
    if (!this.all.includes(worker)) {
      return; // stopped by an abort; its task was settled then
    }
    const pending = this.release(worker);
    this.idle.push(worker);
    if (pending) {
      pending.signal?.removeEventListener('abort', pending.onAbort);
      if ('error' in reply) {
        pending.reject(new Error(reply.error));
      } else {
        pending.resolve('solution' in reply ? reply.solution : reply.probe);
      }
    }
    this.dispatch();
  }

  /** A thread that died takes its task with it; the others go on. */
  private fail(worker: Worker, error: Error): void {
    const pending = this.release(worker);
    this.all.splice(this.all.indexOf(worker), 1);
    pending?.reject(error);
    if (this.all.length === 0) {
      for (const queued of this.queue.splice(0)) {
        queued.reject(error);
      }
    }
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}
