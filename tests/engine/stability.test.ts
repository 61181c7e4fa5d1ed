import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noisySample, stabilityByOrder } from '../../src/engine/stability';

describe('stability', () => {
  it('averages |mean| / std over salient subsets of each order, then over samples', () => {
    const rows = stabilityByOrder(
      [
        // {0}: draws 1, 3 -> mean 2, std 1 -> 2; {0,1}: draws -2, -2 (std 0) is skipped.
        {
          masks: [1, 3],
          draws: [
            [1, -2],
            [3, -2]
          ]
        },
        // {1}: draws 4, 6 -> 5 / 1 = 5; {0,1}: draws 1, 0 -> 0.5 / 0.5 = 1.
        {
          masks: [2, 3],
          draws: [
            [4, 1],
            [6, 0]
          ]
        }
      ],
      3,
      1
    );
    assert.deepEqual(rows, [
      { order: 1, value: 3.5 },
      { order: 2, value: 1 },
      { order: 3, value: null }
    ]);
  });

  it('counts the full order n and leaves out orders below minOrder', () => {
    // n = 2, OR terms (minOrder 2): {0,1} draws 2, 4 -> 3 / 1; {1} (order 1) is ignored
    const rows = stabilityByOrder(
      [
        {
          masks: [2, 3],
          draws: [
            [0, 2],
            [5, 4]
          ]
        }
      ],
      2,
      2
    );
    assert.deepEqual(rows, [{ order: 2, value: 3 }]);
  });

  it('noise is seeded per sample and draw, with the requested spread', () => {
    const sample = new Float32Array(4000).fill(1);
    const a = noisySample(sample, 0.02, 0, 3, 1);
    assert.deepEqual(a, noisySample(sample, 0.02, 0, 3, 1));
    assert.notDeepEqual(a, noisySample(sample, 0.02, 0, 3, 2));
    assert.notDeepEqual(a, noisySample(sample, 0.02, 0, 4, 1));
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
    assert.ok(Math.abs(mean - 1) < 0.002, `mean ${mean}`);
    assert.ok(Math.abs(sd - 0.02) < 0.002, `sd ${sd}`);
  });
});
