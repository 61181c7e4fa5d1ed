import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze, type AnalysisProgress } from '../../src/engine/analyze';
import { AnalysisCancelledError } from '../../src/engine/errors';
import { normalGenerator, uniformGenerator } from '../../src/engine/random';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';
import { AnalysisResult } from '../../src/protocol/result';
import { andGateModel, expectedAndGateInteractions } from './fixtures';

/** Toy task on 5 features: y = (x0 > 0 and x1 > 0) or x2 > 0.5; x3, x4 are noise. */
function toyData(count: number, seed: number) {
  const uniform = uniformGenerator(seed);
  const data = Float32Array.from({ length: count * 5 }, () => uniform() * 2 - 1);
  const labels = Array.from({ length: count }, (_, i) => {
    const x = data.subarray(i * 5, i * 5 + 5);
    return (x[0] > 0 && x[1] > 0) || x[2] > 0.5 ? 1 : 0;
  });
  return { data, labels, count };
}

async function trainedMlp(train: {
  data: Float32Array;
  labels: number[];
  count: number;
}): Promise<tf.Sequential> {
  const model = tf.sequential();
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  model.add(
    tf.layers.dense({
      inputShape: [5],
      units: 16,
      activation: 'relu',
      name: 'd1',
      kernelInitializer: init(1)
    })
  );
  model.add(
    tf.layers.dense({ units: 16, activation: 'relu', name: 'd2', kernelInitializer: init(2) })
  );
  model.add(tf.layers.dropout({ rate: 0.1, name: 'drop', seed: 3 }));
  model.add(
    tf.layers.dense({ units: 2, activation: 'softmax', name: 'out', kernelInitializer: init(4) })
  );
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy']
  });
  const x = tf.tensor2d(train.data, [train.count, 5]);
  const y = tf.tensor1d(train.labels, 'float32');
  await model.fit(x, y, { epochs: 40, batchSize: 50, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}

describe('analyze', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('recovers the closed-form interactions of a hand-built network', async () => {
    const result = await analyze({
      runner: new TfjsRunner(andGateModel()),
      samples: { data: new Float32Array([1, 1, 1, 1]), count: 1 },
      labels: [1],
      options: AnalysisOptions.parse({
        variables: [[0], [1], [2], [3]],
        baseline: { kind: 'zero' },
        solver: { kind: 'none' },
        layers: ['out']
      }),
      source: 'and-gates',
      toolVersion: '0.0.0'
    });
    AnalysisResult.parse(result);
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind, l.probe]),
      [['out', 'output', null]]
    );
    const out = result.perSample[0][0];
    assert.equal(out.vEmpty, 0.25);
    assert.equal(out.vFull, -0.25);
    assert.equal(result.layers[0].normaliser, 0.5);
    assert.equal(out.tau, 0.05 * 3);
    const expected = expectedAndGateInteractions();
    expected.delete(0);
    assert.deepEqual(
      out.and.map(i => [i.mask, i.order, i.value]),
      [...expected]
        .map(([mask, value]) => [mask, [1, 2, 3, 2][mask === 1 ? 0 : mask === 3 ? 1 : 2], value])
        .sort((a, b) => Math.abs(b[2]) - Math.abs(a[2]))
    );
    assert.deepEqual(out.or, []);
    // normalised by c = 0.5: order-2 strength 2 / 0.5 = 4, order-3 3 / 0.5 = 6
    const final = result.metrics.final[0].and;
    assert.deepEqual(
      final.map(m => [m.order, m.all, m.overlap, m.forget, m.new, m.completeness]),
      [
        [1, 1, 1, 0, 0, 1],
        [2, 4, 4, 0, 0, 1],
        [3, 6, 6, 0, 0, 1],
        [4, 0, 0, 0, 0, null]
      ]
    );
    assert.deepEqual(
      result.tracking.map(t => [t.mask, t.strength]),
      [
        [14, [-6]],
        [3, [4]],
        [1, [1]]
      ]
    );
  });

  it("reports each probe's accuracy on the analysed samples against their labels", async () => {
    // Training: the 16 binary inputs, 4 times each, labelled x0. The gate h2 = x0 carries
    // the label, so the probe of 'gates' reads it (train accuracy 1).
    const rows = Array.from({ length: 64 }, (_, i) => [0, 1, 2, 3].map(b => (i % 16 >> b) & 1));
    const training = {
      data: Float32Array.from(rows.flat()),
      count: rows.length,
      labels: rows.map(x => x[0])
    };
    // x0 = 1, 0, 1 labelled 1, 0, 0: the last against the rule, so the probe gets 2 of 3.
    const samples = { data: Float32Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0]), count: 3 };
    const options = AnalysisOptions.parse({
      variables: [[0], [1], [2], [3]],
      baseline: { kind: 'zero' },
      solver: { kind: 'none' },
      layers: ['gates', 'out']
    });
    const run = (labels: number[] | null) =>
      analyze({
        runner: new TfjsRunner(andGateModel()),
        samples,
        labels,
        training,
        options,
        source: 'and-gates',
        toolVersion: '0.0.0'
      });
    const labelled = AnalysisResult.parse(await run([1, 0, 0]));
    const gates = labelled.layers[0].probe;
    assert.equal(gates?.trainAccuracy, 1);
    assert.equal(gates?.sampleAccuracy, 2 / 3);
    assert.equal(gates?.sampleCount, 3);
    assert.equal(labelled.layers[1].probe, null, 'the output layer has no probe');
    const unlabelled = AnalysisResult.parse(await run(null)).layers[0].probe;
    assert.equal(unlabelled?.sampleAccuracy, null);
    assert.equal(unlabelled?.sampleCount, 0);
  });

  it('runs end to end on a trained MLP and returns a valid, consistent result', async () => {
    const train = toyData(400, 1);
    const model = await trainedMlp(train);
    const test = toyData(4, 2);
    const progress: AnalysisProgress[] = [];
    const runner = new TfjsRunner(model);
    const tensors = tf.memory().numTensors;
    const options = AnalysisOptions.parse({
      variables: [[0], [1], [2], [3], [4]],
      variableNames: ['a', 'b', 'c', 'd', 'e'],
      solver: { kind: 'none' },
      probe: { maxEpochs: 40, batchSize: 64 },
      stability: { enabled: true, draws: 3, sigma: 0.05 },
      batchSize: 12
    });
    const result = await analyze(
      {
        runner,
        samples: test,
        labels: test.labels,
        training: train,
        options,
        source: 'toy',
        toolVersion: '0.0.0'
      },
      p => progress.push(p)
    );
    assert.equal(tf.memory().numTensors, tensors, 'analyze leaves no tensors behind');
    const parsed = AnalysisResult.parse(result);
    assert.equal(parsed.variables.n, 5);
    assert.deepEqual(parsed.variables.names, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind]),
      [
        ['d1', 'probe'],
        ['d2', 'probe'],
        ['out', 'output']
      ]
    );
    for (const layer of result.layers.slice(0, 2)) {
      assert.ok(
        layer.probe && layer.probe.trainAccuracy > 0.8 && layer.probe.heldOutAccuracy > 0.75,
        JSON.stringify(layer.probe)
      );
      assert.equal(layer.probe?.featureSize, 16);
    }
    assert.equal(result.runtime.runner, 'tfjs');
    assert.equal(result.runtime.backend, 'cpu');

    // The output layer's v(x_N), v(x_{}) are the network's log-odds on the sample and on the mean.
    const mean = new Float32Array(5);
    train.data.forEach((x, i) => (mean[i % 5] += x / train.count));
    const probabilities = tf.tidy(
      () =>
        (
          model.predict(tf.tensor2d([...test.data, ...mean], [5, 5])) as tf.Tensor
        ).arraySync() as number[][]
    );
    result.samples.forEach((sample, s) => {
      assert.equal(sample.target, test.labels[s]);
      const logOdds = (p: number[]) => Math.log(p[sample.target] / p[1 - sample.target]);
      const out = result.perSample[s][2];
      assert.ok(
        Math.abs(out.vFull - logOdds(probabilities[s])) < 1e-4,
        `${out.vFull} vs ${logOdds(probabilities[s])}`
      );
      assert.ok(Math.abs(out.vEmpty - logOdds(probabilities[4])) < 1e-4);
      assert.equal(sample.predicted, probabilities[s][1] > probabilities[s][0] ? 1 : 0);
      for (const layer of result.perSample[s]) {
        assert.ok(layer.and.every(i => Math.abs(i.value) > layer.tau && i.order >= 1));
        assert.ok(layer.or.every(i => i.order >= 2));
      }
    });
    const c = result.layers[2].normaliser;
    const expectedC =
      result.perSample.reduce((sum, row) => sum + Math.abs(row[2].vFull - row[2].vEmpty), 0) / 4;
    assert.ok(Math.abs(c - expectedC) < 1e-12);

    for (const rows of [result.metrics.final, result.metrics.previous]) {
      assert.equal(rows.length, 3);
      for (const layer of rows) {
        assert.deepEqual(
          layer.and.map(m => m.order),
          [1, 2, 3, 4, 5]
        );
        assert.deepEqual(
          layer.or.map(m => m.order),
          [2, 3, 4, 5]
        );
        for (const m of [...layer.and, ...layer.or]) {
          assert.equal(m.overlap + m.forget, m.all);
          assert.equal(m.overlap + m.new, m.allReference);
        }
      }
    }
    // The final layer against itself keeps everything; the first layer against nothing is all new.
    for (const m of result.metrics.final[2].and) {
      assert.equal(m.forget, 0);
      assert.equal(m.new, 0);
    }
    for (const m of result.metrics.previous[0].and) {
      assert.equal(m.all, 0);
      assert.equal(m.new, m.allReference);
    }
    // previous[l] compares layer l-1 (all) with layer l (allReference)
    assert.deepEqual(
      result.metrics.previous[2].and.map(m => m.all),
      result.metrics.final[1].and.map(m => m.all)
    );
    assert.ok(result.tracking.length > 0);
    assert.ok(result.tracking.every(t => t.strength.length === 3 && t.salientIn.length > 0));
    assert.equal(result.stability?.length, 6);
    assert.ok(result.stability?.some(s => s.stability.some(o => o.value !== null && o.value > 0)));

    const passes = progress.filter(p => p.stage === 'passes');
    assert.equal(passes[passes.length - 1].done, 4 * 32 * 4);
    assert.equal(passes[passes.length - 1].total, 4 * 32 * 4);
    assert.ok(progress.some(p => p.stage === 'probes'));
    // after the last pass, the solves left: 4 samples x 3 layers x (1 + 3 noise draws)
    const solves = progress.filter(p => p.stage === 'solves');
    assert.ok(solves.length > 0);
    assert.ok(progress.indexOf(solves[0]) > progress.lastIndexOf(passes[passes.length - 1]));
    assert.deepEqual(
      [solves[solves.length - 1].done, solves[solves.length - 1].total],
      [4 * 3 * 4, 4 * 3 * 4]
    );
    assert.ok(solves.every((p, i) => i === 0 || p.done >= solves[i - 1].done));

    // Cancelled after the first masked chunk.
    const controller = new AbortController();
    await assert.rejects(
      analyze(
        {
          runner: new TfjsRunner(model),
          samples: test,
          labels: test.labels,
          training: train,
          options,
          source: 'toy',
          toolVersion: '0.0.0',
          signal: controller.signal
        },
        p => {
          if (p.stage === 'passes') controller.abort();
        }
      ),
      AnalysisCancelledError
    );
  });

  it('is reproducible: same inputs and seeds give the same numbers', async () => {
    const normal = normalGenerator(4);
    const train = toyData(100, 5);
    const model = await trainedMlp(train);
    const samples = { data: Float32Array.from({ length: 10 }, () => normal() * 0.5), count: 2 };
    const options = AnalysisOptions.parse({
      variables: [[0, 1], [2], [3, 4]],
      solver: { kind: 'none' },
      probe: { maxEpochs: 15 },
      target: 'predicted',
      salience: { mode: 'per-layer' },
      metricsForm: 'literal'
    });
    const run = async () => {
      const r = await analyze({
        runner: new TfjsRunner(model),
        samples,
        training: train,
        options,
        source: 'toy',
        toolVersion: '0'
      });
      return JSON.stringify({
        ...r,
        createdAt: '',
        runtime: null,
        perSample: r.perSample.map(row => row.map(x => ({ ...x, solve: null })))
      });
    };
    const first = await run();
    assert.equal(await run(), first);
    const parsed = AnalysisResult.parse(
      JSON.parse(
        first
          .replace('"runtime":null', '"runtime":{"backend":"cpu","runner":"tfjs","seconds":0}')
          .replace(
            /"solve":null/g,
            '"solve":{"solver":"none","kappa":0,"objective":0,"gap":null,"iterations":0,"seconds":0}'
          )
      )
    );
    // per-layer tau: one threshold for all samples of a layer
    parsed.layers.forEach((_, l) =>
      assert.equal(parsed.perSample[0][l].tau, parsed.perSample[1][l].tau)
    );
  });
});

describe('analyze: sequence models', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('probes one token of a sequence output and masks words with the mask token', async () => {
    const model = tf.sequential();
    model.add(
      tf.layers.embedding({
        inputDim: 12,
        outputDim: 4,
        inputLength: 5,
        name: 'embed',
        embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 })
      })
    );
    model.add(tf.layers.globalAveragePooling1d({ name: 'pool' }));
    model.add(
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        name: 'out',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 })
      })
    );
    const uniform = uniformGenerator(3);
    const tokens = (count: number) =>
      Float32Array.from({ length: count * 5 }, () => 1 + Math.floor(uniform() * 11));
    const training = {
      data: tokens(30),
      count: 30,
      labels: Array.from({ length: 30 }, (_, i) => i % 3)
    };
    const result = await analyze({
      runner: new TfjsRunner(model),
      samples: { data: tokens(1), count: 1 },
      training,
      options: AnalysisOptions.parse({
        variables: [[1], [2], [3]],
        baseline: { kind: 'mask-token', tokenId: 0 },
        features: 'last-token',
        solver: { kind: 'none' },
        probe: { maxEpochs: 5 }
      }),
      source: 'tokens',
      toolVersion: '0'
    });
    AnalysisResult.parse(result);
    assert.deepEqual(
      result.layers.map(l => [l.name, l.probe?.featureSize ?? null]),
      [
        ['embed', 4],
        ['out', null]
      ]
    );
    // The last token (position 4) is in no variable and keeps its value, so its embedding is
    // the same in every masked input: the probe's v is constant and has no interactions.
    const embed = result.perSample[0][0];
    assert.equal(embed.vFull, embed.vEmpty);
    assert.deepEqual(embed.and, []);
    assert.equal(result.layers[0].normaliser, 0);
    assert.ok(result.perSample[0][1].vFull !== result.perSample[0][1].vEmpty);
  });
});
