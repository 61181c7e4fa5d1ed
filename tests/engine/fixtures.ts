/** Small tfjs models with known outputs, shared by the engine tests. */
import * as tf from '@tensorflow/tfjs';

/**
 * 4 binary inputs (sample = ones, baseline = zero), a hidden ReLU layer of AND gates and a
 * softmax output whose class-1 log-odds is
 *   v(x_S) = 0.25 + 0.5 [0 in S] + 2 [{0,1} subset of S] - 3 [{1,2,3} subset of S],
 * so its Harsanyi interactions are exactly I({}) = 0.25, I({0}) = 0.5, I({0,1}) = 2,
 * I({1,2,3}) = -3 and zero elsewhere.
 */
export function andGateModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu', name: 'gates' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }));
  // gates: relu(x0 + x1 - 1), relu(x1 + x2 + x3 - 2), relu(x0)
  const kernel = tf.tensor2d(
    [
      [1, 0, 1],
      [1, 1, 0],
      [0, 1, 0],
      [0, 1, 0]
    ],
    [4, 3]
  );
  model.layers[0].setWeights([kernel, tf.tensor1d([-1, -2, 0])]);
  // z_0 = 0, z_1 = 2 h0 - 3 h1 + 0.5 h2 + 0.25
  model.layers[1].setWeights([
    tf.tensor2d(
      [
        [0, 2],
        [0, -3],
        [0, 0.5]
      ],
      [3, 2]
    ),
    tf.tensor1d([0, 0.25])
  ]);
  return model;
}

export function gatesOf(mask: number): number[] {
  const x = [0, 1, 2, 3].map(i => (mask >> i) & 1);
  return [Math.max(0, x[0] + x[1] - 1), Math.max(0, x[1] + x[2] + x[3] - 2), x[0]];
}

export function expectedAndGateInteractions(): Map<number, number> {
  return new Map([
    [0, 0.25],
    [0b0001, 0.5],
    [0b0011, 2],
    [0b1110, -3]
  ]);
}
