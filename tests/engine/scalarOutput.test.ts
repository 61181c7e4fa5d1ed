import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classCount, logOdds, predictedClass, targetClass } from '../../src/engine/scalarOutput';

function naiveLogOdds(z: number[], y: number): number {
  const p = z.map(Math.exp);
  const total = p.reduce((a, b) => a + b, 0);
  return Math.log(p[y] / total / (1 - p[y] / total));
}

describe('scalar output', () => {
  it('equals log p/(1-p) on moderate logits', () => {
    const z = [0.3, -1.2, 2.0, 0.7];
    for (let y = 0; y < 4; y++) {
      assert.ok(Math.abs(logOdds(z, 0, 4, y) - naiveLogOdds(z, y)) < 1e-12);
    }
  });

  it('is z_y - z_other for two logits, at an offset', () => {
    const row = [9, 9, 1.5, -2.5];
    assert.equal(logOdds(row, 2, 2, 0), 4);
    assert.equal(logOdds(row, 2, 2, 1), -4);
  });

  it('stays finite and exact for huge logits', () => {
    const z = [1000, 998, -1e30];
    const v = logOdds(z, 0, 3, 0);
    assert.ok(Number.isFinite(v));
    assert.ok(Math.abs(v - 2) < 1e-12, `got ${v}`);
    const w = logOdds(z, 0, 3, 2);
    assert.ok(Number.isFinite(w));
    assert.ok(Math.abs(w - (-1e30 - (1000 + Math.log(1 + Math.exp(-2))))) < 1e18);
    // a naive computation overflows here
    assert.ok(Number.isNaN(naiveLogOdds(z, 0)) || !Number.isFinite(naiveLogOdds(z, 0)));
  });

  it('shifts by the largest other logit, not by the target', () => {
    // the target's logit is the last and the largest: shifting by it would lose every other
    // term to underflow; v = 1000 - logsumexp(-1000, -1000) = 2000 - log 2
    const v = logOdds([-1000, -1000, 1000], 0, 3, 2);
    assert.ok(Math.abs(v - (2000 - Math.log(2))) < 1e-9, `got ${v}`);
    // no other class can be likely at all
    assert.equal(logOdds([-Infinity, 5], 0, 2, 1), Infinity);
  });

  it('uses +z / -z for a single sigmoid logit', () => {
    assert.equal(logOdds([3.5], 0, 1, 1), 3.5);
    assert.equal(logOdds([3.5], 0, 1, 0), -3.5);
    assert.equal(classCount(1), 2);
    assert.equal(classCount(5), 5);
  });

  it('picks the predicted class and the target', () => {
    assert.equal(predictedClass([0, 5, 2, 7, 1], 1, 3), 2);
    assert.equal(predictedClass([-0.5], 0, 1), 0);
    assert.equal(predictedClass([0.5], 0, 1), 1);
    // ties go to the first class, and a sigmoid logit of exactly 0 to class 0
    assert.equal(predictedClass([1, 4, 4, 2], 0, 4), 1);
    assert.equal(predictedClass([0], 0, 1), 0);
    assert.equal(targetClass('label', 3, 1), 3);
    assert.equal(targetClass('label', null, 1), 1);
    assert.equal(targetClass('predicted', 3, 1), 1);
  });
});
