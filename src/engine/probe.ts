/**
 * Linear probes (method.md 2): a softmax (sigmoid for two classes) classifier on one layer's
 * features, trained on the user's unmasked training data with the network frozen, stopped
 * early on a held-out split. Its log-odds on a masked sample's features is v_l(x_S).
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeOptions } from '../protocol/options';
import type { ProbeReport } from '../protocol/result';
import { AnalysisInputError } from './errors';
import { permutation, uniformGenerator } from './random';

export interface ProbeTrainingData {
  /** [count, featureSize] row-major. */
  features: Float32Array;
  count: number;
  labels: ArrayLike<number>;
  classes: number;
}

/** logits = features . weights + bias; one logit column for two classes. */
export interface LinearProbe {
  featureSize: number;
  columns: number;
  /** [featureSize, columns] row-major. */
  weights: Float32Array;
  bias: Float32Array;
  report: ProbeReport;
}

/** Improvements of the held-out loss below this do not reset the patience counter. */
const MIN_IMPROVEMENT = 1e-7;

/** Per-feature mean and scale of the training rows; constant features keep scale 1. */
function standardiser(
  features: Float32Array,
  rows: Int32Array,
  size: number
): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(size);
  const scale = new Float64Array(size);
  for (const r of rows) {
    for (let j = 0; j < size; j++) {
      mean[j] += features[r * size + j];
    }
  }
  for (let j = 0; j < size; j++) {
    mean[j] /= rows.length;
  }
  for (const r of rows) {
    for (let j = 0; j < size; j++) {
      const d = features[r * size + j] - mean[j];
      scale[j] += d * d;
    }
  }
  for (let j = 0; j < size; j++) {
    const sd = Math.sqrt(scale[j] / rows.length);
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

function gatherRows(
  features: Float32Array,
  rows: Int32Array,
  size: number,
  standard: { mean: Float64Array; scale: Float64Array } | null
): Float32Array {
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => {
    for (let j = 0; j < size; j++) {
      const x = features[r * size + j];
      out[i * size + j] = standard ? (x - standard.mean[j]) / standard.scale[j] : x;
    }
  });
  return out;
}

function targetsOf(labels: ArrayLike<number>, rows: Int32Array, columns: number): tf.Tensor2D {
  const y = Int32Array.from(rows, r => labels[r]);
  return tf.tidy(() =>
    columns === 1
      ? tf.tensor2d(Float32Array.from(y), [rows.length, 1])
      : (tf.oneHot(tf.tensor1d(y, 'int32'), columns).toFloat() as tf.Tensor2D)
  );
}

function lossOf(logits: tf.Tensor2D, targets: tf.Tensor2D, columns: number): tf.Scalar {
  return columns === 1
    ? (tf.losses.sigmoidCrossEntropy(targets, logits) as tf.Scalar)
    : (tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar);
}

function accuracyOf(
  logits: Float32Array,
  labels: ArrayLike<number>,
  rows: Int32Array,
  columns: number
): number {
  let correct = 0;
  rows.forEach((r, i) => {
    let predicted: number;
    if (columns === 1) {
      predicted = logits[i] > 0 ? 1 : 0;
    } else {
      predicted = 0;
      for (let c = 1; c < columns; c++) {
        if (logits[i * columns + c] > logits[i * columns + predicted]) {
          predicted = c;
        }
      }
    }
    correct += predicted === labels[r] ? 1 : 0;
  });
  return rows.length ? correct / rows.length : 0;
}

function zeroVariable(shape: number[]): tf.Variable {
  const zeros = tf.zeros(shape);
  const variable = tf.variable(zeros, true);
  zeros.dispose();
  return variable;
}

/** `afterEpoch` runs between epochs (cancellation, progress); it may throw to stop. */
export async function trainProbe(
  data: ProbeTrainingData,
  options: ProbeOptions,
  afterEpoch?: (epoch: number) => Promise<void> | void
): Promise<LinearProbe> {
  const { count, classes } = data;
  const size = count ? data.features.length / count : 0;
  if (count < 2) {
    throw new AnalysisInputError(
      `probes need at least 2 training samples (one to train on, one held out); got ${count}`
    );
  }
  const columns = classes === 2 ? 1 : classes;
  const uniform = uniformGenerator(options.seed);
  const order = permutation(count, uniform);
  const heldOutCount = Math.min(
    count - 1,
    Math.max(1, Math.round(options.heldOutFraction * count))
  );
  const heldOutRows = order.slice(0, heldOutCount);
  const trainRows = order.slice(heldOutCount);

  // Standardised features make one learning rate fit every layer; the scaling is folded back
  // into the weights, so the probe stays linear in the layer's raw features.
  const standard = options.standardize ? standardiser(data.features, trainRows, size) : null;
  const xTrain = tf.tensor2d(gatherRows(data.features, trainRows, size, standard), [
    trainRows.length,
    size
  ]);
  const xHeld = tf.tensor2d(gatherRows(data.features, heldOutRows, size, standard), [
    heldOutCount,
    size
  ]);
  const yTrain = targetsOf(data.labels, trainRows, columns);
  const yHeld = targetsOf(data.labels, heldOutRows, columns);
  const weights = zeroVariable([size, columns]);
  const bias = zeroVariable([columns]);
  const optimizer =
    options.optimizer === 'adam'
      ? tf.train.adam(options.learningRate)
      : tf.train.sgd(options.learningRate);

  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights = new Float32Array(size * columns);
  let bestBias = new Float32Array(columns);
  let epochs = 0;
  try {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      epochs = epoch;
      const shuffled = permutation(trainRows.length, uniform);
      for (let start = 0; start < shuffled.length; start += options.batchSize) {
        const index = shuffled.subarray(start, start + options.batchSize);
        tf.tidy(() => {
          const rows = tf.tensor1d(index, 'int32');
          const xb = tf.gather(xTrain, rows);
          const yb = tf.gather(yTrain, rows);
          optimizer.minimize(
            () => lossOf(xb.matMul(weights).add(bias) as tf.Tensor2D, yb, columns),
            false,
            [weights, bias]
          );
        });
      }
      const heldLoss = tf.tidy(() =>
        lossOf(xHeld.matMul(weights).add(bias) as tf.Tensor2D, yHeld, columns)
      );
      const loss = (await heldLoss.data())[0];
      heldLoss.dispose();
      await afterEpoch?.(epoch);
      if (!Number.isFinite(loss)) {
        throw new AnalysisInputError(
          'a probe diverged (non-finite held-out loss); lower the probe learning rate'
        );
      }
      if (loss < best - MIN_IMPROVEMENT) {
        best = loss;
        bestEpoch = epoch;
        bestWeights = Float32Array.from(await weights.data());
        bestBias = Float32Array.from(await bias.data());
      } else if (epoch - bestEpoch >= options.patience) {
        break;
      }
    }
    const trainLogits = await logitsOf(xTrain, bestWeights, bestBias, size, columns);
    const heldLogits = await logitsOf(xHeld, bestWeights, bestBias, size, columns);
    const folded = fold(bestWeights, bestBias, standard, size, columns);
    return {
      featureSize: size,
      columns,
      weights: folded.weights,
      bias: folded.bias,
      report: {
        trainAccuracy: accuracyOf(trainLogits, data.labels, trainRows, columns),
        heldOutAccuracy: accuracyOf(heldLogits, data.labels, heldOutRows, columns),
        epochs,
        featureSize: size
      }
    };
  } finally {
    tf.dispose([xTrain, xHeld, yTrain, yHeld, weights, bias]);
    optimizer.dispose();
  }
}

async function logitsOf(
  x: tf.Tensor2D,
  weights: Float32Array,
  bias: Float32Array,
  size: number,
  columns: number
): Promise<Float32Array> {
  const logits = tf.tidy(() =>
    x.matMul(tf.tensor2d(weights, [size, columns])).add(tf.tensor1d(bias))
  );
  const values = (await logits.data()) as Float32Array;
  logits.dispose();
  return values;
}

/** (f - mean) / scale . W + b  =  f . (W / scale) + (b - (mean / scale) . W). */
function fold(
  weights: Float32Array,
  bias: Float32Array,
  standard: { mean: Float64Array; scale: Float64Array } | null,
  size: number,
  columns: number
): { weights: Float32Array; bias: Float32Array } {
  if (!standard) {
    return { weights: Float32Array.from(weights), bias: Float32Array.from(bias) };
  }
  const folded = new Float32Array(size * columns);
  const shift = Float64Array.from(bias);
  for (let j = 0; j < size; j++) {
    for (let c = 0; c < columns; c++) {
      const w = weights[j * columns + c] / standard.scale[j];
      folded[j * columns + c] = w;
      shift[c] -= standard.mean[j] * w;
    }
  }
  return { weights: folded, bias: Float32Array.from(shift) };
}

/** A trained probe held on the tfjs backend, applied to many chunks of features. */
export class ProbeModel {
  private readonly weights: tf.Tensor2D;
  private readonly bias: tf.Tensor1D;

  constructor(readonly probe: LinearProbe) {
    this.weights = tf.tensor2d(probe.weights, [probe.featureSize, probe.columns]);
    this.bias = tf.tensor1d(probe.bias);
  }

  /** [batch, featureSize] -> [batch, columns] logits. */
  async logits(features: Float32Array, batch: number): Promise<Float32Array> {
    const out = tf.tidy(() =>
      tf.tensor2d(features, [batch, this.probe.featureSize]).matMul(this.weights).add(this.bias)
    );
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  }

  dispose(): void {
    tf.dispose([this.weights, this.bias]);
  }
}
