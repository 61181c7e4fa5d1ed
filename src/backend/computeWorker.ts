/**
 * A compute pool thread (./computePool.ts): one task per message, in order: an AND-OR solve,
 * or a probe to train with the typed-array fitter (the pool sends only probes that fitter
 * would train on the main thread too, so where a probe is trained does not change it).
 */
import { parentPort } from 'node:worker_threads';
import { solveAndOr, type WarmStart } from '../engine/andOr';
import { trainProbe, type ProbeTrainingData } from '../engine/probe';
import { TypedArrayFitter } from '../engine/probeFitters';
import type { ProbeOptions, SolverOptions } from '../protocol/options';

export type ComputeTask =
  | { kind: 'solve'; id: number; values: Float64Array; options: SolverOptions; warm?: WarmStart }
  | { kind: 'probe'; id: number; data: ProbeTrainingData; options: ProbeOptions };

const run = (task: ComputeTask): Promise<object> =>
  task.kind === 'solve'
    ? solveAndOr(task.values, task.options, task.warm).then(solution => ({ solution }))
    : trainProbe(
        task.data,
        task.options,
        undefined,
        (data, options) => new TypedArrayFitter(data, options)
      ).then(probe => ({ probe }));

parentPort?.on('message', (task: ComputeTask) => {
  run(task).then(
    answer => parentPort?.postMessage({ id: task.id, ...answer }),
    (error: unknown) =>
      parentPort?.postMessage({
        id: task.id,
        error: error instanceof Error ? error.message : String(error)
      })
  );
});
