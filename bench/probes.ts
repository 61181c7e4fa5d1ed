/**
 * Probe training: one epoch of mini-batch Adam on the typed-array fitter and on the tfjs
 * fitter (src/engine/probeFitters.ts), side by side in one process, per tfjs backend and
 * layer width; what probeFitter() picks for each; and how far the two fitters' held-out
 * losses are apart after the same steps.
 *
 * npx tsx bench/probes.ts
 */
import * as tf from '@tensorflow/tfjs';
import { ProbeOptions } from '../src/protocol/options';
import {
  probeFitter,
  TfjsFitter,
  TypedArrayFitter,
  type FitterData,
  type ProbeFitter
} from '../src/engine/probeFitters';
import { normalGenerator, permutation, uniformGenerator } from '../src/engine/random';
import { selectBackend } from '../src/backend/tfjsBackend';
import { runAlone } from './runAlone';

/** The demo's probe data: 1,437 training and 360 held-out rows, 10 classes. */
const TRAIN_ROWS = 1437;
const HELD_ROWS = 360;
const CLASSES = 10;
const WIDTHS = [128, 512, 2048];
const BACKENDS = ['tensorflow', 'wasm'] as const;
const WARM_UP_EPOCHS = 2;
const TIMED_EPOCHS = 5;

function dataOf(size: number): FitterData {
  const normal = normalGenerator(size);
  const rows = (count: number) => Float32Array.from({ length: count * size }, () => normal());
  const labels = (count: number) => Int32Array.from({ length: count }, (_, i) => i % CLASSES);
  return {
    size,
    columns: CLASSES,
    xTrain: rows(TRAIN_ROWS),
    yTrain: labels(TRAIN_ROWS),
    xHeld: rows(HELD_ROWS),
    yHeld: labels(HELD_ROWS)
  };
}

/** ms per epoch over the timed epochs, and the held-out loss after all of them. */
async function timeEpochs(
  fitter: ProbeFitter,
  batchSize: number
): Promise<{ ms: number; loss: number }> {
  const uniform = uniformGenerator(0);
  const epoch = async () => {
    const order = permutation(TRAIN_ROWS, uniform);
    for (let start = 0; start < TRAIN_ROWS; start += batchSize) {
      fitter.step(order.subarray(start, start + batchSize));
    }
    return fitter.heldOutLoss();
  };
  for (let e = 0; e < WARM_UP_EPOCHS; e++) {
    await epoch();
  }
  const started = performance.now();
  let loss = 0;
  for (let e = 0; e < TIMED_EPOCHS; e++) {
    loss = await epoch();
  }
  return { ms: (performance.now() - started) / TIMED_EPOCHS, loss };
}

export async function benchProbes(): Promise<string> {
  const options = ProbeOptions.parse({});
  const rows: string[] = [];
  const skipped: string[] = [];
  for (const kind of BACKENDS) {
    const selected = await selectBackend(kind);
    if (selected.backend !== kind) {
      skipped.push(`${kind}: ${selected.notes[0] ?? `fell back to ${selected.backend}`}`);
      continue;
    }
    for (const size of WIDTHS) {
      const data = dataOf(size);
      const picked = probeFitter(data, options);
      const pickedName = picked instanceof TypedArrayFitter ? 'typed arrays' : 'tfjs';
      picked.dispose();
      const typed = new TypedArrayFitter(data, options);
      const typedRun = await timeEpochs(typed, options.batchSize);
      typed.dispose();
      const tensors = new TfjsFitter(data, options);
      const tfjsRun = await timeEpochs(tensors, options.batchSize);
      tensors.dispose();
      rows.push(
        `| ${kind} | ${size} | ${typedRun.ms.toFixed(1)} | ${tfjsRun.ms.toFixed(1)} | ` +
          `${(tfjsRun.ms / typedRun.ms).toFixed(2)}x | ${pickedName} | ` +
          `${Math.abs(typedRun.loss - tfjsRun.loss).toExponential(1)} |`
      );
    }
  }
  tf.engine().reset();
  return [
    '## Probe training: typed arrays vs tfjs',
    '',
    `One epoch of the default probe options (Adam, batches of ${options.batchSize}) on ` +
      `${TRAIN_ROWS} training rows, ${CLASSES} classes and a held-out loss on ${HELD_ROWS} ` +
      `rows, as the demo's probes; ms per epoch over ${TIMED_EPOCHS} epochs after ` +
      `${WARM_UP_EPOCHS} warm-up epochs, both fitters in the same process. "tfjs / typed": ` +
      'how many times longer the tfjs fitter took. |Δ loss|: the two fitters after the same ' +
      'steps (float64 against float32 arithmetic).',
    '',
    '| backend | features | typed arrays ms | tfjs ms | tfjs / typed | picked | \\|Δ loss\\| |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows,
    '',
    ...(skipped.length > 0 ? ['Not measured:', '', ...skipped.map(line => `- ${line}`), ''] : [])
  ].join('\n');
}

if (require.main === module) {
  runAlone(benchProbes());
}
