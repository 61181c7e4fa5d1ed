/**
 * Forward-pass throughput of each available tfjs backend on two models shaped like the demo's,
 * as ratios against the pure-JS cpu backend measured in the same process. Also checks that every
 * backend's outputs match cpu's, since a fast wrong backend is worse than a slow one.
 * Runs alone with `npx tsx bench/forward.ts`; `npm run bench` includes it.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { selectBackend, type BackendKind } from '../src/backend/tfjsBackend';
import { WasmPoolRunner } from '../src/backend/wasmPoolRunner';
import { runAlone } from './runAlone';

interface Workload {
  name: string;
  batch: number;
  /** The pure-JS cpu backend is ~100x slower: a smaller batch keeps the bench short. */
  cpuBatch: number;
  inputShape: number[];
  build: () => tf.LayersModel;
}

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

const WORKLOADS: Workload[] = [
  {
    name: 'MLP 64-256x6-10',
    batch: 4096,
    cpuBatch: 256,
    inputShape: [64],
    build: () =>
      tf.sequential({
        layers: [
          ...Array.from({ length: 6 }, (_, i) =>
            tf.layers.dense({
              ...(i === 0 ? { inputShape: [64] } : {}),
              units: 256,
              activation: 'relu',
              kernelInitializer: seeded(i)
            })
          ),
          tf.layers.dense({ units: 10, kernelInitializer: seeded(6) })
        ]
      })
  },
  {
    name: 'CNN 28x28x1 conv16-conv32-64-10',
    batch: 512,
    cpuBatch: 64,
    inputShape: [28, 28, 1],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [28, 28, 1],
            filters: 16,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: seeded(10)
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({
            filters: 32,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: seeded(11)
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: seeded(12) }),
          tf.layers.dense({ units: 10, kernelInitializer: seeded(13) })
        ]
      })
  }
];

/** Each backend's timed passes stop after this long (at least one pass, after a warm-up). */
const TIME_PER_CASE_MS = 1500;
const BACKENDS: BackendKind[] = ['cpu', 'wasm', 'tensorflow-gpu', 'tensorflow'];

/** Inputs in, outputs out, as the engine's runner does: upload, predict, download. */
async function forward(model: tf.LayersModel, shape: number[], inputs: Float32Array) {
  const x = tf.tensor(inputs, shape);
  // predict() would split the batch into chunks of 32 without batchSize.
  const y = model.predict(x, { batchSize: shape[0] }) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return values;
}

async function throughput(
  run: (inputs: Float32Array, batch: number) => Promise<Float32Array>,
  work: Workload,
  batch: number,
  allInputs: Float32Array
) {
  const inputs = allInputs.subarray(0, allInputs.length * (batch / work.batch));
  const outputs = await run(inputs, batch);
  let passes = 0;
  const start = performance.now();
  do {
    await run(inputs, batch);
    passes += 1;
  } while (performance.now() - start < TIME_PER_CASE_MS);
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: (passes * batch) / seconds, passes, outputs };
}

/** model.json text and weight bytes of an in-memory model, as the WASM pool's threads load it. */
async function artifactsOf(
  model: tf.LayersModel
): Promise<{ modelJson: string; weights: Uint8Array }> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async artifacts => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  const { modelTopology, weightSpecs, weightData } = saved! as tf.io.ModelArtifacts;
  const weights = new Uint8Array(weightData as ArrayBuffer);
  const modelJson = JSON.stringify({
    modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }]
  });
  return { modelJson, weights };
}

/** Over the rows both ran: cpu ran only the first cpuBatch inputs. */
function maxAbsDiff(outputs: Float32Array, cpuOutputs: Float32Array): number {
  return cpuOutputs.reduce((max, value, i) => Math.max(max, Math.abs(value - outputs[i]!)), 0);
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

interface Measured {
  perSecond: number;
  passes: number;
  outputs: Float32Array;
}

function row(
  work: Workload,
  batch: number,
  backend: string,
  result: Measured,
  base: Pick<Measured, 'perSecond' | 'outputs'>
) {
  return (
    `| ${work.name} | ${batch} | ${backend} | ${format(result.perSecond)} | ` +
    `${(result.perSecond / base.perSecond).toFixed(1)}x | ${result.passes} | ` +
    `${maxAbsDiff(result.outputs, base.outputs).toExponential(1)} |`
  );
}

export async function benchForward(): Promise<string> {
  await selectBackend('cpu');
  const models = WORKLOADS.map(work => work.build());
  const inputs = WORKLOADS.map(work =>
    tf.tidy(
      () =>
        tf
          .randomNormal([work.batch, ...work.inputShape], 0, 1, 'float32', 1)
          .dataSync() as Float32Array
    )
  );
  const rows: string[] = [];
  const skipped: string[] = [];
  const baseline: Measured[] = [];
  for (const kind of BACKENDS) {
    const selected = await selectBackend(kind);
    if (selected.backend !== kind) {
      skipped.push(`${kind}: ${selected.notes[0] ?? `fell back to ${selected.backend}`}`);
      continue;
    }
    for (const [i, work] of WORKLOADS.entries()) {
      const batch = kind === 'cpu' ? work.cpuBatch : work.batch;
      const run = (x: Float32Array, rows: number) =>
        forward(models[i]!, [rows, ...work.inputShape], x);
      const result = await throughput(run, work, batch, inputs[i]!);
      baseline[i] ??= result;
      rows.push(row(work, batch, kind, result, baseline[i]!));
    }
    if (kind === 'wasm' && availableParallelism() > 1) {
      // What the backend does on WASM: one single-threaded copy of the model per core.
      for (const [i, work] of WORKLOADS.entries()) {
        const { modelJson, weights } = await artifactsOf(models[i]!);
        const pool = await WasmPoolRunner.create(modelJson, weights, work.name);
        try {
          const run = async (x: Float32Array, rows: number) =>
            (await pool.run(x.slice(), rows, [])).logits;
          const result = await throughput(run, work, work.batch, inputs[i]!);
          rows.push(row(work, work.batch, pool.backend, result, baseline[i]!));
        } finally {
          pool.dispose();
        }
      }
    }
  }
  models.forEach(model => model.dispose());
  return [
    '## Forward passes per tfjs backend',
    '',
    'Inputs per second through the whole network (upload, `predict` with the full batch, ' +
      `download), each case timed for ${TIME_PER_CASE_MS / 1000} s after a warm-up pass; ` +
      'the ratio is against the pure-JS cpu backend in the same process (run on a smaller ' +
      'batch to keep the bench short), and max |Δ| compares the outputs with cpu on the inputs ' +
      'both ran. `wasm xN` is the WASM backend on one worker thread per core, as the analysis ' +
      'runs it when native TensorFlow is missing.',
    '',
    '| model | batch | backend | inputs/s | vs cpu | timed passes | max \\|Δ\\| vs cpu |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...(skipped.length > 0 ? ['Not measured:', '', ...skipped.map(line => `- ${line}`), ''] : [])
  ].join('\n');
}

if (require.main === module) {
  runAlone(benchForward());
}
