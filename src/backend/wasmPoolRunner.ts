/**
 * A ModelRunner for hosts without native TensorFlow: tfjs's WASM backend is single-threaded in
 * Node, so one copy of the model runs on each of several worker threads (./wasmWorker.ts) and
 * every batch is cut into one contiguous slice per thread.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { AnalysisInputError } from '../engine/errors';
import type { ForwardOutputs, LayerDescriptor, ModelRunner } from '../engine/runner';
import type { RunTask, WasmWorkerData, WorkerReply } from './wasmWorker';
import { startWorker } from './workerThreads';

interface Pending {
  resolve: (outputs: ForwardOutputs) => void;
  reject: (error: Error) => void;
}

type Ready = Extract<WorkerReply, { type: 'ready' }>;

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) {
    return parts[0];
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export class WasmPoolRunner implements ModelRunner {
  readonly runner = 'tfjs' as const;
  readonly backend: string;
  readonly inputShape: number[];
  readonly classes: number;
  readonly layers: LayerDescriptor[];
  readonly warnings: readonly string[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly inputSize: number;
  private nextId = 0;
  private broken: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    ready: Ready
  ) {
    this.backend = `wasm x${workers.length}`;
    this.inputShape = ready.inputShape;
    this.classes = ready.classes;
    this.layers = ready.layers;
    this.inputSize = ready.inputShape.reduce((a, b) => a * b, 1);
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', error => this.breakDown(error));
      worker.on('exit', code => {
        if (code !== 0) {
          this.breakDown(new Error(`exit code ${code}`));
        }
      });
    }
  }

  /**
   * Loads the model (model.json text and its weight bytes) on `threads` WASM threads; `name`
   * prefixes load errors, which are AnalysisInputErrors as with the in-process runner.
   */
  static async create(
    modelJson: string,
    weights: Uint8Array,
    name: string,
    threads = availableParallelism()
  ): Promise<WasmPoolRunner> {
    const data: WasmWorkerData = { modelJson, weights, name };
    const workers = Array.from({ length: Math.max(1, threads) }, () =>
      startWorker('wasmWorker', { workerData: data })
    );
    try {
      const replies = await Promise.all(workers.map(firstReply));
      const failed = replies.find(r => r.type === 'failed');
      if (failed?.type === 'failed') {
        throw new AnalysisInputError(failed.message);
      }
      return new WasmPoolRunner(workers, replies[0] as Ready);
    } catch (error) {
      await Promise.all(workers.map(w => w.terminate()));
      throw error;
    }
  }

  async run(inputs: Float32Array, batch: number, layerNames: string[]): Promise<ForwardOutputs> {
    if (this.broken !== null) {
      throw this.broken;
    }
    const per = Math.ceil(batch / this.workers.length);
    const slices: Promise<ForwardOutputs>[] = [];
    for (let w = 0, start = 0; start < batch; w++, start += per) {
      const rows = Math.min(per, batch - start);
      const slice = inputs.slice(start * this.inputSize, (start + rows) * this.inputSize);
      slices.push(this.send(this.workers[w], slice, rows, layerNames));
    }
    const outputs = await Promise.all(slices);
    return {
      features: layerNames.map((_, l) => concat(outputs.map(o => o.features[l]))),
      logits: concat(outputs.map(o => o.logits))
    };
  }

  dispose(): void {
    this.breakDown(new Error('the runner was disposed'));
    for (const worker of this.workers) {
      void worker.terminate();
    }
  }

  private send(
    worker: Worker,
    inputs: Float32Array,
    batch: number,
    layerNames: string[]
  ): Promise<ForwardOutputs> {
    const task: RunTask = { id: this.nextId++, inputs, batch, layerNames };
    return new Promise((resolve, reject) => {
      this.pending.set(task.id, { resolve, reject });
      worker.postMessage(task, [inputs.buffer as ArrayBuffer]);
    });
  }

  private settle(reply: WorkerReply): void {
    if (reply.type !== 'done' && reply.type !== 'error') {
      return;
    }
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.type === 'done') {
      pending?.resolve({ features: reply.features, logits: reply.logits });
    } else {
      pending?.reject(new AnalysisInputError(reply.message));
    }
  }

  /** A thread died: every pass in flight and every later one fails with the reason. */
  private breakDown(error: Error): void {
    this.broken ??= new Error(`a WASM forward-pass thread stopped: ${error.message}`);
    for (const pending of this.pending.values()) {
      pending.reject(this.broken);
    }
    this.pending.clear();
  }
}

function firstReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
