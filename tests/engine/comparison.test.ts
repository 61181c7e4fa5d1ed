/**
 * method.md 6: two models compared by the IoU of their salient sets, and the stability of
 * interactions under input noise, against what they must be by construction.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../src/engine/analyze';
import { checkComparable, compareResults, matchLayers } from '../../src/engine/comparison';
import { uniformGenerator } from '../../src/engine/random';
import { noisySample } from '../../src/engine/stability';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions, type AnalysisOptionsInput } from '../../src/protocol/options';
import type { AnalysisResult } from '../../src/protocol/result';

const INPUTS = 6;
const HIDDEN = 8;

/** A tanh MLP; `order` permutes its hidden units (the same function). */
function mlp(order: number[]): tf.Sequential {
  const random = uniformGenerator(5);
  const w1 = Array.from({ length: INPUTS * HIDDEN }, () => 2.4 * random() - 1.2);
  const b1 = Array.from({ length: HIDDEN }, () => random() - 0.5);
  const w2 = Array.from({ length: HIDDEN * 3 }, () => 2.4 * random() - 1.2);
  const model = tf.sequential();
  model.add(
    tf.layers.dense({ inputShape: [INPUTS], units: HIDDEN, activation: 'tanh', name: 'h' })
  );
  model.add(tf.layers.dense({ units: 3, name: 'out' }));
  const w1p = Array.from({ length: INPUTS * HIDDEN }, (_, k) => {
    const [i, j] = [Math.floor(k / HIDDEN), k % HIDDEN];
    return w1[i * HIDDEN + order[j]];
  });
  const w2p = Array.from({ length: HIDDEN * 3 }, (_, k) => {
    const [j, c] = [Math.floor(k / 3), k % 3];
    return w2[order[j] * 3 + c];
  });
  model.layers[0].setWeights([
    tf.tensor2d(w1p, [INPUTS, HIDDEN]),
    tf.tensor1d(order.map(j => b1[j]))
  ]);
  model.layers[1].setWeights([tf.tensor2d(w2p, [HIDDEN, 3]), tf.zeros([3])]);
  return model;
}

const identity = Array.from({ length: HIDDEN }, (_, j) => j);
const permuted = [3, 7, 0, 5, 1, 6, 2, 4];

function data(count: number, seed: number): Float32Array {
  const random = uniformGenerator(seed);
  return Float32Array.from({ length: count * INPUTS }, () => 2 * random() - 1);
}

async function analysed(
  model: tf.Sequential,
  options: Partial<AnalysisOptionsInput> = {}
): Promise<AnalysisResult> {
  const training = data(300, 2);
  const logits = model.predict(tf.tensor2d(training, [300, INPUTS])) as tf.Tensor2D;
  const labels = Array.from(await logits.argMax(1).data());
  return analyze({
    runner: new TfjsRunner(model),
    samples: { data: data(4, 3), count: 4 },
    training: { data: training, count: 300, labels },
    options: AnalysisOptions.parse({
      variables: Array.from({ length: INPUTS }, (_, i) => [i]),
      baseline: { kind: 'zero' },
      target: 'predicted',
      ...options
    }),
    source: 'mlp',
    toolVersion: '0.0.0'
  });
}

describe('comparing two models', () => {
  let a: AnalysisResult;
  let b: AnalysisResult;
  before(async () => {
    a = await analysed(mlp(identity));
    b = await analysed(mlp(permuted));
  });

  it('a model against itself: IoU 1 at every order, on every optimum', () => {
    const rows = compareResults(a, a, matchLayers(a, a));
    assert.equal(rows.length, 2 * (INPUTS + INPUTS - 1), 'two layers, AND orders 1-6, OR 2-6');
    for (const row of rows.filter(r => r.iou !== null)) {
      assert.equal(row.iou, 1);
      assert.deepEqual(row.spread, [1, 1]);
    }
    assert.ok(rows.filter(r => r.iou !== null).length >= 4);
  });

  it('a model and its hidden units permuted: the same salient interactions', () => {
    for (let s = 0; s < 4; s++) {
      for (let l = 0; l < 2; l++) {
        for (const kind of ['and', 'or'] as const) {
          const masks = (r: AnalysisResult) => r.perSample[s][l][kind].map(i => i.mask).sort();
          assert.deepEqual(masks(b), masks(a), `sample ${s}, layer ${l}, ${kind}`);
        }
      }
    }
    const rows = compareResults(a, b, matchLayers(a, b));
    assert.ok(rows.every(r => r.iou === null || r.iou === 1));
  });

  it('refuses analyses that differ in what decides their interactions, naming it', async () => {
    const other = await analysed(mlp(identity), {
      layers: ['out'],
      solver: { kind: 'exact', kappaFactor: 0.05 }
    });
    assert.throws(() => checkComparable(a, other), /solver: .*"kappaFactor":0\.04.* vs .*0\.05/);
    assert.throws(() => matchLayers(a, other), /A has 2 analysed layers and B 1: pick the pairs/);
    assert.deepEqual(matchLayers(a, other, [['out', 'out']]), [[1, 0]]);
    assert.throws(() => matchLayers(a, other, [['h', 'x']]), /layer 'x' is not in B/);
  });
});

describe('stability (method.md 6) of a linear model, against its closed form', () => {
  it("order-1 Harsanyi terms: |mean x_i| / std x_i over the draws, x_i the input's noisy value", async () => {
    // v(x_S) = z_1 - z_0 = sum_{i in S} w_i x_i with a zero baseline, so I({i}) = w_i x_i
    const w = [1.5, -0.8, 0.3, 2.0];
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: 2, name: 'out', useBias: false }));
    model.layers[0].setWeights([
      tf.tensor2d(
        w.flatMap(wi => [0, wi]),
        [4, 2]
      )
    ]);
    const samples = Float32Array.of(0.9, 0.4, -1.2, 0.05, -0.3, 0.8, 0.6, -0.7);
    const stability = { enabled: true, sigma: 0.3, draws: 12, seed: 9 };
    const result = await analyze({
      runner: new TfjsRunner(model),
      samples: { data: samples, count: 2 },
      labels: [1, 1],
      options: AnalysisOptions.parse({
        variables: [[0], [1], [2], [3]],
        baseline: { kind: 'zero' },
        layers: ['out'],
        solver: { kind: 'none' },
        stability
      }),
      source: 'linear',
      toolVersion: '0.0.0'
    });
    const expected =
      [0, 1]
        .map(s => {
          const clean = samples.subarray(4 * s, 4 * s + 4);
          const draws = Array.from({ length: stability.draws }, (_, k) =>
            noisySample(clean, stability.sigma, stability.seed, s, k)
          );
          const terms = w.map((wi, i) => Math.abs(wi * clean[i]));
          const salient = w.flatMap((_, i) => (terms[i] > 0.05 * Math.max(...terms) ? [i] : []));
          const ratios = salient.map(i => {
            const x = draws.map(d => d[i]);
            const mean = x.reduce((p, q) => p + q, 0) / x.length;
            const std = Math.sqrt(x.reduce((p, q) => p + (q - mean) ** 2, 0) / x.length);
            return Math.abs(mean) / std;
          });
          return ratios.reduce((p, q) => p + q, 0) / ratios.length;
        })
        .reduce((p, q) => p + q, 0) / 2;
    const order1 = result.stability!.find(r => r.kind === 'and')!.stability[0];
    assert.equal(order1.order, 1);
    assert.ok(
      Math.abs(order1.value! - expected) <= 1e-4 * expected,
      `${order1.value} vs ${expected}`
    );
  });
});
