import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moebius, orTransform, orZeta, supersetSum, zeta } from '../../src/engine/moebius';
import {
  moebiusInPlace,
  reconstructInto,
  supersetMoebiusInPlace,
  supersetSumInPlace,
  zetaInPlace
} from '../../src/engine/solver/kernels';
import { popcount } from '../../src/engine/subsets';
import { seededRandom } from './solverGames';

function randomVector(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: 1 << n }, () => 4 * random() - 2);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-10) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `index ${i}: ${actual[i]} != ${expected[i]}`
    );
  }
}

/** I(S) = sum_{T subset of S} (-1)^{|S|-|T|} v(T), by enumerating the submasks: O(3^n). */
function bruteForceAnd(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let s = 0; s < values.length; s++) {
    for (let t = s; ; t = (t - 1) & s) {
      out[s] += ((popcount(s) - popcount(t)) % 2 ? -1 : 1) * values[t];
      if (t === 0) {
        break;
      }
    }
  }
  return out;
}

describe('AND (Harsanyi) transform', () => {
  for (const n of [1, 3, 5, 8]) {
    it(`equals the brute-force O(3^n) sum for n = ${n}`, () => {
      const values = randomVector(n, n);
      assertClose(moebius(values), bruteForceAnd(values), 1e-9);
    });
  }

  it('is inverted by zeta: v(T) = sum_{S subset of T} I(S)', () => {
    const values = randomVector(7, 11);
    assertClose(zeta(moebius(values)), values);
  });

  it('vanishes off the subsets of T for a game computed on x_T', () => {
    const n = 6;
    const values = randomVector(n, 5);
    const full = moebius(values);
    for (const t of [0, 0b000101, 0b011010, 0b111111]) {
      // the game in which the variables outside T are always at their baseline
      const restricted = Float64Array.from(values, (_, mask) => values[mask & t]);
      const interactions = moebius(restricted);
      for (let s = 0; s < interactions.length; s++) {
        if ((s & t) === s) {
          assert.ok(Math.abs(interactions[s] - full[s]) < 1e-10, `S = ${s} inside T = ${t}`);
        } else {
          assert.ok(Math.abs(interactions[s]) < 1e-10, `S = ${s} not inside T = ${t}`);
        }
      }
    }
  });

  it('of a single AND atom 1[S subset of T] is the indicator of S', () => {
    const n = 5;
    const s = 0b10110;
    const atom = Float64Array.from({ length: 1 << n }, (_, t) => ((s & t) === s ? 1 : 0));
    const expected = new Float64Array(1 << n);
    expected[s] = 1;
    assertClose(moebius(atom), expected);
  });
});

describe('OR transform', () => {
  it('of a single OR atom 1[S meets T] is the indicator of S', () => {
    const n = 5;
    const s = 0b01011;
    const atom = Float64Array.from({ length: 1 << n }, (_, t) => ((s & t) !== 0 ? 1 : 0));
    const expected = new Float64Array(1 << n);
    expected[s] = 1;
    assertClose(orTransform(atom), expected);
  });

  it('is inverted by orZeta', () => {
    const values = randomVector(6, 3);
    assertClose(orZeta(orTransform(values)), values);
  });
});

describe('in-place solver kernels', () => {
  for (const n of [1, 2, 7, 10]) {
    it(`match the reference transforms for n = ${n}`, () => {
      const values = randomVector(n, 100 + n);
      const check = (kernel: (x: Float64Array) => void, expected: Float64Array) => {
        const x = values.slice();
        kernel(x);
        assertClose(x, expected, 1e-9);
      };
      check(zetaInPlace, zeta(values));
      check(moebiusInPlace, moebius(values));
      check(supersetSumInPlace, supersetSum(values));
      // the transpose of moebius: <M x, y> = <x, M^T y>
      const other = randomVector(n, 200 + n);
      const transposed = other.slice();
      supersetMoebiusInPlace(transposed);
      const left = moebius(values).reduce((sum, value, i) => sum + value * other[i], 0);
      const right = values.reduce((sum, value, i) => sum + value * transposed[i], 0);
      assert.ok(Math.abs(left - right) < 1e-8 * Math.max(1, Math.abs(left)));
    });
  }

  it('reconstruct AND and OR sums term by term', () => {
    const n = 5;
    const random = seededRandom(9);
    const and = Float64Array.from({ length: 1 << n }, () => random() - 0.5);
    const or = Float64Array.from({ length: 1 << n }, (_, s) => (popcount(s) >= 2 ? random() : 0));
    const fit = new Float64Array(1 << n);
    reconstructInto(and, or, fit, new Float64Array(1 << n));
    for (let t = 0; t < 1 << n; t++) {
      let expected = 0;
      for (let s = 0; s < 1 << n; s++) {
        expected += ((s & t) === s ? and[s] : 0) + ((s & t) !== 0 ? or[s] : 0);
      }
      assert.ok(Math.abs(fit[t] - expected) < 1e-12, `T = ${t}`);
    }
  });
});
