/** What a sample's record keeps: every subset salient at some layer under its own tau. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDraw, recordSample } from '../../src/engine/sampleRecord';
import { subsetOrders } from '../../src/engine/subsets';
import type { AndOrSolution } from '../../src/engine/andOr';

/** A solution over n = 2 whose AND and OR terms are given by mask. */
function solution(and: number[], or: number[]): AndOrSolution {
  return {
    and: Float64Array.from(and),
    or: Float64Array.from(or),
    report: { solver: 'exact', kappa: 0, objective: 0, gap: 0, iterations: 0, seconds: 0 }
  } as AndOrSolution;
}

describe('sample record', () => {
  const orders = subsetOrders(2);
  // layer 0: max 0.5, tau 0.025; layer 1: max 4, tau 0.2
  const solutions = [
    solution([9, 0.5, 0.03, 0], [0, 0, 0, 0.01]),
    solution([-3, 0, 0, 4], [0, 0, 0, 0.1])
  ];
  const values = [Float64Array.of(1, 2, 3, 4), Float64Array.of(-1, 0, 0, 5)];

  it("keeps the subsets salient at some layer under each layer's own tau, with every layer's value", () => {
    const record = recordSample(values, solutions, 0.05, orders);
    assert.deepEqual(record.maxima, [0.5, 4]);
    assert.deepEqual(record.vFull, [4, 5]);
    assert.deepEqual(record.vEmpty, [1, -1]);
    // {x0} and {x1} at layer 0 (0.5, 0.03 > 0.025), {x0, x1} at layer 1 (4 > 0.2); the
    // constant (mask 0) never
    assert.deepEqual(Array.from(record.and.masks), [1, 2, 3]);
    assert.deepEqual(
      record.and.values.map(v => Array.from(v)),
      [
        [0.5, 0.03, 0],
        [0, 0, 4]
      ]
    );
    // OR starts at order 2; 0.1 is below layer 1's tau and 0.01 below layer 0's
    assert.deepEqual(Array.from(record.or.masks), []);
    const looser = recordSample(values, solutions, 0.01, orders);
    // taus 0.005 and 0.04: 0.01 at layer 0 and 0.1 at layer 1 are salient
    assert.deepEqual(Array.from(looser.or.masks), [3]);
    assert.deepEqual(
      looser.or.values.map(v => Array.from(v)),
      [[0.01], [0.1]]
    );
  });

  it("adds noise draws on the record's own subsets", () => {
    const record = recordSample(values, solutions, 0.05, orders);
    addDraw(record, [solution([0, 1, 2, 3], [0, 0, 0, 7]), solution([0, 4, 5, 6], [0, 0, 0, 8])]);
    assert.deepEqual(
      record.and.draws.map(layer => layer.map(draw => Array.from(draw))),
      [[[1, 2, 3]], [[4, 5, 6]]]
    );
    assert.deepEqual(record.or.draws, [[new Float64Array(0)], [new Float64Array(0)]]);
  });
});
