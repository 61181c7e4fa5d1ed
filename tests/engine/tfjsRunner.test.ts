import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { harsanyiOnly } from '../../src/engine/andOr';
import { MaskedSampler } from '../../src/engine/masking';
import { logOdds } from '../../src/engine/scalarOutput';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { andGateModel, expectedAndGateInteractions, gatesOf } from './fixtures';

describe('TfjsRunner', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('describes the layers and recovers pre-softmax logits', () => {
    const model = andGateModel();
    const tensors = tf.memory().numTensors;
    const runner = new TfjsRunner(model);
    assert.deepEqual(runner.inputShape, [4]);
    assert.equal(runner.classes, 2);
    assert.equal(runner.logitsSource, 'pre-activation');
    assert.deepEqual(
      runner.layers.map(l => [l.name, l.hasWeights, l.outputShape]),
      [
        ['gates', true, [3]],
        ['out', true, [2]]
      ]
    );
    runner.dispose();
    assert.equal(tf.memory().numTensors, tensors, 'the logits copy of the output layer is freed');
    model.dispose();
  });

  it('taps a layer and gives logits whose interactions are known in closed form', async () => {
    const runner = new TfjsRunner(andGateModel(), { maxBatch: 5 });
    const sampler = new MaskedSampler(
      new Float32Array([1, 1, 1, 1]),
      new Float32Array(4),
      [[0], [1], [2], [3]],
      'keep'
    );
    const before = tf.memory().numTensors;
    const out = await runner.run(sampler.batch(0, 16), 16, ['gates']);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    assert.equal(out.features.length, 1);
    const values = new Float64Array(16);
    for (let mask = 0; mask < 16; mask++) {
      assert.deepEqual(Array.from(out.features[0].subarray(mask * 3, mask * 3 + 3)), gatesOf(mask));
      const [h0, h1, h2] = gatesOf(mask);
      assert.equal(out.logits[mask * 2], 0);
      assert.equal(out.logits[mask * 2 + 1], 2 * h0 - 3 * h1 + 0.5 * h2 + 0.25);
      values[mask] = logOdds(out.logits, mask * 2, 2, 1);
    }
    const { and } = harsanyiOnly(values);
    const expected = expectedAndGateInteractions();
    for (let mask = 0; mask < 16; mask++) {
      assert.ok(
        Math.abs(and[mask] - (expected.get(mask) ?? 0)) < 1e-6,
        `I(${mask}) = ${and[mask]}`
      );
    }
    runner.dispose();
  });

  it('logits match log-probabilities up to a constant for softmax, Activation and sigmoid heads', async () => {
    const x = tf.randomNormal([6, 5], 0, 1, 'float32', 7);
    const input = (await x.data()) as Float32Array;
    const heads: [string, (m: tf.Sequential) => void][] = [
      ['dense softmax', m => m.add(tf.layers.dense({ units: 3, activation: 'softmax' }))],
      [
        'activation layer',
        m => {
          m.add(tf.layers.dense({ units: 3 }));
          m.add(tf.layers.activation({ activation: 'softmax' }));
        }
      ],
      [
        'softmax layer',
        m => {
          m.add(tf.layers.dense({ units: 3 }));
          m.add(tf.layers.softmax());
        }
      ]
    ];
    for (const [name, addHead] of heads) {
      const model = tf.sequential();
      model.add(
        tf.layers.dense({
          inputShape: [5],
          units: 4,
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotNormal({ seed: 3 })
        })
      );
      addHead(model);
      const runner = new TfjsRunner(model);
      const { logits } = await runner.run(input, 6, []);
      const expected = tf.tidy(() => tf.log(model.predict(x) as tf.Tensor).dataSync());
      const fromLogits = tf.tidy(() => tf.logSoftmax(tf.tensor2d(logits, [6, 3])).dataSync());
      for (let i = 0; i < 18; i++) {
        assert.ok(
          Math.abs(expected[i] - fromLogits[i]) < 1e-5,
          `${name}: ${expected[i]} vs ${fromLogits[i]}`
        );
      }
      runner.dispose();
      tf.tidy(() => model.predict(x));
    }
    const sigmoid = tf.sequential();
    sigmoid.add(tf.layers.dense({ inputShape: [5], units: 1, activation: 'sigmoid' }));
    const runner = new TfjsRunner(sigmoid);
    assert.equal(runner.classes, 2);
    const { logits } = await runner.run(input, 6, []);
    const p = tf.tidy(() => (sigmoid.predict(x) as tf.Tensor).dataSync());
    for (let i = 0; i < 6; i++) {
      assert.ok(Math.abs(1 / (1 + Math.exp(-logits[i])) - p[i]) < 1e-6);
    }
    x.dispose();
  });

  it('refuses, saying why, models it cannot analyse', () => {
    const twoInputs = (() => {
      const a = tf.input({ shape: [2] });
      const b = tf.input({ shape: [2] });
      const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2 }).apply(joined) as tf.SymbolicTensor;
      return tf.model({ inputs: [a, b], outputs: out });
    })();
    assert.throws(() => new TfjsRunner(twoInputs), /the model has 2 inputs; one is supported/);

    const openLength = (() => {
      const x = tf.input({ shape: [null, 3] });
      const pooled = tf.layers.globalAveragePooling1d().apply(x) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
      return tf.model({ inputs: x, outputs: out });
    })();
    assert.throws(
      () => new TfjsRunner(openLength),
      /input shape \[-1, 3\] has an unknown dimension; export it with a fixed input shape/
    );

    const perPosition = tf.sequential();
    perPosition.add(tf.layers.dense({ inputShape: [4, 5], units: 3 }));
    assert.throws(
      () => new TfjsRunner(perPosition),
      /the model's output has shape \[batch, 4, 3\]; a classifier's \[batch, classes\] is needed/
    );
  });

  it('refuses to tap a layer that is applied twice or has several outputs', async () => {
    const x = tf.input({ shape: [3] });
    const shared = tf.layers.dense({ units: 3, name: 'shared' });
    const twice = shared.apply(shared.apply(x)) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'head' }).apply(twice) as tf.SymbolicTensor;
    const runner = new TfjsRunner(tf.model({ inputs: x, outputs: out }));
    assert.deepEqual(
      runner.layers.map(l => [l.name, l.className]),
      [
        ['shared', 'Dense'],
        ['head', 'Dense']
      ]
    );
    await assert.rejects(
      runner.run(new Float32Array(3), 1, ['shared']),
      /layer 'shared' is used more than once in the model; it cannot be tapped/
    );
    const { logits } = await runner.run(new Float32Array(3), 1, ['head']);
    assert.equal(logits.length, 2);
    runner.dispose();

    const sequence = tf.input({ shape: [3, 2] });
    const [last] = tf.layers
      .gru({ units: 2, returnState: true, name: 'recurrent' })
      .apply(sequence) as tf.SymbolicTensor[];
    const head = tf.layers.dense({ units: 2 }).apply(last) as tf.SymbolicTensor;
    const withState = new TfjsRunner(tf.model({ inputs: sequence, outputs: head }));
    await assert.rejects(
      withState.run(new Float32Array(6), 1, ['recurrent']),
      /layer 'recurrent' has several outputs; it cannot be tapped/
    );
    withState.dispose();
  });

  it('takes a linear head as the logits and checks the input length', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [2], units: 4, name: 'hidden', activation: 'relu' }));
    model.add(tf.layers.dense({ units: 3, name: 'scores' }));
    const runner = new TfjsRunner(model);
    assert.equal(runner.logitsSource, 'output');
    assert.equal(runner.classes, 3);
    assert.deepEqual(
      runner.layers.map(l => [l.name, l.index, l.outputShape]),
      [
        ['hidden', 0, [4]],
        ['scores', 1, [3]]
      ]
    );
    const input = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]);
    const { features, logits } = await runner.run(input, 3, ['hidden', 'scores']);
    const expected = tf.tidy(() =>
      (model.predict(tf.tensor2d(input, [3, 2])) as tf.Tensor).dataSync()
    );
    assert.deepEqual(Array.from(logits), Array.from(expected));
    assert.deepEqual(Array.from(features[1]), Array.from(expected), 'the tapped head');
    assert.equal(features[0].length, 12);
    const again = await runner.run(input, 3, ['hidden', 'hidden']);
    assert.deepEqual(again.features, [features[0], features[0]]);
    await assert.rejects(
      runner.run(input, 2, []),
      /expected 2 inputs of 2 values \(4\), got 6 values/
    );
    runner.dispose();
  });

  it('names unknown layers', async () => {
    const runner = new TfjsRunner(andGateModel());
    await assert.rejects(
      runner.run(new Float32Array(4), 1, ['nope']),
      /unknown layer 'nope'.*gates, out/
    );
  });
});
