import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisInputError } from '../../src/engine/errors';
import { compareResults, matchLayers } from '../../src/engine/comparison';
import { iouByOrder } from '../../src/engine/generalization';
import { popcount } from '../../src/engine/subsets';
import type { AnalysisResult, SampleLayerResult } from '../../src/protocol/result';
import { sampleResult } from '../lab/fixtures';

describe('cross-model generalisation', () => {
  it('IoU per order, averaged over samples with a non-empty union', () => {
    const a = [
      [1, 2, 3, 7],
      [4, 5]
    ];
    const b = [
      [1, 4, 3],
      [4, 6]
    ];
    // order 1: sample 1 {1,2} vs {1,4}: 1/3; sample 2 {4} vs {4}: 1 -> 2/3
    // order 2: sample 1 {3} vs {3}: 1; sample 2 {5} vs {6}: 0 -> 1/2
    // order 3: sample 1 {7} vs {}: 0; sample 2 skipped -> 0
    const rows = iouByOrder(a, b, 3, 1);
    assert.equal(rows.length, 3);
    assert.ok(Math.abs((rows[0].iou as number) - 2 / 3) < 1e-12);
    assert.equal(rows[1].iou, 0.5);
    assert.equal(rows[2].iou, 0);
    assert.equal(rows[2].samples, 1);
    assert.deepEqual(iouByOrder([[1]], [[2]], 2, 2), [{ order: 2, iou: null, samples: 0 }]);
    assert.throws(
      () => iouByOrder([[1], [2]], [[1]], 2, 1),
      /the two results have 2 and 1 samples/
    );
  });
});

/** sampleResult (3 variables; layers dense, dense_1, output; 2 samples) with given salient sets. */
function withSalient(sets: Record<string, { and: number[]; or: number[] }[]>): AnalysisResult {
  const result = sampleResult();
  const interactions = (masks: number[]) =>
    masks.map(mask => ({ mask, order: popcount(mask), value: 1 }));
  const perSample: SampleLayerResult[][] = result.perSample.map((row, s) =>
    row.map((cell, l) => {
      const set = sets[result.layers[l].name]?.[s];
      // no alternative optima: the rows' spread is then null
      return set
        ? { ...cell, and: interactions(set.and), or: interactions(set.or), ambiguity: null }
        : { ...cell, ambiguity: null };
    })
  );
  return { ...result, perSample };
}

describe('compareResults on hand-counted salient sets', () => {
  // At the final layers, sample 0 and sample 1:
  //   AND  A {0}, {1}, {0,1}, {0,1,2}; {2}        B {0}, {0,1}, {0,2}; {2}, {1,2}
  //   OR   A {0,1}, {0,2}; none                   B {0,1}; none
  const a = withSalient({
    output: [
      { and: [1, 2, 3, 7], or: [3, 5] },
      { and: [4], or: [] }
    ],
    dense: [{ and: [1], or: [] }]
  });
  const b = withSalient({
    output: [
      { and: [1, 3, 5], or: [3] },
      { and: [4, 6], or: [] }
    ],
    dense_1: [{ and: [1, 2], or: [] }]
  });
  const compare = (x: AnalysisResult, y: AnalysisResult, pair: [string, string]) =>
    compareResults(x, y, matchLayers(x, y, [pair])).map(
      ({ kind, order, iou, samples, spread }) => ({
        kind,
        order,
        iou,
        samples,
        spread
      })
    );

  it('the final layers, AND and OR, by hand-counted IoU', () => {
    const expected = [
      // sample 0 {0},{1} vs {0}: 1/2; sample 1 {2} vs {2}: 1
      { kind: 'and', order: 1, iou: 0.75, samples: 2, spread: null },
      // sample 0 {0,1} vs {0,1},{0,2}: 1/2; sample 1 none vs {1,2}: 0
      { kind: 'and', order: 2, iou: 0.25, samples: 2, spread: null },
      // sample 0 {0,1,2} vs none: 0; sample 1: empty union, skipped
      { kind: 'and', order: 3, iou: 0, samples: 1, spread: null },
      // sample 0 {0,1},{0,2} vs {0,1}: 1/2; sample 1 skipped
      { kind: 'or', order: 2, iou: 0.5, samples: 1, spread: null },
      { kind: 'or', order: 3, iou: null, samples: 0, spread: null }
    ];
    assert.deepEqual(compare(a, b, ['output', 'output']), expected);
    // symmetric
    assert.deepEqual(compare(b, a, ['output', 'output']), expected);
  });

  it('the layers it is given', () => {
    // dense of A against dense_1 of B: sample 0 AND {0} vs {0}, {1}, no OR on either side;
    // sample 1 keeps the fixture's AND {0,1} and OR {1,2} at both layers
    assert.deepEqual(compare(a, b, ['dense', 'dense_1']), [
      { kind: 'and', order: 1, iou: 0.5, samples: 1, spread: null },
      { kind: 'and', order: 2, iou: 1, samples: 1, spread: null },
      { kind: 'and', order: 3, iou: null, samples: 0, spread: null },
      { kind: 'or', order: 2, iou: 1, samples: 1, spread: null },
      { kind: 'or', order: 3, iou: null, samples: 0, spread: null }
    ]);
  });

  it('refuses results that cannot be compared', () => {
    const refuse = (other: AnalysisResult, pattern: RegExp, pair: [string, string]) =>
      assert.throws(
        () => compare(a, other, pair),
        (error: Error) => {
          assert.ok(error instanceof AnalysisInputError);
          assert.match(error.message, pattern);
          return true;
        }
      );
    refuse(
      { ...b, options: { ...b.options, variables: [[0], [1], [2, 3]] } },
      /Differences: input variables/,
      ['output', 'output']
    );
    refuse(
      { ...b, samples: b.samples.map((s, i) => ({ ...s, index: i + 5 })) },
      /Differences: samples/,
      ['output', 'output']
    );
    refuse(b, /layer 'nope' is not in B; its layers are: dense, dense_1, output/, [
      'output',
      'nope'
    ]);
  });
});
