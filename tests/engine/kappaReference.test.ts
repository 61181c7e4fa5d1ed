/** method.md 3a: a collapsed noise bound is detected, said, and can be bounded by the range. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../src/engine/analyze';
import { degenerateKappa, kappaOf } from '../../src/engine/solver/objective';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';

describe('kappa reference', () => {
  const v = Float64Array.of(1, 3, -2, 1.05); // endpoints differ by 0.05, range 5

  it('kappa from the endpoints (the paper) or from the range of v', () => {
    assert.ok(Math.abs(kappaOf(v, 0.04) - 0.04 * 0.05) < 1e-15);
    assert.equal(kappaOf(v, 0.04, 'range'), 0.04 * 5);
  });

  it('a bound below 10% of the range is degenerate, unless kappa comes from the range', () => {
    const degenerate = degenerateKappa(v, 'endpoints');
    assert.ok(degenerate && Math.abs(degenerate.endpoints - 0.05) < 1e-12);
    assert.equal(degenerate?.range, 5);
    assert.equal(degenerateKappa(v, 'range'), null);
    assert.equal(degenerateKappa(Float64Array.of(0, 3, -2, 0.6), 'endpoints'), null);
    assert.notEqual(degenerateKappa(Float64Array.of(0, 3, -2, 0.49), 'endpoints'), null);
    assert.equal(degenerateKappa(Float64Array.of(2, 2, 2, 2), 'endpoints'), null);
    // exactly 10% of the range is not below it
    assert.equal(degenerateKappa(Float64Array.of(0, 3, -2, 0.5), 'endpoints'), null);
  });

  it('analyze warns with the sample, the layer and the share', async () => {
    // v(x_S) = x_0 - x_1 on the sample (1, 1): v(x_N) = v(x_{}) = 0 while v spans [-1, 1]
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [2], units: 2, name: 'out' }));
    model.layers[0].setWeights([tf.tensor2d([0, 1, 0, -1], [2, 2]), tf.zeros([2])]);
    const run = (kappaReference: 'endpoints' | 'range') =>
      analyze({
        runner: new TfjsRunner(model),
        samples: { data: Float32Array.of(1, 1), count: 1 },
        labels: [1],
        options: AnalysisOptions.parse({
          variables: [[0], [1]],
          baseline: { kind: 'zero' },
          layers: ['out'],
          solver: { kind: 'exact', kappaReference }
        }),
        source: 'linear',
        toolVersion: '0.0.0'
      });
    const flat = await run('endpoints');
    assert.equal(flat.warnings.length, 1);
    assert.match(flat.warnings[0], /^1 of 1 samples .* sample 0 \(out 0\.0%\)/);
    assert.match(flat.warnings[0], /kappaReference to 'range'/);
    assert.deepEqual((await run('range')).warnings, []);
  });

  it('lists the first 8 collapsed samples with each share, and only for an LP solver', async () => {
    // v(x_S) = x_0 - x_1 on the samples (a, 1): v(x_N) = a - 1, v(x_{}) = 0, v spans
    // [-1, a]; a = 0.5 does not collapse (|a - 1| = 1/3 of the range)
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [2], units: 2, name: 'out' }));
    model.layers[0].setWeights([tf.tensor2d([0, 1, 0, -1], [2, 2]), tf.zeros([2])]);
    const a = [1, 1.1, 0.5, 1.02, 0.95, 1.08, 1, 1.05, 0.99, 1.01, 1.07];
    const run = (solver: 'exact' | 'none', count = a.length) =>
      analyze({
        runner: new TfjsRunner(model),
        samples: { data: Float32Array.from(a.slice(0, count).flatMap(x => [x, 1])), count },
        labels: new Array(count).fill(1),
        options: AnalysisOptions.parse({
          variables: [[0], [1]],
          baseline: { kind: 'zero' },
          layers: ['out'],
          solver: { kind: solver }
        }),
        source: 'linear',
        toolVersion: '0.0.0'
      });
    const collapsed = a.flatMap((x, s) => {
      const share = Math.abs(Math.fround(x) - 1) / (Math.max(Math.fround(x), 0) + 1);
      return share < 0.1 ? [`sample ${s} (out ${(100 * share).toFixed(1)}%)`] : [];
    });
    assert.equal(collapsed.length, 10);
    const { warnings } = await run('exact');
    assert.deepEqual(warnings, [
      `10 of 11 samples score their full and empty inputs alike at some layer ` +
        `(|v(x_N) - v(x_{})| below 10% of the range of v): ${collapsed.slice(0, 8).join('; ')}; and 2 more. ` +
        'The noise bound kappa = kappaFactor |v(x_N) - v(x_{})| then almost vanishes, those ' +
        'decompositions need many terms and their solves are slow. ' +
        "Set solver.kappaReference to 'range' to bound the noise by the range of v instead."
    ]);
    assert.deepEqual((await run('none')).warnings, []);
    // exactly 8 collapsed (of the first 9 samples): all listed, none left to count
    const [eight] = (await run('exact', 9)).warnings;
    assert.ok(eight.startsWith('8 of 9 samples'), eight);
    assert.ok(eight.includes(`: ${collapsed.slice(0, 8).join('; ')}. The noise bound`), eight);
  });
});
