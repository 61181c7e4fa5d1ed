import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze, type AnalyzeInput } from '../../src/engine/analyze';
import { AnalysisInputError } from '../../src/engine/errors';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions, type AnalysisOptionsInput } from '../../src/protocol/options';
import { andGateModel } from './fixtures';

function input(
  options: Partial<AnalysisOptionsInput>,
  model = andGateModel(),
  extra: Partial<AnalyzeInput> = {}
): AnalyzeInput {
  return {
    runner: new TfjsRunner(model),
    samples: { data: new Float32Array([1, 1, 1, 1]), count: 1 },
    labels: [1],
    training: {
      data: Float32Array.from({ length: 40 }, (_, i) => (i * 7) % 3),
      count: 10,
      labels: Array.from({ length: 10 }, (_, i) => i % 2)
    },
    options: AnalysisOptions.parse({
      variables: [[0], [1], [2], [3]],
      baseline: { kind: 'zero' },
      solver: { kind: 'none' },
      layers: ['out'],
      ...options
    }),
    source: 'test',
    toolVersion: '0.0.0',
    ...extra
  };
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof AnalysisInputError, `${error.name}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('analyze: bad input', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses too many variables with the cost, unless forced', async () => {
    const variables = Array.from({ length: 17 }, (_, i) => [i]);
    await rejectsWith(
      analyze(input({ variables })),
      /n = 17 variables needs 2\^17 = 131,072 masked forward passes per sample \(131,072 for 1 sample\); the limit is maxVariables = 16/
    );
    // forced, it gets past the count check and fails on the (invalid) indices instead
    await rejectsWith(
      analyze(input({ variables, force: true })),
      /variable 4 refers to raw input 4/
    );
  });

  it('names a bad variable index', async () => {
    await rejectsWith(
      analyze(input({ variables: [[0], [9]] })),
      /variable 1 refers to raw input 9, but one sample has 4 raw inputs/
    );
  });

  it('names an unknown layer', async () => {
    await rejectsWith(
      analyze(input({ layers: ['gates', 'nope'] })),
      /unknown layer 'nope'; the model's layers are: gates, out/
    );
  });

  it('names the layer and sample that produce NaN', async () => {
    const broken = andGateModel();
    broken.layers[0].setWeights([broken.layers[0].getWeights()[0], tf.tensor1d([NaN, 0, 0])]);
    await rejectsWith(
      analyze(input({ layers: ['gates'] }, broken)),
      /the model produced NaN at layer 'gates' for sample 0/
    );
    await rejectsWith(
      analyze(input({}, broken)),
      /the model produced NaN at the output \(layer 'out'\) for sample 0/
    );
  });

  it('names a label outside the classes', async () => {
    await rejectsWith(
      analyze(input({}, andGateModel(), { labels: [5] })),
      /label 5 of sample 0 is not a class of the model \(0\.\.1\)/
    );
  });

  it('asks for training data when probes are needed', async () => {
    await rejectsWith(
      analyze(input({ layers: [] }, andGateModel(), { training: null })),
      /training inputs and labels are needed to train the probes of the intermediate layers \(gates\); give them, or analyse only the output layer \(layers: \['out'\]\)$/
    );
  });

  it('refuses more than 26 variables even when forced, and takes n = maxVariables', async () => {
    const variables = Array.from({ length: 27 }, (_, i) => [i]);
    await rejectsWith(
      analyze(input({ variables, force: true })),
      /n = 27 variables needs 2\^27 = 134,217,728 masked forward passes per sample .*; at most 26 variables are supported/
    );
    const result = await analyze(input({ maxVariables: 4 }));
    assert.equal(result.variables.n, 4);
  });

  it('counts the passes of every sample and noise draw in the refusal', async () => {
    await rejectsWith(
      analyze(
        input({ maxVariables: 3, stability: { enabled: true, draws: 5 } }, andGateModel(), {
          samples: { data: new Float32Array(8), count: 2 },
          labels: [1, 0]
        })
      ),
      /n = 4 variables needs 2\^4 = 16 masked forward passes per sample \(192 for 2 samples and 5 noise draws each\); the limit is maxVariables = 3\. Use fewer variables, or set force/
    );
  });

  it('refuses labels that are not classes, one by one at the edges', async () => {
    for (const [label, shown] of [
      [2, '2'],
      [-1, '-1'],
      [0.5, '0.5']
    ] as const) {
      await rejectsWith(
        analyze(input({}, andGateModel(), { labels: [label] })),
        new RegExp(`samples: label ${shown} of sample 0 is not a class of the model \\(0\\.\\.1\\)`)
      );
    }
    await rejectsWith(
      analyze(input({}, andGateModel(), { labels: [1, 0] })),
      /samples: 2 labels for 1 samples/
    );
    const training = {
      data: new Float32Array(16),
      count: 4,
      labels: [0, 1, 1, 2]
    };
    await rejectsWith(
      analyze(input({ layers: ['gates'] }, andGateModel(), { training })),
      /training data: label 2 of sample 3 is not a class of the model \(0\.\.1\)/
    );
    await rejectsWith(
      analyze(
        input({ layers: ['gates'] }, andGateModel(), { training: { ...training, labels: [0, 1] } })
      ),
      /training data: 2 labels for 4 samples/
    );
  });

  it('names counts that do not match the samples', async () => {
    await rejectsWith(
      analyze(input({}, andGateModel(), { samples: { data: new Float32Array(0), count: 0 } })),
      /^no samples to analyse$/
    );
    await rejectsWith(
      analyze(input({ variableNames: ['a', 'b', 'c'] })),
      /^3 variable names for 4 variables$/
    );
    await rejectsWith(
      analyze(input({}, andGateModel(), { sampleIndices: [4, 5] })),
      /^2 sample indices for 1 samples$/
    );
    await rejectsWith(
      analyze(
        input({}, andGateModel(), {
          training: { data: new Float32Array(39), count: 10, labels: null }
        })
      ),
      /training inputs: expected 10 samples of 4 values \(40\), got 39 values/
    );
    // 10 values are 2.5 samples' worth
    await rejectsWith(
      analyze(
        input({}, andGateModel(), {
          training: { data: new Float32Array(10), count: 2.5, labels: null }
        })
      ),
      /training inputs: expected 2.5 samples of 4 values \(10\), got 10 values/
    );
  });

  it('names the sample that produces NaN by its index, in any chunk', async () => {
    // batches of 2: the fourth sample is the second row of the second chunk
    const data = new Float32Array(16).fill(1);
    data[12] = NaN;
    await rejectsWith(
      analyze(
        input({ batchSize: 2 }, andGateModel(), {
          samples: { data, count: 4 },
          labels: [1, 1, 1, 1],
          sampleIndices: [7, 3, 11, 5]
        })
      ),
      /the model produced NaN at the output \(layer 'out'\) for sample 5$/
    );
  });

  it('names the masked subset that produces NaN', async () => {
    // both hidden units are x0 + x1, the output their difference: NaN once x0 + x1 overflows
    // float32, which happens only when x0 is present (3e38) and x1 absent (baseline 3e38)
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: 2, activation: 'relu', name: 'sum' }));
    model.add(tf.layers.dense({ units: 2, name: 'out' }));
    model.layers[0].setWeights([tf.tensor2d([1, 1, 1, 1, 0, 0, 0, 0], [4, 2]), tf.zeros([2])]);
    model.layers[1].setWeights([tf.tensor2d([1, -1, -1, 1], [2, 2]), tf.zeros([2])]);
    await rejectsWith(
      analyze(
        input({ baseline: { kind: 'given', values: [0, 3e38, 0, 0] }, batchSize: 2 }, model, {
          samples: { data: Float32Array.of(3e38, 0, 0, 0), count: 1 }
        })
      ),
      /^the model produced NaN at the output \(layer 'out'\) for sample 0 with variables \{0\} present$/
    );
  });

  it('names the training sample that produces NaN', async () => {
    const data = Float32Array.from({ length: 80 }, (_, i) => (i * 7) % 3);
    data[13 * 4] = NaN;
    await rejectsWith(
      analyze(
        input({ layers: ['gates'], batchSize: 4 }, andGateModel(), {
          training: { data, count: 20, labels: Array.from({ length: 20 }, (_, i) => i % 2) }
        })
      ),
      /the model produced NaN at layer 'gates' for training sample 13$/
    );
  });

  it('checks the sample array size', async () => {
    await rejectsWith(
      analyze(input({}, andGateModel(), { samples: { data: new Float32Array(6), count: 2 } })),
      /samples: expected 2 samples of 4 values \(8\), got 6 values/
    );
  });
});
