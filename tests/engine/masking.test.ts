import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisInputError } from '../../src/engine/errors';
import { baselineOf, MaskedSampler, validateVariables } from '../../src/engine/masking';

describe('masking', () => {
  // 6 raw inputs; variable 0 = inputs {0, 1}, variable 1 = {3}, variable 2 = {4}; 2 and 5 unassigned.
  const sample = Float32Array.from([10, 11, 12, 13, 14, 15]);
  const baseline = Float32Array.from([-1, -2, -3, -4, -5, -6]);
  const variables = [[0, 1], [3], [4]];

  it('keeps present variables, puts absent ones at the baseline, for every subset', () => {
    const sampler = new MaskedSampler(sample, baseline, variables, 'keep');
    const all = sampler.batch(0, 8);
    for (let mask = 0; mask < 8; mask++) {
      const row = Array.from(all.subarray(mask * 6, mask * 6 + 6));
      const expected = [
        mask & 1 ? 10 : -1,
        mask & 1 ? 11 : -2,
        12,
        mask & 2 ? 13 : -4,
        mask & 4 ? 14 : -5,
        15
      ];
      assert.deepEqual(row, expected, `mask ${mask}`);
    }
  });

  it('chunks give the same rows as one batch', () => {
    const sampler = new MaskedSampler(sample, baseline, variables, 'keep');
    const all = sampler.batch(0, 8);
    const parts = [sampler.batch(0, 3), sampler.batch(3, 4), sampler.batch(7, 1)];
    const joined = new Float32Array(48);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    assert.deepEqual(joined, all);
  });

  it("sets unassigned inputs to the baseline with 'baseline'", () => {
    const sampler = new MaskedSampler(sample, baseline, variables, 'baseline');
    const full = sampler.batch(7, 1);
    assert.deepEqual(Array.from(full), [10, 11, -3, 13, 14, -6]);
    const empty = sampler.batch(0, 1);
    assert.deepEqual(Array.from(empty), Array.from(baseline));
  });

  it('computes the baselines', () => {
    const training = { data: Float32Array.from([1, 2, 3, 5, 6, 7]), count: 2 };
    assert.deepEqual(Array.from(baselineOf({ kind: 'mean' }, 3, training)), [3, 4, 5]);
    assert.deepEqual(Array.from(baselineOf({ kind: 'zero' }, 2)), [0, 0]);
    assert.deepEqual(Array.from(baselineOf({ kind: 'given', values: [1, 2] }, 2)), [1, 2]);
    assert.deepEqual(Array.from(baselineOf({ kind: 'mask-token', tokenId: 103 }, 2)), [103, 103]);
    assert.throws(() => baselineOf({ kind: 'mean' }, 3, null), /needs training inputs/);
    assert.throws(
      () => baselineOf({ kind: 'mean' }, 3, { data: new Float32Array(0), count: 0 }),
      /the 'mean' baseline needs training inputs; give them or choose the 'zero' or 'given' baseline/
    );
    assert.throws(
      () => baselineOf({ kind: 'given', values: [1] }, 3),
      /1 values; the model's input has 3/
    );
  });

  it('rejects out-of-range and overlapping variables', () => {
    assert.throws(
      () => validateVariables([[0], [6]], 6),
      (e: Error) => {
        assert.ok(e instanceof AnalysisInputError);
        assert.match(
          e.message,
          /^variable 1 refers to raw input 6, but one sample has 6 raw inputs \(valid: 0\.\.5\)$/
        );
        return true;
      }
    );
    for (const index of [-1, 0.5, NaN]) {
      assert.throws(
        () => validateVariables([[0], [index]], 6),
        new RegExp(`: variable 1 refers to raw input ${index}, but one sample has 6 raw inputs`)
      );
    }
    // a raw input listed twice in one variable is harmless
    assert.doesNotThrow(() => validateVariables([[0, 0], [1]], 6));
    assert.throws(
      () => validateVariables([[0, 1], [1]], 6),
      /raw input 1 belongs to both variable 0 and variable 1/
    );
    assert.doesNotThrow(() => validateVariables(variables, 6));
  });
});
