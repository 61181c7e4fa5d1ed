/**
 * What the worker runs for one job: the uploaded model (TF.js layers on tfjs, ONNX on ONNX
 * Runtime) and arrays into the engine's `analyze`, with its stage progress turned into one
 * fraction of the whole job. The probes train on tfjs whatever runs the model.
 */
import type { AnalysisResult, CreateJobRequest, ModelRef } from '../../protocol/api';
import { analyze, type AnalysisProgress, type AnalysisStage } from '../../engine/analyze';
import type { BatchSolver } from '../../engine/andOr';
import type { ProbeTrainer } from '../../engine/probe';
import { AnalysisCancelledError } from '../../engine/errors';
import { UserError } from '../cli/errors';
import { openRunner, type ModelArtifacts } from '../modelRunners';
import { stageEta } from '../progressEta';
import { ComputePool } from '../computePool';
import { QueueSolver } from '../queue/queueSolver';
import { selectBackend } from '../tfjsBackend';
import { toFloat32, toLabels, type RawArray } from './arrays';
import type { Executor, StageProgress } from './jobQueue';
import type { UploadStore } from './uploads';

/** Rough share of the run time of each stage, in the order they run. */
const STAGE_SHARE: [AnalysisStage, number][] = [
  ['features', 0.08],
  ['probes', 0.25],
  ['passes', 0.3],
  ['solves', 0.34],
  ['metrics', 0.03]
];

/**
 * Maps the engine's per-stage counts to a fraction of the whole job that never goes back:
 * a stage starts where the previous one stopped and takes its share of what is left, so
 * skipped stages (no probes) just hand their share on. During the solves, which dominate a
 * run and whose share above is a guess, the time left comes from the pace measured within
 * that stage (`nowMs`: a monotonic clock in milliseconds).
 */
export function stageFractions(
  nowMs: () => number = () => performance.now()
): (progress: AnalysisProgress) => StageProgress {
  const eta = stageEta();
  let current = 0;
  let stage: AnalysisStage | null = null;
  let start = 0;
  let end = 0;
  return progress => {
    if (progress.stage !== stage) {
      const from = STAGE_SHARE.findIndex(([name]) => name === progress.stage);
      const rest = STAGE_SHARE.slice(from).reduce((sum, [, share]) => sum + share, 0);
      stage = progress.stage;
      start = current;
      end = start + ((1 - start) * (STAGE_SHARE[from]?.[1] ?? 0)) / (rest || 1);
    }
    const within = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 1;
    current = Math.max(current, start + (end - start) * within);
    const secondsLeft = eta(progress, nowMs());
    return {
      stage: progress.stage,
      fraction: current,
      message: `${progress.done.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')}`,
      ...(progress.stage === 'solves' ? { etaSeconds: secondsLeft } : {})
    };
  };
}

/**
 * A job's solves and probes on one worker thread per core, or its solves on the workers of a
 * queue. A solve can take minutes, so cancelling does not wait for it: the batch or probe in
 * flight fails at once, close() stops the threads mid-task, and the queue's tasks are taken
 * off it and stopped on the workers.
 */
function cancellableWork(
  signal: AbortSignal,
  queue: QueueSolver | null
): {
  solveBatch: BatchSolver;
  trainProbe: ProbeTrainer;
  close(): Promise<void>;
} {
  const pool = new ComputePool();
  const cancelled = new Promise<never>((_, reject) => {
    const abort = () => {
      reject(new AnalysisCancelledError());
      void queue?.cancel().catch(() => undefined);
    };
    if (signal.aborted) {
      abort();
    } else {
      signal.addEventListener('abort', abort, { once: true });
    }
  });
  // Only the batches raced against it report the cancellation.
  cancelled.catch(() => undefined);
  const cancellable = <T>(work: Promise<T>): Promise<T> => {
    const raced = Promise.race([work, cancelled]);
    // analyze() may hold a batch a while before awaiting it; a cancellation meanwhile must
    // not count as an unhandled rejection, which would end the process.
    raced.catch(() => undefined);
    return raced;
  };
  return {
    solveBatch: (problems, options, warm) =>
      cancellable((queue ?? pool).solveBatch(problems, options, warm)),
    trainProbe: (data, options, afterEpoch) =>
      cancellable(pool.trainProbe(data, options, afterEpoch)),
    close: async () => {
      await pool.close();
      await queue?.close();
    }
  };
}

export interface AnalysisExecutor {
  execute: Executor;
  /** The tfjs backend in use, once the first job chose it. */
  backendName: () => string | null;
}

export function createExecutor(
  preference: string,
  toolVersion: string,
  uploads: UploadStore,
  log: (message: string) => void,
  /** serve's --queue: where jobs that name no queue send their solves (null: here). */
  defaultQueue: string | null = null
): AnalysisExecutor {
  let backend: string | null = null;

  const read = async (id: string, role: string) => {
    const found = uploads.get(id);
    if (!found) {
      throw new UserError(
        `${role}: upload ${id} is no longer held by the backend; upload it again`
      );
    }
    try {
      return { info: found.info, bytes: await uploads.read(id) };
    } catch {
      throw new UserError(`${role}: upload ${id} could not be read back; upload it again`);
    }
  };
  const array = async (id: string, role: string): Promise<RawArray> => {
    const { info, bytes } = await read(id, role);
    if (info.dtype === null || info.shape === null) {
      throw new UserError(`${role}: upload ${id} is not an array`);
    }
    return { dtype: info.dtype, shape: info.shape, bytes };
  };
  const rows = (a: RawArray) => a.shape[0] ?? 1;

  const artifacts = async (model: ModelRef): Promise<ModelArtifacts> =>
    model.format === 'onnx'
      ? { format: 'onnx', onnx: (await read(model.onnx, 'model.onnx')).bytes }
      : {
          format: 'tfjs-layers',
          modelJson: (await read(model.modelJson, 'model.modelJson')).bytes.toString('utf8'),
          weights: (await read(model.weights, 'model.weights')).bytes
        };

  const execute = async (
    request: CreateJobRequest,
    signal: AbortSignal,
    onProgress: (progress: StageProgress) => void
  ): Promise<AnalysisResult> => {
    onProgress({ stage: 'loading', fraction: 0 });
    backend ??= (await selectBackend(preference, { onNote: log })).tfjsName;
    const samples = await array(request.samples, 'samples');
    const labels =
      request.sampleLabels === undefined ? null : await array(request.sampleLabels, 'sampleLabels');
    const training =
      request.training === undefined
        ? null
        : {
            inputs: await array(request.training.inputs, 'training.inputs'),
            labels: await array(request.training.labels, 'training.labels')
          };
    const source = request.model.source ?? request.name ?? 'uploaded model';
    const { runner, close } = await openRunner(await artifacts(request.model), source, backend);
    const queueUrl = request.queue ?? defaultQueue;
    const queue = queueUrl
      ? await QueueSolver.open({ url: queueUrl, version: toolVersion, log }).catch(error => {
          close();
          throw error;
        })
      : null;
    const work = cancellableWork(signal, queue);
    try {
      const fractions = stageFractions();
      const result = await analyze(
        {
          runner,
          samples: { data: toFloat32(samples, 'samples'), count: rows(samples) },
          labels: labels && toLabels(labels, 'sampleLabels'),
          training: training && {
            data: toFloat32(training.inputs, 'training.inputs'),
            count: rows(training.inputs),
            labels: toLabels(training.labels, 'training.labels')
          },
          options: request.options,
          source,
          toolVersion,
          signal,
          solveBatch: request.options.solver.kind === 'none' ? null : work.solveBatch,
          trainProbe: work.trainProbe
        },
        progress => onProgress(fractions(progress))
      );
      return result;
    } finally {
      close();
      await work.close();
    }
  };

  return { execute, backendName: () => backend };
}
