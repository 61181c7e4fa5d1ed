/**
 * The tie-break hash is part of the method (method.md 3a): any implementation of the written
 * rule must give the same canonical optimum, so its values are pinned here. The expected
 * values come from an independent implementation of method.md's formula in Python (exact
 * integers and fractions):
 *
 *   fmix32 = murmur3's finaliser; key = (id + variant * 2**27) & 0xffffffff
 *   h = Fraction(fmix32(key) * 2**21 + (fmix32(key ^ 0x68e31da4) >> 11), 2**53)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tieBreakCost, tieBreakCosts } from '../../src/engine/solver/tieBreak';

const PYTHON: [id: number, variant: number, h: number][] = [
  [1, 0, 0.31759886234688484],
  [2, 0, 0.19123476883944934],
  [1023, 0, 0.36287794436426735],
  [2047, 0, 0.6996854478078761],
  [5, 1, 0.8669540942415686],
  [5, 4, 0.43145328270539907],
  [300, 3, 0.9248042773033217]
];

test('h(id, variant) is the written rule, bit for bit', () => {
  for (const [id, variant, h] of PYTHON) {
    assert.equal(tieBreakCost(id, variant), h, `h(${id}, ${variant})`);
  }
});

test('the cost vector: 0 for the free constant, h by term id for AND (mask) and OR (mask + 2^n)', () => {
  const costs = tieBreakCosts(1024, 0);
  assert.equal(costs.length, 2048);
  assert.equal(costs[0], 0);
  assert.equal(costs[1], PYTHON[0][2]);
  assert.equal(costs[1023], PYTHON[2][2]);
  assert.equal(costs[2047], PYTHON[3][2]);
  assert.equal(tieBreakCosts(4, 4)[5], PYTHON[5][2]);
});
