/**
 * Test helpers: the backend as a real process on loopback, a tiny TF.js model as upload bytes,
 * and a small API client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  REQUEST_HEADER,
  TOKEN_HEADER,
  apiRoutes,
  type ArrayDType,
  type JobStatus
} from '../../src/protocol/api';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVE = path.join(ROOT, 'src', 'backend', 'server', 'serve.ts');

export interface Backend {
  url: string;
  token: string;
  process: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  /** SIGKILL: a crash, not a clean stop. */
  kill: () => Promise<void>;
  stop: () => Promise<void>;
}

export function startBackend(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Backend> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, LAYERWISE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+\/)/.exec(output)?.[1];
      const token = /token: (\S+)/.exec(output)?.[1] ?? env.LAYERWISE_TOKEN ?? '';
      if (url) {
        clearTimeout(timer);
        resolve({
          url,
          token,
          process: child,
          output: () => output,
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          }
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`backend exited with ${code}:\n${output}`));
    });
  });
}

export class Client {
  constructor(
    readonly base: string,
    readonly token: string
  ) {}

  async request(route: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set(TOKEN_HEADER, this.token);
    headers.set(REQUEST_HEADER, '1');
    return fetch(new URL(route, this.base), { ...init, headers });
  }

  async json<T>(route: string, init: RequestInit = {}, expected = 200): Promise<T> {
    const response = await this.request(route, init);
    const text = await response.text();
    if (response.status !== expected) {
      throw new Error(`${init.method ?? 'GET'} ${route}: ${response.status} ${text}`);
    }
    return JSON.parse(text) as T;
  }

  async upload(route: string, bytes: Uint8Array): Promise<string> {
    const info = await this.json<{ id: string }>(
      route,
      { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } },
      201
    );
    return info.id;
  }

  uploadArray(dtype: ArrayDType, shape: number[], data: ArrayBufferView): Promise<string> {
    return this.upload(
      apiRoutes.uploadArray(dtype, shape),
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    );
  }

  createJob(body: unknown): Promise<JobStatus> {
    return this.json<JobStatus>(
      apiRoutes.jobs(),
      {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' }
      },
      201
    );
  }

  job(id: string): Promise<JobStatus> {
    return this.json<JobStatus>(apiRoutes.job(id));
  }

  /** Polls until the job has finished. */
  async waitFor(id: string, timeoutMs = 30_000): Promise<JobStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (job.state !== 'queued' && job.state !== 'running') {
        return job;
      }
      if (Date.now() > deadline) {
        throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

export interface TinyModel {
  modelJson: Uint8Array;
  weights: Uint8Array;
}

/** A 4-input, 3-class MLP with layers 'hidden' and 'out', as model.json + weights bytes. */
export async function tinyModel(seed = 1): Promise<TinyModel> {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        name: 'hidden',
        units: 6,
        activation: 'relu',
        inputShape: [4],
        kernelInitializer: tf.initializers.glorotUniform({ seed })
      }),
      tf.layers.dense({
        name: 'out',
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 })
      })
    ]
  });
  let saved: TinyModel | null = null;
  await model.save(
    tf.io.withSaveHandler(async artifacts => {
      const parts =
        artifacts.weightData === undefined
          ? []
          : ([] as ArrayBuffer[]).concat(artifacts.weightData);
      const weights = Buffer.concat(parts.map(part => new Uint8Array(part)));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }]
      };
      saved = { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  model.dispose();
  if (saved === null) {
    throw new Error('the model was not saved');
  }
  return saved;
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function floats(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

export interface Uploaded {
  modelJson: string;
  weights: string;
  samples: string;
  sampleLabels: string;
  trainingInputs: string;
  trainingLabels: string;
}

/** Uploads the model, 2 samples with int64 labels and 30 training samples. */
export async function uploadAll(client: Client, model: TinyModel): Promise<Uploaded> {
  const trainingCount = 30;
  return {
    modelJson: await client.upload(apiRoutes.uploadModelJson(), model.modelJson),
    weights: await client.upload(apiRoutes.uploadWeights(), model.weights),
    samples: await client.uploadArray('float32', [2, 4], floats(8, 7)),
    sampleLabels: await client.uploadArray('int64', [2], BigInt64Array.from([0n, 2n])),
    trainingInputs: await client.uploadArray(
      'float64',
      [trainingCount, 4],
      Float64Array.from(floats(4 * trainingCount, 9))
    ),
    trainingLabels: await client.uploadArray(
      'int32',
      [trainingCount],
      Int32Array.from({ length: trainingCount }, (_, i) => i % 3)
    )
  };
}

/** A job request over the uploads; `options` overrides the quick defaults. */
export function jobRequest(
  uploads: Uploaded,
  options: Record<string, unknown> = {},
  name = 'test'
) {
  return {
    name,
    model: { modelJson: uploads.modelJson, weights: uploads.weights, source: 'tiny' },
    samples: uploads.samples,
    sampleLabels: uploads.sampleLabels,
    training: { inputs: uploads.trainingInputs, labels: uploads.trainingLabels },
    options: {
      variables: [[0], [1], [2], [3]],
      layers: ['out'],
      solver: { kind: 'none' },
      ...options
    }
  };
}

export interface RawReply {
  /** 0 when nothing (or no status line) came back. */
  status: number;
  text: string;
  /** The server closed the connection before the deadline. */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Sends `data` as it is on a fresh connection (request lines and headers no HTTP client would
 * send) and collects what comes back until the server closes the connection, `waitMs`
 * passes, or `until` says the reply is complete.
 */
export function rawRequest(
  base: string,
  data: Buffer | string,
  waitMs = 5000,
  until: (text: string) => boolean = () => false
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', chunk => {
      text += chunk.toString('latin1');
      if (until(text)) {
        finish(true);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', error => {
      // A reset after the reply (the server closing on unread input) is still a reply.
      if (text !== '') {
        finish(true);
      } else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}
