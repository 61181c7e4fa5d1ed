/**
 * Forward-pass throughput of each available tfjs backend on two models shaped like the demo's,
 * as ratios against the pure-JS cpu backend measured in the same process. Also checks that every
 * backend's outputs match cpu's, since a fast wrong backend is worse than a slow one.
 * Runs alone with `npx tsx bench/forward.ts`; `npm run bench` includes it.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendKind } from '../src/backend/tfjsBackend';

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
  model: tf.LayersModel,
  work: Workload,
  batch: number,
  allInputs: Float32Array
) {
  const shape = [batch, ...work.inputShape];
  const inputs = allInputs.subarray(0, allInputs.length * (batch / work.batch));
  const outputs = await forward(model, shape, inputs);
  let passes = 0;
  const start = performance.now();
  do {
    await forward(model, shape, inputs);
    passes += 1;
  } while (performance.now() - start < TIME_PER_CASE_MS);
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: (passes * batch) / seconds, passes, outputs };
}

/** Over the rows both ran: cpu ran only the first cpuBatch inputs. */
function maxAbsDiff(outputs: Float32Array, cpuOutputs: Float32Array): number {
  return cpuOutputs.reduce((max, value, i) => Math.max(max, Math.abs(value - outputs[i]!)), 0);
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

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
  const baseline: { perSecond: number; outputs: Float32Array }[] = [];
  for (const kind of BACKENDS) {
    const selected = await selectBackend(kind);
    if (selected.backend !== kind) {
      skipped.push(`${kind}: ${selected.notes[0] ?? `fell back to ${selected.backend}`}`);
      continue;
    }
    for (const [i, work] of WORKLOADS.entries()) {
      const batch = kind === 'cpu' ? work.cpuBatch : work.batch;
      const result = await throughput(models[i]!, work, batch, inputs[i]!);
      baseline[i] ??= result;
      const base = baseline[i]!;
      rows.push(
        `| ${work.name} | ${batch} | ${kind} | ${format(result.perSecond)} | ` +
          `${(result.perSecond / base.perSecond).toFixed(1)}x | ${result.passes} | ` +
          `${maxAbsDiff(result.outputs, base.outputs).toExponential(1)} |`
      );
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
      'both ran.',
    '',
    '| model | batch | backend | inputs/s | vs cpu | timed passes | max \\|Δ\\| vs cpu |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...(skipped.length > 0 ? ['Not measured:', '', ...skipped.map(line => `- ${line}`), ''] : [])
  ].join('\n');
}

if (require.main === module) {
  benchForward()
    .then(section => console.log(section))
    .catch(error => {
      console.error(error);
      process.exit(1);
    });
}
