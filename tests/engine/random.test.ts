/**
 * The seeded randomness the recorded seeds replay (engine/random.ts). Expected values come
 * from an independent Python implementation of mulberry32 and of the seed mix in exact
 * integer arithmetic; the shuffle is checked by hand on a scripted stream and for uniformity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mixSeed, normalGenerator, permutation, uniformGenerator } from '../../src/engine/random';

describe('seeded randomness', () => {
  it('mulberry32 gives the reference stream', () => {
    const from42 = uniformGenerator(42);
    assert.deepEqual(
      [from42(), from42(), from42()],
      [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]
    );
    const from0 = uniformGenerator(0);
    assert.deepEqual([from0(), from0()], [0.26642920868471265, 0.0003297457005828619]);
  });

  it('normal draws come in Box-Muller pairs from two uniforms', () => {
    const normal = normalGenerator(5);
    const [a, b] = [normal(), normal()];
    assert.ok(Math.abs(a - 0.21789461927371653) < 1e-12);
    assert.ok(Math.abs(b - -1.5144095341873767) < 1e-12);
    let sum = 0;
    let squares = 0;
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      const x = normal();
      sum += x;
      squares += x * x;
    }
    // mean within 4 standard errors of 0, variance within 5% of 1
    assert.ok(Math.abs(sum / count) < 4 / Math.sqrt(count));
    assert.ok(Math.abs(squares / count - 1) < 0.05);
  });

  it('mixes seeds into the reference values', () => {
    assert.deepEqual(
      [mixSeed(1, 2), mixSeed(0), mixSeed(7, 3, 2024)],
      [1269123516, 84702589, 2408742018]
    );
    assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  });

  it('shuffles by Fisher-Yates: a scripted stream, worked by hand', () => {
    const stream = [0.9, 0.1, 0.6];
    // i = 3: j = 3; i = 2: j = 0, swap 2 and 0; i = 1: j = 1
    assert.deepEqual(Array.from(permutation(4, () => stream.shift()!)), [2, 1, 0, 3]);
    assert.deepEqual(Array.from(permutation(1, () => 0.5)), [0]);
  });

  it('draws each of the 6 orders of 3 about equally often', () => {
    const uniform = uniformGenerator(7);
    const counts = new Map<string, number>();
    const draws = 6000;
    for (let i = 0; i < draws; i++) {
      const key = permutation(3, uniform).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    // chi-square with 5 degrees of freedom: 20.5 is its 0.999 quantile
    const expected = draws / 6;
    const chiSquare = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chiSquare < 20.5, `chi-square ${chiSquare}`);
  });
});
