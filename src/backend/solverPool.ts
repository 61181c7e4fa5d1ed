/**
 * The (sample, layer) AND-OR problems on several cores: a pool of worker threads, each running
 * the engine's solveAndOr (./solverWorker.ts), fed from one queue. Its solveBatch is what
 * analyze() takes as AnalyzeInput.solveBatch; the engine itself stays single-threaded.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { AndOrSolution, BatchSolver, WarmStart } from '../engine/andOr';
import type { SolverOptions } from '../protocol/options';
import type { SolveTask } from './solverWorker';
import { startWorker } from './workerThreads';

interface Pending {
  task: SolveTask;
  resolve: (solution: AndOrSolution) => void;
  reject: (error: Error) => void;
}

type Reply = { id: number; solution: AndOrSolution } | { id: number; error: string };

/** One thread per core by default: the solves dominate, the main thread mostly waits. */
export function defaultSolverThreads(): number {
  return Math.max(1, availableParallelism());
}

export class SolverPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(threads = defaultSolverThreads()) {
    for (let i = 0; i < threads; i++) {
      const worker = startWorker('solverWorker');
      worker.on('message', (reply: Reply) => this.settle(worker, reply));
      worker.on('error', error => this.fail(worker, error));
      // Idle threads must not keep the process alive if a caller forgets close().
      worker.unref();
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  get threads(): number {
    return this.all.length;
  }

  solve(
    values: ArrayLike<number>,
    options: SolverOptions,
    warm?: WarmStart
  ): Promise<AndOrSolution> {
    if (this.closed) {
      return Promise.reject(new Error('the solver pool is closed'));
    }
    return new Promise((resolve, reject) => {
      const task: SolveTask = {
        id: this.nextId++,
        values: Float64Array.from(values),
        options,
        warm: warm?.basis ? { basis: warm.basis } : undefined
      };
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  readonly solveBatch: BatchSolver = (problems, options, warm) =>
    Promise.all(problems.map((values, i) => this.solve(values, options, warm?.[i])));

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new Error('the solver pool was closed'));
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
    const pending = this.release(worker);
    this.idle.push(worker);
    if (pending) {
      if ('error' in reply) {
        pending.reject(new Error(reply.error));
      } else {
        pending.resolve(reply.solution);
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
