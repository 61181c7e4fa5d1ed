/**
 * The model of an analysis as a ModelRunner, whatever form it came in: an ONNX file (exported
 * from PyTorch) on ONNX Runtime; a TF.js layers model in this process, or on one WASM thread
 * per core when tfjs runs on WASM (single-threaded in Node). The CLI and the server both open
 * models here, so they run a given model the same way.
 */
import { availableParallelism } from 'node:os';
import type { ModelRunner } from '../engine/runner';
import { TfjsRunner } from '../engine/tfjsRunner';
import { modelFromArtifacts } from './modelLoader';
import { OnnxRunner } from './onnxRunner';
import { WasmPoolRunner } from './wasmPoolRunner';

export type ModelArtifacts =
  | { format: 'onnx'; onnx: Uint8Array }
  | { format: 'tfjs-layers'; modelJson: string; weights: Uint8Array };

export interface OpenedModel {
  runner: ModelRunner;
  /** Frees the runner and everything it was built from. */
  close(): void;
}

/** `name` prefixes load errors; `tfjsBackend` is the tfjs backend in use (tf.getBackend()). */
export async function openRunner(
  model: ModelArtifacts,
  name: string,
  tfjsBackend: string
): Promise<OpenedModel> {
  if (model.format === 'onnx') {
    const runner = await OnnxRunner.create(model.onnx, name);
    return { runner, close: () => runner.dispose() };
  }
  if (tfjsBackend === 'wasm' && availableParallelism() > 1) {
    const runner = await WasmPoolRunner.create(model.modelJson, model.weights, name);
    return { runner, close: () => runner.dispose() };
  }
  const layers = await modelFromArtifacts(model.modelJson, model.weights, name);
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
}
