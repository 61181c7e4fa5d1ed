/**
 * What the worker runs for one job: the uploaded model (TF.js layers on tfjs, ONNX on ONNX
 * Runtime) and arrays into the engine's `analyze`, with its stage progress turned into one
 * fraction of the whole job. The probes train on tfjs whatever runs the model.
 */
import { availableParallelism } from 'node:os';
import type { AnalysisResult, CreateJobRequest, ModelRef } from '../../protocol/api';
import { analyze, type AnalysisProgress, type AnalysisStage } from '../../engine/analyze';
import type { ModelRunner } from '../../engine/runner';
import { TfjsRunner } from '../../engine/tfjsRunner';
import { UserError } from '../cli/errors';
import { modelFromArtifacts } from '../modelLoader';
import { OnnxRunner } from '../onnxRunner';
import { selectBackend } from '../tfjsBackend';
import { WasmPoolRunner } from '../wasmPoolRunner';
import { toFloat32, toLabels, type RawArray } from './arrays';
import type { Executor, StageProgress } from './jobQueue';
import type { UploadStore } from './uploads';

/** Rough share of the run time of each stage, in the order they run. */
const STAGE_SHARE: [AnalysisStage, number][] = [
  ['features', 0.08],
  ['probes', 0.25],
  ['passes', 0.64],
  ['metrics', 0.03]
];

/**
 * Maps the engine's per-stage counts to a fraction of the whole job that never goes back:
 * a stage starts where the previous one stopped and takes its share of what is left, so
 * skipped stages (no probes) just hand their share on.
 */
export function stageFractions(): (progress: AnalysisProgress) => StageProgress {
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
    return {
      stage: progress.stage,
      fraction: current,
      message: `${progress.done.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')}`
    };
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
  log: (message: string) => void
): AnalysisExecutor {
  let backend: string | null = null;

  const upload = (id: string, role: string) => {
    const found = uploads.get(id);
    if (!found) {
      throw new UserError(
        `${role}: upload ${id} is no longer held by the backend; upload it again`
      );
    }
    return found;
  };
  const array = (id: string, role: string): RawArray => {
    const { info, bytes } = upload(id, role);
    if (info.dtype === null || info.shape === null) {
      throw new UserError(`${role}: upload ${id} is not an array`);
    }
    return { dtype: info.dtype, shape: info.shape, bytes };
  };
  const rows = (a: RawArray) => a.shape[0] ?? 1;

  /** The job's model as a runner; `close` frees the runner and what it was built from. */
  const open = async (
    model: ModelRef,
    source: string
  ): Promise<{ runner: ModelRunner; close: () => void }> => {
    if (model.format === 'onnx') {
      const runner = await OnnxRunner.create(upload(model.onnx, 'model.onnx').bytes, source);
      return { runner, close: () => runner.dispose() };
    }
    const modelJson = upload(model.modelJson, 'model.modelJson').bytes.toString('utf8');
    const weights = upload(model.weights, 'model.weights').bytes;
    if (backend === 'wasm' && availableParallelism() > 1) {
      const runner = await WasmPoolRunner.create(modelJson, weights, 'model.json');
      return { runner, close: () => runner.dispose() };
    }
    const layers = await modelFromArtifacts(modelJson, weights, 'model.json');
    try {
      const runner = new TfjsRunner(layers);
      return {
        runner,
        close: () => {
          runner.dispose();
          layers.dispose();
        }
      };
    } catch (error) {
      layers.dispose();
      throw error;
    }
  };

  const execute = async (
    request: CreateJobRequest,
    signal: AbortSignal,
    onProgress: (progress: StageProgress) => void
  ): Promise<AnalysisResult> => {
    onProgress({ stage: 'loading', fraction: 0 });
    backend ??= (await selectBackend(preference, { onNote: log })).tfjsName;
    const samples = array(request.samples, 'samples');
    const labels =
      request.sampleLabels === undefined ? null : array(request.sampleLabels, 'sampleLabels');
    const training =
      request.training === undefined
        ? null
        : {
            inputs: array(request.training.inputs, 'training.inputs'),
            labels: array(request.training.labels, 'training.labels')
          };
    const source = request.model.source ?? request.name ?? 'uploaded model';
    const { runner, close } = await open(request.model, source);
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
          signal
        },
        progress => onProgress(fractions(progress))
      );
      if (runner.runner === 'onnx') {
        // OnnxRunner says 'cpu' or 'cuda', which reads like a tfjs backend in the result.
        result.runtime.backend = `onnxruntime-${runner.backend}`;
      }
      return result;
    } finally {
      close();
    }
  };

  return { execute, backendName: () => backend };
}
