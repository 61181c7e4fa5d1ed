import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iouByOrder } from '../../src/engine/generalization';

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
  });
});
