/**
 * method.md 3a: how much the salient interactions and the metrics depend on the choice among
 * the LP's optima, from the helpers up to a whole analysis.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ambiguityOf, metricSpread, optimaSalient } from '../../src/engine/ambiguity';
import { analyze } from '../../src/engine/analyze';
import { tieBreakCost } from '../../src/engine/solver/tieBreak';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';
import type { LayerMetrics, OrderMetrics } from '../../src/protocol/result';

describe('ambiguity helpers', () => {
  it('mean IoU of the alternatives with the canonical set, skipping empty unions', () => {
    const canonical = new Set(['and 1', 'and 2', 'or 3']);
    const same = new Set(['and 1', 'and 2', 'or 3']);
    const half = new Set(['and 1', 'or 5']); // shared 1, union 4
    const ambiguity = ambiguityOf([canonical, same, half]);
    assert.equal(ambiguity.optima, 3);
    assert.equal(ambiguity.meanIoU, (1 + 1 / 4) / 2);
    assert.deepEqual(ambiguityOf([new Set(), new Set()]), { optima: 2, meanIoU: null });
    assert.equal(optimaSalient([canonical, same, half], 'and 2'), 2);
    assert.equal(optimaSalient([canonical, same, half], 'or 5'), 1);
  });

  it('spreads each metric over the optima, null where one of them has none', () => {
    const row = (overlap: number, completeness: number | null): OrderMetrics => ({
      order: 1,
      all: 2,
      allReference: 3,
      overlap,
      forget: 2 - overlap,
      new: 3 - overlap,
      completeness,
      redundancy: (2 - overlap) / 2,
      salientCount: 1,
      spread: null
    });
    const layer = (overlap: number, completeness: number | null): LayerMetrics[] => [
      { layer: 'dense', and: [row(overlap, completeness)], or: [row(overlap, 0.5)] }
    ];
    const [spread] = metricSpread(layer(1, 0.4), [layer(0.5, 0.9), layer(1.5, 0.1)]);
    assert.deepEqual(spread.and[0].spread, {
      overlap: [0.5, 1.5],
      forget: [0.5, 1.5],
      new: [1.5, 2.5],
      completeness: [0.1, 0.9],
      redundancy: [0.25, 0.75]
    });
    assert.equal(spread.and[0].overlap, 1, 'the canonical values stay');
    const [undefinedSomewhere] = metricSpread(layer(1, 0.4), [layer(1, null)]);
    assert.equal(undefinedSomewhere.and[0].spread!.completeness, null);
    assert.deepEqual(metricSpread(layer(1, 0.4), []), layer(1, 0.4));
  });
});

describe('analyze: ambiguity across optima', () => {
  // v(x_S) = |S| on two variables: x_0 + x_1 = (x_0 and x_1) + (x_0 or x_1) at the same cost,
  // so each tie-break hash picks one of the two explanations.
  function analyseSum(alternatives: number) {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [2], units: 2, name: 'out' }));
    model.layers[0].setWeights([tf.tensor2d([0, 1, 0, 1], [2, 2]), tf.zeros([2])]);
    return analyze({
      runner: new TfjsRunner(model),
      samples: { data: Float32Array.of(1, 1), count: 1 },
      options: AnalysisOptions.parse({
        variables: [[0], [1]],
        baseline: { kind: 'zero' },
        layers: ['out'],
        target: 'predicted',
        solver: { kind: 'exact', kappaFactor: 0, alternatives }
      }),
      source: 'linear',
      toolVersion: '0.0.0'
    });
  }

  it('counts for each salient interaction the optima that share it, and their IoU', async () => {
    const alternatives = 4;
    const result = await analyseSum(alternatives);
    // which explanation each variant prefers, from the hash alone (OR ids are mask + 4)
    const orderOne = Array.from(
      { length: alternatives + 1 },
      (_, j) => tieBreakCost(1, j) + tieBreakCost(2, j) < tieBreakCost(3, j) + tieBreakCost(7, j)
    );
    const agreeing = orderOne.filter(choice => choice === orderOne[0]).length;
    const cell = result.perSample[0][0];
    const listed = [...cell.and, ...cell.or].map(i => [i.mask, i.order, i.optimaSalient]);
    assert.deepEqual(
      listed.sort(),
      (orderOne[0]
        ? [
            [1, 1, agreeing],
            [2, 1, agreeing]
          ]
        : [
            [3, 2, agreeing],
            [3, 2, agreeing]
          ]
      ).sort()
    );
    const choices = orderOne
      .slice(1)
      .map(choice => (choice ? { and: [1, 2], or: [] } : { and: [3], or: [3] }));
    assert.deepEqual(cell.ambiguity, {
      optima: alternatives + 1,
      meanIoU: (agreeing - 1) / alternatives,
      salient: choices
    });
    assert.ok(agreeing < alternatives + 1, 'this hash family splits on this game');
    assert.ok(result.tracking.length > 0);
    for (const tracked of result.tracking) {
      assert.deepEqual(tracked.agreement, [agreeing / (alternatives + 1)]);
    }
    for (const metrics of [...result.metrics.final[0].and, ...result.metrics.previous[0].or]) {
      for (const field of ['overlap', 'forget', 'new'] as const) {
        const [low, high] = metrics.spread![field]!;
        assert.ok(low <= metrics[field] && metrics[field] <= high, `${field} within its spread`);
      }
    }
  });

  it('leaves the ambiguity out when asked to', async () => {
    const result = await analyseSum(0);
    assert.equal(result.perSample[0][0].ambiguity, null);
    assert.ok(result.perSample[0][0].and.every(i => i.optimaSalient === undefined));
    assert.ok(result.metrics.final[0].and.every(m => m.spread === null));
  });
});
