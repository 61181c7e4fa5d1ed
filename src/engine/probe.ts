/**
 * Linear probes (method.md 2): a softmax (sigmoid for two classes) classifier on one layer's
 * features, trained on the user's unmasked training data with the network frozen, stopped
 * early on a held-out split. Its log-odds on a masked sample's features is v_l(x_S).
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeOptions } from '../protocol/options';
import type { ProbeFit } from '../protocol/result';
import { AnalysisInputError } from './errors';
import {
  probeFitter,
  type FitterData,
  type ProbeFitter,
  type ProbeParameters
} from './probeFitters';
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
  report: ProbeFit;
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

/** A probe's features per row and logit columns (one for two classes). */
export function probeShape(data: ProbeTrainingData): { size: number; columns: number } {
  return {
    size: data.count ? data.features.length / data.count : 0,
    columns: data.classes === 2 ? 1 : data.classes
  };
}

/**
 * Trains one layer's probe (the default: in this thread, one after another). A backend may
 * train several at once on other threads; the probe must not depend on where it was trained.
 */
export type ProbeTrainer = (
  data: ProbeTrainingData,
  options: ProbeOptions,
  afterEpoch?: (epoch: number) => Promise<void> | void
) => Promise<LinearProbe>;

/**
 * `afterEpoch` runs between epochs (cancellation, progress); it may throw to stop.
 * `fitterFor`: the optimiser steps (default: the faster one on the active tfjs backend).
 */
export async function trainProbe(
  data: ProbeTrainingData,
  options: ProbeOptions,
  afterEpoch?: (epoch: number) => Promise<void> | void,
  fitterFor: (data: FitterData, options: ProbeOptions) => ProbeFitter = probeFitter
): Promise<LinearProbe> {
  const { count } = data;
  const { size, columns } = probeShape(data);
  if (count < 2) {
    throw new AnalysisInputError(
      `probes need at least 2 training samples (one to train on, one held out); got ${count}`
    );
  }
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
  const labelsOf = (rows: Int32Array) => Int32Array.from(rows, r => data.labels[r]);
  const fitter = fitterFor(
    {
      size,
      columns,
      xTrain: gatherRows(data.features, trainRows, size, standard),
      yTrain: labelsOf(trainRows),
      xHeld: gatherRows(data.features, heldOutRows, size, standard),
      yHeld: labelsOf(heldOutRows)
    },
    options
  );

  let best = Infinity;
  let bestEpoch = 0;
  let bestParameters: ProbeParameters = {
    weights: new Float32Array(size * columns),
    bias: new Float32Array(columns)
  };
  let epochs = 0;
  try {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      epochs = epoch;
      const shuffled = permutation(trainRows.length, uniform);
      for (let start = 0; start < shuffled.length; start += options.batchSize) {
        fitter.step(shuffled.subarray(start, start + options.batchSize));
      }
      const loss = await fitter.heldOutLoss();
      await afterEpoch?.(epoch);
      if (!Number.isFinite(loss)) {
        throw new AnalysisInputError(
          'a probe diverged (non-finite held-out loss); lower the probe learning rate'
        );
      }
      if (loss < best - MIN_IMPROVEMENT) {
        best = loss;
        bestEpoch = epoch;
        bestParameters = await fitter.parameters();
      } else if (epoch - bestEpoch >= options.patience) {
        break;
      }
    }
    const folded = fold(bestParameters.weights, bestParameters.bias, standard, size, columns);
    return {
      featureSize: size,
      columns,
      weights: folded.weights,
      bias: folded.bias,
      report: {
        trainAccuracy: await fitter.accuracy(bestParameters, 'train'),
        heldOutAccuracy: await fitter.accuracy(bestParameters, 'held'),
        epochs,
        featureSize: size
      }
    };
  } finally {
    fitter.dispose();
  }
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
