import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BasisInverse } from '../../src/engine/solver/basisInverse';
import { seededRandom } from './solverGames';

/** A random well-conditioned k x k matrix, as rows. */
function randomMatrix(k: number, random: () => number): number[][] {
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i === j ? 4 : 0) + Math.round(2 * random() - 1))
  );
}

/** max |K^-1 K - I| with the inverse's rows over K's columns and its columns over K's rows. */
function inverseError(inverse: BasisInverse, matrix: number[][]): number {
  const k = matrix.length;
  assert.equal(inverse.size, k);
  let worst = 0;
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < k; c++) {
      let total = 0;
      for (let i = 0; i < k; i++) {
        total += inverse.get(j, i) * matrix[i][c];
      }
      worst = Math.max(worst, Math.abs(total - (j === c ? 1 : 0)));
    }
  }
  return worst;
}

function factored(matrix: number[][]): BasisInverse {
  const inverse = new BasisInverse(2);
  assert.ok(inverse.factor(matrix.length, (i, j) => matrix[i][j], 1e-12));
  return inverse;
}

describe('the dual simplex basis inverse', () => {
  const random = seededRandom(42);

  it('inverts K from scratch and refuses a singular K', () => {
    const matrix = randomMatrix(7, random);
    assert.ok(inverseError(factored(matrix), matrix) < 1e-12);
    const singular = [
      [1, 2, 0],
      [2, 4, 0],
      [0, 0, 1]
    ];
    const inverse = factored(matrix);
    assert.equal(
      inverse.factor(3, (i, j) => singular[i][j], 1e-12),
      false
    );
    assert.ok(inverseError(inverse, matrix) < 1e-12, 'the inverse it had');
  });

  it('pivots where the diagonal is zero, the first column included', () => {
    // K's rows in reverse order: every diagonal entry of a permuted well-conditioned matrix
    // is small or zero, so each column's pivot comes from another row and the row swaps,
    // the first column's too, must be undone in the inverse
    const matrix = randomMatrix(7, random).reverse();
    matrix[0][0] = 0;
    assert.ok(inverseError(factored(matrix), matrix) < 1e-12);
  });

  it('has room for its vectors beside a large matrix', () => {
    // the kernels' memory comes in 64 KiB pages: at this capacity the page rounding leaves
    // less room than the four vectors after the matrix need
    const inverse = new BasisInverse(2050);
    const matrix = randomMatrix(5, random);
    assert.ok(inverse.factor(5, (i, j) => matrix[i][j], 1e-12));
    assert.ok(inverseError(inverse, matrix) < 1e-12);
    const x = new Float64Array(5);
    inverse.solve(Float64Array.from([1, 2, 3, 4, 5]), x);
    for (let i = 0; i < 5; i++) {
      const row = matrix[i].reduce((total, entry, j) => total + entry * x[j], 0);
      assert.ok(Math.abs(row - (i + 1)) < 1e-12);
    }
  });

  it('solves K x = b and K^T y = c', () => {
    const matrix = randomMatrix(6, random);
    const inverse = factored(matrix);
    const b = Float64Array.from({ length: 6 }, () => random());
    const x = new Float64Array(6);
    inverse.solve(b, x);
    matrix.forEach((row, i) => {
      const lhs = row.reduce((sum, value, j) => sum + value * x[j], 0);
      assert.ok(Math.abs(lhs - b[i]) < 1e-12);
    });
    const y = new Float64Array(6);
    inverse.solveTransposed(b, y);
    for (let j = 0; j < 6; j++) {
      const lhs = matrix.reduce((sum, row, i) => sum + row[j] * y[i], 0);
      assert.ok(Math.abs(lhs - b[j]) < 1e-12);
    }
  });

  it('grows, replaces a column, replaces a row and shrinks in O(k^2)', () => {
    const matrix = randomMatrix(5, random);
    const inverse = factored(matrix);
    for (let round = 0; round < 20; round++) {
      const k = matrix.length;
      const operation = round % 4;
      if (operation === 0) {
        const column = Float64Array.from({ length: k }, () => Math.round(random()));
        const row = Float64Array.from({ length: k }, () => Math.round(random()));
        const w = new Float64Array(k);
        const u = new Float64Array(k);
        inverse.solve(column, w);
        inverse.solveTransposed(row, u);
        const schur = 5 - row.reduce((sum, value, j) => sum + value * w[j], 0);
        assert.ok(inverse.grow(w, u, schur, 1e-12));
        matrix.forEach((r, i) => r.push(column[i]));
        matrix.push([...row, 5]);
      } else if (operation === 1) {
        const j0 = Math.floor(random() * k);
        const column = Array.from({ length: k }, (_, i) => (i === j0 ? 4 : Math.round(random())));
        const w = new Float64Array(k);
        inverse.solve(Float64Array.from(column), w);
        inverse.replaceColumn(j0, w);
        matrix.forEach((r, i) => (r[j0] = column[i]));
      } else if (operation === 2) {
        const i0 = Math.floor(random() * k);
        const row = Array.from({ length: k }, (_, j) => (j === i0 ? 4 : Math.round(random())));
        const u = new Float64Array(k);
        inverse.solveTransposed(Float64Array.from(row), u);
        inverse.replaceRow(i0, u);
        matrix[i0] = row;
      } else {
        const j0 = Math.floor(random() * k);
        const i0 = j0;
        inverse.shrink(j0, i0);
        // the last column and row move into the freed positions
        const last = k - 1;
        matrix.forEach(r => {
          r[j0] = r[last];
          r.pop();
        });
        matrix[i0] = matrix[last];
        matrix.pop();
      }
      assert.ok(inverseError(inverse, matrix) < 1e-9, `after operation ${operation}`);
    }
  });

  it('updates the one other row that changes, and refuses a singular growth', () => {
    const matrix = randomMatrix(5, random);
    const inverse = factored(matrix);
    // the new column 1 is K w with w nonzero only at rows 0 and 1: row 0 is the one other
    // row of the inverse that changes
    const w = Float64Array.of(0.5, 2, 0, 0, 0);
    const column = matrix.map(row => row.reduce((sum, value, j) => sum + value * w[j], 0));
    inverse.replaceColumn(1, w);
    matrix.forEach((row, i) => (row[1] = column[i]));
    assert.ok(inverseError(inverse, matrix) < 1e-12);

    const u = new Float64Array(5);
    inverse.solveTransposed(Float64Array.of(1, 0, 0, 0, 0), u);
    assert.equal(inverse.grow(new Float64Array(5), u, 1e-15, 1e-12), false);
    assert.ok(inverseError(inverse, matrix) < 1e-12, 'K unchanged');
  });
});
