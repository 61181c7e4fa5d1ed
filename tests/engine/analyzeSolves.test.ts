import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze, type AnalyzeInput } from '../../src/engine/analyze';
import {
  solveAndOrBatch,
  type AndOrSolution,
  type BatchSolver,
  type WarmStart
} from '../../src/engine/andOr';
import { uniformGenerator } from '../../src/engine/random';
import type { ExactSolution } from '../../src/engine/solver/exact';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';
import type { AnalysisResult } from '../../src/protocol/result';

const VARIABLES = 6;

/** An untrained tanh MLP on 6 inputs: dense, irregular games like a real network's. */
function randomMlp(): tf.Sequential {
  const model = tf.sequential();
  const init = (seed: number) => tf.initializers.randomNormal({ stddev: 1.2, seed });
  model.add(
    tf.layers.dense({
      inputShape: [VARIABLES],
      units: 12,
      activation: 'tanh',
      name: 'h',
      kernelInitializer: init(1),
      biasInitializer: init(2)
    })
  );
  model.add(tf.layers.dense({ units: 3, name: 'out', kernelInitializer: init(3) }));
  return model;
}

function input(solveBatch?: BatchSolver): AnalyzeInput {
  const uniform = uniformGenerator(7);
  const count = 3;
  return {
    runner: new TfjsRunner(randomMlp()),
    samples: {
      data: Float32Array.from({ length: count * VARIABLES }, () => 2 * uniform() - 1),
      count
    },
    options: AnalysisOptions.parse({
      variables: Array.from({ length: VARIABLES }, (_, i) => [i]),
      baseline: { kind: 'zero' },
      layers: ['out'],
      stability: { enabled: true, draws: 4, sigma: 0.05 }
    }),
    source: 'random-mlp',
    toolVersion: '0.0.0',
    solveBatch
  };
}

/** The result without what may differ between runs (timings, dates). */
function comparable(result: AnalysisResult) {
  return {
    perSample: result.perSample.map(sample =>
      sample.map(layer => ({ ...layer, solve: { ...layer.solve, seconds: 0 } }))
    ),
    metrics: result.metrics,
    tracking: result.tracking,
    stability: result.stability
  };
}

describe('analyze: how the problems are solved', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('starts each noise draw from the clean solve of its layer, reaching the cold optimum', async () => {
    const pairs: { warm: ExactSolution; cold: ExactSolution }[] = [];
    let cleanBatches = 0;
    const recording: BatchSolver = async (problems, options, warm) => {
      const solutions = await solveAndOrBatch(problems, options, warm);
      if (!warm) {
        cleanBatches++;
        return solutions;
      }
      const cold = await solveAndOrBatch(problems, options);
      solutions.forEach((solution, i) => {
        pairs.push({ warm: solution as ExactSolution, cold: cold[i] as ExactSolution });
      });
      return solutions;
    };
    await analyze(input(recording));
    assert.equal(cleanBatches, 3);
    assert.equal(pairs.length, 3 * 4);
    for (const { warm, cold } of pairs) {
      assert.ok(warm.stats.warm, 'the clean basis was not used as the start');
      assert.ok(warm.stats.converged && cold.stats.converged);
      const scale = Math.max(1, cold.report.objective);
      assert.ok(
        Math.abs(warm.report.objective - cold.report.objective) <= 1e-6 * scale,
        `warm objective ${warm.report.objective} vs cold ${cold.report.objective}`
      );
    }
    const pivots = (key: 'warm' | 'cold') =>
      pairs.reduce((sum, pair) => sum + pair[key].stats.pivots, 0);
    assert.ok(pivots('warm') < pivots('cold'), `${pivots('warm')} vs ${pivots('cold')} pivots`);
  });

  it('gives the same result when the solves finish out of order', async () => {
    const inOrder = await analyze(input());
    let call = 0;
    const shuffled: BatchSolver = async (
      problems,
      options,
      warm?: readonly (WarmStart | undefined)[]
    ) => {
      // later calls finish first: delays shrink with the call number
      const delay = 40 - 2 * call++;
      const solutions: AndOrSolution[] = await solveAndOrBatch(problems, options, warm);
      await new Promise(resolve => setTimeout(resolve, Math.max(delay, 0)));
      return solutions;
    };
    const outOfOrder = await analyze(input(shuffled));
    assert.deepEqual(comparable(outOfOrder), comparable(inOrder));
  });
});
