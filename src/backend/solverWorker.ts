/**
 * A solver pool thread (./solverPool.ts): solves one AND-OR problem per message, in order.
 */
import { parentPort } from 'node:worker_threads';
import { solveAndOr, type WarmStart } from '../engine/andOr';
import type { SolverOptions } from '../protocol/options';

export interface SolveTask {
  id: number;
  values: Float64Array;
  options: SolverOptions;
  warm?: WarmStart;
}

parentPort?.on('message', (task: SolveTask) => {
  solveAndOr(task.values, task.options, task.warm).then(
    solution => parentPort?.postMessage({ id: task.id, solution }),
    (error: unknown) =>
      parentPort?.postMessage({
        id: task.id,
        error: error instanceof Error ? error.message : String(error)
      })
  );
});
