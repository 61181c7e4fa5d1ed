/**
 * One forward-pass thread of WasmPoolRunner (./wasmPoolRunner.ts): the model on this thread's
 * own tfjs WASM backend (single-threaded in Node), running the slices of batches it is sent,
 * one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TfjsRunner } from '../engine/tfjsRunner';
import type { LayerDescriptor } from '../engine/runner';
import { modelFromArtifacts } from './modelLoader';
import { selectBackend } from './tfjsBackend';

export interface WasmWorkerData {
  modelJson: string;
  weights: Uint8Array;
  name: string;
}

export interface RunTask {
  id: number;
  inputs: Float32Array;
  batch: number;
  layerNames: string[];
}

export type WorkerReply =
  | { type: 'ready'; inputShape: number[]; classes: number; layers: LayerDescriptor[] }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; features: Float32Array[]; logits: Float32Array }
  | { type: 'error'; id: number; message: string };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  const data = workerData as WasmWorkerData;
  let runner: TfjsRunner;
  try {
    const selected = await selectBackend('wasm');
    if (selected.backend !== 'wasm') {
      throw new Error(`the wasm backend is unavailable (${selected.notes.join('; ')})`);
    }
    runner = new TfjsRunner(await modelFromArtifacts(data.modelJson, data.weights, data.name));
  } catch (error) {
    port.postMessage({ type: 'failed', message: message(error) } satisfies WorkerReply);
    return;
  }
  const { inputShape, classes, layers } = runner;
  port.postMessage({ type: 'ready', inputShape, classes, layers } satisfies WorkerReply);
  port.on('message', (task: RunTask) => {
    runner.run(task.inputs, task.batch, task.layerNames).then(
      ({ features, logits }) => {
        const reply: WorkerReply = { type: 'done', id: task.id, features, logits };
        const buffers = new Set([...features, logits].map(a => a.buffer as ArrayBuffer));
        port.postMessage(reply, [...buffers]);
      },
      error => port.postMessage({ type: 'error', id: task.id, message: message(error) })
    );
  });
}

if (parentPort) {
  void serve(parentPort);
}
