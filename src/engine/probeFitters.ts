/**
 * The optimiser steps behind a linear probe (./probe.ts): mini-batch Adam or SGD on the mean
 * softmax (sigmoid for one logit column) cross-entropy, in two implementations of the same
 * arithmetic. Plain typed-array loops win while a step is small, because a tfjs step is a
 * few dozen kernel launches whatever its size; large layers go to tfjs, whose matrix
 * products then win.
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeOptions } from '../protocol/options';
import { predictedClass } from './scalarOutput';

/** Standardised rows and their labels, split into training and held-out sets. */
export interface FitterData {
  size: number;
  /** 1 for a sigmoid probe (two classes), else the number of classes. */
  columns: number;
  /** [rows, size] row-major. */
  xTrain: Float32Array;
  yTrain: Int32Array;
  xHeld: Float32Array;
  yHeld: Int32Array;
}

export interface ProbeParameters {
  /** [size, columns] row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface ProbeFitter {
  /** One optimiser step on these training rows (positions in xTrain). */
  step(batch: Int32Array): void;
  /** Mean cross-entropy of the current parameters on the held-out rows. */
  heldOutLoss(): Promise<number>;
  parameters(): Promise<ProbeParameters>;
  /** Fraction of the training or held-out rows that `parameters` classify correctly. */
  accuracy(parameters: ProbeParameters, rows: 'train' | 'held'): Promise<number>;
  dispose(): void;
}

/**
 * Up to this many weights (features x columns) the typed-array fitter is used; one epoch of
 * the demo's 1,437 training rows and 10 classes (npx tsx bench/probes.ts) took, typed arrays
 * against tfjs: on native TensorFlow 4.4 vs 9.9 ms at 128 features, 15.7 vs 9.3 ms at 512; on
 * WASM 60 vs 148 ms at 2,048 features.
 */
const TYPED_ARRAY_WEIGHTS = { native: 2_560, other: 40_960 };

/** tfjs' Adam defaults (its float32 epsilon), so both fitters take the same steps. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** Whether the typed-array fitter is the faster one for this size on the active tfjs backend. */
export function typedArraysFaster(size: number, columns: number): boolean {
  const limit = TYPED_ARRAY_WEIGHTS[tf.getBackend() === 'tensorflow' ? 'native' : 'other'];
  return size * columns <= limit;
}

/** The faster fitter for this problem size on the active tfjs backend. */
export function probeFitter(data: FitterData, options: ProbeOptions): ProbeFitter {
  return typedArraysFaster(data.size, data.columns)
    ? new TypedArrayFitter(data, options)
    : new TfjsFitter(data, options);
}

/** The [columns, rows] layout of a row-major [rows, columns] matrix. */
function transposed(values: ArrayLike<number>, rows: number, columns: number): Float64Array {
  const out = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      out[c * rows + r] = values[r * columns + c];
    }
  }
  return out;
}

export class TypedArrayFitter implements ProbeFitter {
  /** [columns, size]: see forward(). */
  private readonly weights: Float64Array;
  private readonly bias: Float64Array;
  private readonly gradWeights: Float64Array;
  private readonly gradBias: Float64Array;
  private readonly moments: Float64Array[];
  private readonly logits: Float64Array;
  /** xTrain and xHeld in float64: the loops below then read no float32 conversions. */
  private readonly xTrain: Float64Array;
  private readonly xHeld: Float64Array;
  private steps = 0;

  constructor(
    private readonly data: FitterData,
    private readonly options: ProbeOptions
  ) {
    this.xTrain = Float64Array.from(data.xTrain);
    this.xHeld = Float64Array.from(data.xHeld);
    const count = data.size * data.columns;
    this.weights = new Float64Array(count);
    this.bias = new Float64Array(data.columns);
    this.gradWeights = new Float64Array(count);
    this.gradBias = new Float64Array(data.columns);
    // first and second moments of the weights, then of the bias
    this.moments = [count, count, data.columns, data.columns].map(n => new Float64Array(n));
    this.logits = new Float64Array(data.columns);
  }

  /**
   * logits = x_row . W + b, W given column by column ([columns, size], the layout of the
   * weights here: each logit is one contiguous dot product).
   */
  private forward(x: Float64Array, row: number, weights: Float64Array, bias: Float64Array): void {
    const { size, columns } = this.data;
    const { logits } = this;
    const offset = row * size;
    // four logits per pass over the row: a quarter of the loads of x
    let c = 0;
    for (; c + 3 < columns; c += 4) {
      const w0 = c * size;
      const w1 = w0 + size;
      const w2 = w1 + size;
      const w3 = w2 + size;
      let total0 = bias[c];
      let total1 = bias[c + 1];
      let total2 = bias[c + 2];
      let total3 = bias[c + 3];
      for (let j = 0; j < size; j++) {
        const xj = x[offset + j];
        total0 += xj * weights[w0 + j];
        total1 += xj * weights[w1 + j];
        total2 += xj * weights[w2 + j];
        total3 += xj * weights[w3 + j];
      }
      logits[c] = total0;
      logits[c + 1] = total1;
      logits[c + 2] = total2;
      logits[c + 3] = total3;
    }
    for (; c < columns; c++) {
      const w = c * size;
      let total = bias[c];
      for (let j = 0; j < size; j++) {
        total += x[offset + j] * weights[w + j];
      }
      logits[c] = total;
    }
  }

  /** Cross-entropy of `this.logits` against the label; with `gradient`, d loss / d logits replaces the logits. */
  private crossEntropy(label: number, gradient: boolean): number {
    const { columns } = this.data;
    const z = this.logits;
    if (columns === 1) {
      const logit = z[0];
      const loss = Math.max(logit, 0) - label * logit + Math.log1p(Math.exp(-Math.abs(logit)));
      if (gradient) {
        z[0] = 1 / (1 + Math.exp(-logit)) - label;
      }
      return loss;
    }
    let max = -Infinity;
    for (let c = 0; c < columns; c++) {
      max = Math.max(max, z[c]);
    }
    let total = 0;
    for (let c = 0; c < columns; c++) {
      total += Math.exp(z[c] - max);
    }
    const loss = max + Math.log(total) - z[label];
    if (gradient) {
      for (let c = 0; c < columns; c++) {
        z[c] = Math.exp(z[c] - max) / total - (c === label ? 1 : 0);
      }
    }
    return loss;
  }

  step(batch: Int32Array): void {
    const { size, columns, yTrain } = this.data;
    const { gradWeights, gradBias, logits, xTrain } = this;
    gradWeights.fill(0);
    gradBias.fill(0);
    for (const row of batch) {
      this.forward(xTrain, row, this.weights, this.bias);
      this.crossEntropy(yTrain[row], true);
      const offset = row * size;
      let c = 0;
      for (; c + 3 < columns; c += 4) {
        const dz0 = logits[c];
        const dz1 = logits[c + 1];
        const dz2 = logits[c + 2];
        const dz3 = logits[c + 3];
        const w0 = c * size;
        const w1 = w0 + size;
        const w2 = w1 + size;
        const w3 = w2 + size;
        for (let j = 0; j < size; j++) {
          const xj = xTrain[offset + j];
          gradWeights[w0 + j] += dz0 * xj;
          gradWeights[w1 + j] += dz1 * xj;
          gradWeights[w2 + j] += dz2 * xj;
          gradWeights[w3 + j] += dz3 * xj;
        }
        gradBias[c] += dz0;
        gradBias[c + 1] += dz1;
        gradBias[c + 2] += dz2;
        gradBias[c + 3] += dz3;
      }
      for (; c < columns; c++) {
        const dz = logits[c];
        const w = c * size;
        for (let j = 0; j < size; j++) {
          gradWeights[w + j] += dz * xTrain[offset + j];
        }
        gradBias[c] += dz;
      }
    }
    this.steps++;
    const [m, v, mBias, vBias] = this.moments;
    this.update(this.weights, gradWeights, m, v, batch.length);
    this.update(this.bias, gradBias, mBias, vBias, batch.length);
  }

  private update(
    values: Float64Array,
    gradSum: Float64Array,
    first: Float64Array,
    second: Float64Array,
    rows: number
  ): void {
    const rate = this.options.learningRate;
    if (this.options.optimizer === 'sgd') {
      for (let i = 0; i < values.length; i++) {
        values[i] -= (rate * gradSum[i]) / rows;
      }
      return;
    }
    const correct1 = 1 - BETA1 ** this.steps;
    const correct2 = 1 - BETA2 ** this.steps;
    for (let i = 0; i < values.length; i++) {
      const g = gradSum[i] / rows;
      first[i] = BETA1 * first[i] + (1 - BETA1) * g;
      second[i] = BETA2 * second[i] + (1 - BETA2) * g * g;
      values[i] -= (rate * (first[i] / correct1)) / (Math.sqrt(second[i] / correct2) + EPSILON);
    }
  }

  async heldOutLoss(): Promise<number> {
    const { yHeld } = this.data;
    const { xHeld } = this;
    let total = 0;
    for (let r = 0; r < yHeld.length; r++) {
      this.forward(xHeld, r, this.weights, this.bias);
      total += this.crossEntropy(yHeld[r], false);
    }
    return total / yHeld.length;
  }

  async parameters(): Promise<ProbeParameters> {
    const { size, columns } = this.data;
    return {
      weights: Float32Array.from(transposed(this.weights, columns, size)),
      bias: Float32Array.from(this.bias)
    };
  }

  async accuracy(parameters: ProbeParameters, rows: 'train' | 'held'): Promise<number> {
    const { size, columns } = this.data;
    const x = rows === 'train' ? this.xTrain : this.xHeld;
    const y = rows === 'train' ? this.data.yTrain : this.data.yHeld;
    const byColumn = transposed(parameters.weights, size, columns);
    const bias = Float64Array.from(parameters.bias);
    let correct = 0;
    for (let r = 0; r < y.length; r++) {
      this.forward(x, r, byColumn, bias);
      correct += predictedClass(this.logits, 0, this.data.columns) === y[r] ? 1 : 0;
    }
    return y.length ? correct / y.length : 0;
  }

  dispose(): void {}
}

function zeroVariable(shape: number[]): tf.Variable {
  const zeros = tf.zeros(shape);
  const variable = tf.variable(zeros, true);
  zeros.dispose();
  return variable;
}

export class TfjsFitter implements ProbeFitter {
  private readonly xTrain: tf.Tensor2D;
  private readonly xHeld: tf.Tensor2D;
  private readonly yTrain: tf.Tensor2D;
  private readonly yHeld: tf.Tensor2D;
  private readonly weights: tf.Variable;
  private readonly bias: tf.Variable;
  private readonly optimizer: tf.Optimizer;

  constructor(
    private readonly data: FitterData,
    options: ProbeOptions
  ) {
    const { size, columns } = data;
    this.xTrain = tf.tensor2d(data.xTrain, [data.yTrain.length, size]);
    this.xHeld = tf.tensor2d(data.xHeld, [data.yHeld.length, size]);
    this.yTrain = this.targets(data.yTrain);
    this.yHeld = this.targets(data.yHeld);
    this.weights = zeroVariable([size, columns]);
    this.bias = zeroVariable([columns]);
    this.optimizer =
      options.optimizer === 'adam'
        ? tf.train.adam(options.learningRate, BETA1, BETA2, EPSILON)
        : tf.train.sgd(options.learningRate);
  }

  private targets(labels: Int32Array): tf.Tensor2D {
    const { columns } = this.data;
    return tf.tidy(() =>
      columns === 1
        ? tf.tensor2d(Float32Array.from(labels), [labels.length, 1])
        : (tf.oneHot(tf.tensor1d(labels, 'int32'), columns).toFloat() as tf.Tensor2D)
    );
  }

  private loss(x: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    const logits = x.matMul(this.weights).add(this.bias) as tf.Tensor2D;
    return this.data.columns === 1
      ? (tf.losses.sigmoidCrossEntropy(targets, logits) as tf.Scalar)
      : (tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar);
  }

  step(batch: Int32Array): void {
    tf.tidy(() => {
      const rows = tf.tensor1d(batch, 'int32');
      const xb = tf.gather(this.xTrain, rows);
      const yb = tf.gather(this.yTrain, rows);
      this.optimizer.minimize(() => this.loss(xb, yb), false, [this.weights, this.bias]);
    });
  }

  async heldOutLoss(): Promise<number> {
    const loss = tf.tidy(() => this.loss(this.xHeld, this.yHeld));
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  }

  async parameters(): Promise<ProbeParameters> {
    return {
      weights: Float32Array.from(await this.weights.data()),
      bias: Float32Array.from(await this.bias.data())
    };
  }

  async accuracy(parameters: ProbeParameters, rows: 'train' | 'held'): Promise<number> {
    const { size, columns } = this.data;
    const labels = rows === 'train' ? this.data.yTrain : this.data.yHeld;
    const logits = tf.tidy(() =>
      (rows === 'train' ? this.xTrain : this.xHeld)
        .matMul(tf.tensor2d(parameters.weights, [size, columns]))
        .add(tf.tensor1d(parameters.bias))
    );
    const values = await logits.data();
    logits.dispose();
    let correct = 0;
    labels.forEach((label, r) => {
      correct += predictedClass(values, r * columns, columns) === label ? 1 : 0;
    });
    return labels.length ? correct / labels.length : 0;
  }

  dispose(): void {
    tf.dispose([this.xTrain, this.xHeld, this.yTrain, this.yHeld, this.weights, this.bias]);
    this.optimizer.dispose();
  }
}
