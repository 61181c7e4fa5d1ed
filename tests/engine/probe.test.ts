import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ProbeOptions } from '../../src/protocol/options';
import { poolFeatures, pooledSize } from '../../src/engine/featurePooling';
import { ProbeModel, trainProbe } from '../../src/engine/probe';
import {
  probeFitter,
  TfjsFitter,
  TypedArrayFitter,
  type ProbeFitter
} from '../../src/engine/probeFitters';
import { normalGenerator, permutation, uniformGenerator } from '../../src/engine/random';
import type { ModelRunner } from '../../src/engine/runner';
import { correctCount, sampleAccuracies } from '../../src/engine/sampleAccuracy';

/** count points in `dim` dimensions around `classes` well separated centres (seeded). */
function blobs(count: number, dim: number, classes: number, seed: number, spread = 0.5) {
  const normal = normalGenerator(seed);
  const centres = Array.from({ length: classes }, (_, c) =>
    Array.from({ length: dim }, (_, j) => (j % classes === c ? 4 : 0) + 100)
  );
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % classes;
    for (let j = 0; j < dim; j++) {
      features[i * dim + j] = centres[labels[i]][j] + spread * normal();
    }
  }
  return { features, labels, count };
}

function accuracy(logits: Float32Array, labels: Int32Array, columns: number): number {
  let correct = 0;
  labels.forEach((y, i) => {
    let predicted: number;
    if (columns === 1) {
      predicted = logits[i] > 0 ? 1 : 0;
    } else {
      predicted = 0;
      for (let c = 1; c < columns; c++) {
        if (logits[i * columns + c] > logits[i * columns + predicted]) predicted = c;
      }
    }
    correct += predicted === y ? 1 : 0;
  });
  return correct / labels.length;
}

describe('linear probe', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('separates linearly separable classes and reports held-out accuracy', async () => {
    const data = blobs(300, 6, 3, 1);
    const probe = await trainProbe(
      { ...data, classes: 3 },
      ProbeOptions.parse({ maxEpochs: 60, batchSize: 64 })
    );
    assert.equal(probe.columns, 3);
    assert.equal(probe.report.featureSize, 6);
    assert.ok(probe.report.trainAccuracy > 0.97, `train ${probe.report.trainAccuracy}`);
    assert.ok(probe.report.heldOutAccuracy > 0.95, `held out ${probe.report.heldOutAccuracy}`);
    assert.ok(probe.report.epochs >= 1 && probe.report.epochs <= 60);
    // The folded (raw-feature) probe classifies fresh data from the same distribution.
    const fresh = blobs(90, 6, 3, 2);
    const model = new ProbeModel(probe);
    const logits = await model.logits(fresh.features, fresh.count);
    model.dispose();
    assert.ok(accuracy(logits, fresh.labels, 3) > 0.95);
  });

  it('uses one sigmoid logit for two classes and is reproducible from its seed', async () => {
    const data = blobs(120, 4, 2, 5);
    const options = ProbeOptions.parse({ maxEpochs: 40, batchSize: 32, seed: 3 });
    const a = await trainProbe({ ...data, classes: 2 }, options);
    const b = await trainProbe({ ...data, classes: 2 }, options);
    assert.equal(a.columns, 1);
    assert.ok(a.report.heldOutAccuracy > 0.95);
    assert.deepEqual(a.weights, b.weights);
    assert.deepEqual(a.report, b.report);
  });

  it('stops early when the held-out loss stops improving', async () => {
    // Labels independent of the features: the held-out loss cannot keep improving.
    const normal = normalGenerator(9);
    const features = Float32Array.from({ length: 200 * 5 }, () => normal());
    const labels = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % 2);
    const probe = await trainProbe(
      { features, labels, count: 200, classes: 2 },
      ProbeOptions.parse({ maxEpochs: 500, patience: 5, learningRate: 0.05, batchSize: 50 })
    );
    assert.ok(probe.report.epochs < 500, `ran ${probe.report.epochs} epochs`);
    assert.ok(probe.report.heldOutAccuracy < 0.8);
  });

  // 3 and 6 classes: the typed fitter's logits in blocks of four and one at a time
  for (const [optimizer, classes] of [
    ['adam', 3],
    ['adam', 6],
    ['sgd', 2]
  ] as const) {
    it(`takes the same ${optimizer} steps in typed arrays as in tfjs (${classes} classes)`, async () => {
      const size = 5;
      const train = blobs(90, size, classes, 11, 2);
      const held = blobs(30, size, classes, 12, 2);
      // centred, as the standardised rows the fitters get
      const centre = (x: Float32Array) => x.map(value => value - 100);
      const data = {
        size,
        columns: classes === 2 ? 1 : classes,
        xTrain: centre(train.features),
        yTrain: train.labels,
        xHeld: centre(held.features),
        yHeld: held.labels
      };
      const options = ProbeOptions.parse({ optimizer, learningRate: 0.05 });
      const run = async (fitter: ProbeFitter) => {
        const uniform = uniformGenerator(4);
        const losses: number[] = [];
        for (let epoch = 0; epoch < 15; epoch++) {
          const order = permutation(train.count, uniform);
          for (let start = 0; start < train.count; start += 16) {
            fitter.step(order.subarray(start, start + 16));
          }
          losses.push(await fitter.heldOutLoss());
        }
        const parameters = await fitter.parameters();
        const accuracy = await fitter.accuracy(parameters, 'held');
        fitter.dispose();
        return { losses, parameters, accuracy };
      };
      const typed = await run(new TypedArrayFitter(data, options));
      const tensors = await run(new TfjsFitter(data, options));
      // float64 against float32 arithmetic
      typed.losses.forEach((loss, epoch) =>
        assert.ok(Math.abs(loss - tensors.losses[epoch]) < 1e-4 * (1 + loss), `epoch ${epoch}`)
      );
      // they learn: the loss of the zero start is log(classes)
      assert.ok(Math.min(...typed.losses) < 0.6 * Math.log(classes), `${typed.losses}`);
      typed.parameters.weights.forEach((w, i) =>
        assert.ok(Math.abs(w - tensors.parameters.weights[i]) < 1e-3 * (1 + Math.abs(w)))
      );
      assert.equal(typed.accuracy, tensors.accuracy);
    });
  }

  it('trains small layers in typed arrays and wide ones on tfjs', () => {
    const fitterFor = (size: number) => {
      const rows = (count: number) => new Float32Array(count * size);
      const fitter = probeFitter(
        {
          size,
          columns: 10,
          xTrain: rows(4),
          yTrain: new Int32Array(4),
          xHeld: rows(2),
          yHeld: new Int32Array(2)
        },
        ProbeOptions.parse({})
      );
      fitter.dispose();
      return fitter;
    };
    // the cpu backend: typed arrays up to 40,960 weights
    assert.ok(fitterFor(128) instanceof TypedArrayFitter);
    assert.ok(fitterFor(8192) instanceof TfjsFitter);
  });

  it('pools sequence features', () => {
    // 2 samples, 3 tokens, dim 2
    const flat = Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]);
    assert.deepEqual(Array.from(poolFeatures(flat, 2, [3, 2], 'first-token')), [1, 2, 10, 20]);
    assert.deepEqual(Array.from(poolFeatures(flat, 2, [3, 2], 'last-token')), [5, 6, 50, 60]);
    assert.deepEqual(Array.from(poolFeatures(flat, 2, [3, 2], 'mean')), [3, 4, 30, 40]);
    assert.equal(poolFeatures(flat, 2, [3, 2], 'flatten'), flat);
    assert.equal(pooledSize(6, [3, 2], 'mean'), 2);
    assert.equal(pooledSize(6, [6], 'mean'), 6);
    // a feature map [height, width, channels] is not a sequence: it stays flat
    const map = Float32Array.from({ length: 24 }, (_, i) => i);
    assert.equal(pooledSize(12, [2, 3, 2], 'mean'), 12);
    assert.equal(poolFeatures(map, 2, [2, 3, 2], 'mean'), map);
    assert.equal(pooledSize(6, [3, 2], 'flatten'), 6);
    assert.deepEqual(Array.from(poolFeatures(new Float32Array(0), 0, [3, 2], 'mean')), []);
  });

  it('scores each probe on the analysed samples against their labels', async () => {
    // One layer 'h' whose features are the 2 inputs themselves.
    const runner: ModelRunner = {
      runner: 'tfjs',
      backend: 'cpu',
      inputShape: [2],
      classes: 3,
      layers: [{ name: 'h', index: 0, hasWeights: true, outputShape: [2] }],
      warnings: [],
      run: async (inputs, batch, names) => ({
        features: names.map(() => Float32Array.from(inputs)),
        logits: new Float32Array(batch * 3)
      }),
      dispose: () => undefined
    };
    const descriptor = runner.layers[0];
    const report = { trainAccuracy: 1, heldOutAccuracy: 1, epochs: 1, featureSize: 2 };
    // 3 classes: logits (f0, f1, 0.5)
    const softmax = new ProbeModel({
      featureSize: 2,
      columns: 3,
      weights: Float32Array.from([1, 0, 0, 0, 1, 0]),
      bias: Float32Array.from([0, 0, 0.5]),
      report
    });
    // 2 classes: one logit f0 - f1, class 1 when positive
    const sigmoid = new ProbeModel({
      featureSize: 2,
      columns: 1,
      weights: Float32Array.from([1, -1]),
      bias: Float32Array.from([0]),
      report
    });
    const samples = {
      data: Float32Array.from([2, 1, 0, 3, 0.1, 0.2, 1, 4, 0.4, 0.3]),
      count: 5
    };
    // batches of 2: chunks of 2, 2 and 1 rows
    const settings = { features: 'flatten' as const, batchSize: 2 };
    const none = async () => undefined;
    // argmax of (f0, f1, 0.5): 0, 1, 2, 1, 2 against labels 0, 1, 2, 0, 0 -> 3 of 5
    const threeClasses = await sampleAccuracies(
      runner,
      [{ descriptor, probe: softmax }],
      samples,
      [0, 1, 2, 0, 0],
      settings,
      none
    );
    assert.deepEqual(threeClasses, [3 / 5]);
    // f0 > f1: 1, 0, 0, 0, 1 against labels 1, 0, 1, 0, 1 -> 4 of 5
    const twoClasses = await sampleAccuracies(
      runner,
      [
        { descriptor, probe: sigmoid },
        { descriptor, probe: sigmoid }
      ],
      samples,
      [1, 0, 1, 0, 1],
      settings,
      none
    );
    assert.deepEqual(twoClasses, [4 / 5, 4 / 5]);
    softmax.dispose();
    sigmoid.dispose();
  });

  it('counts the rows of row-major logits whose largest column is the label', () => {
    // rows (0, 0, 1), (0, 1, 0), (1, 0, 0): classes 2, 1, 0
    const logits = [0, 0, 1, 0, 1, 0, 1, 0, 0];
    assert.equal(correctCount(logits, 3, [2, 1, 0]), 3);
    assert.equal(correctCount(logits, 3, [2, 0, 0]), 2);
    assert.equal(correctCount(logits, 3, [0, 0, 1]), 0);
  });
});
