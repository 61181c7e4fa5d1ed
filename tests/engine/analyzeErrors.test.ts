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
      /training inputs and labels are needed to train the probes of the intermediate layers \(gates\)/
    );
  });

  it('checks the sample array size', async () => {
    await rejectsWith(
      analyze(input({}, andGateModel(), { samples: { data: new Float32Array(6), count: 2 } })),
      /samples: expected 2 samples of 4 values \(8\), got 6 values/
    );
  });
});
