import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import loadHighs from 'highs';
import { kappaOf } from '../../src/engine/andOr';
import { dualBound, repairInPlace } from '../../src/engine/solver/certificate';
import { referenceOptimum } from './lpReference';
import { gaussian, plantedGame, seededRandom } from './solverGames';

/**
 * The AND-only LP (no OR terms) by HiGHS: its optimum and row duals y. Those y obey the AND
 * dual constraints only, and their value is the AND-only optimum, above the AND-OR one
 * wherever OR terms explain the game more cheaply: weights a bound must scale down.
 */
async function andOnlyDual(
  values: Float64Array,
  kappa: number
): Promise<{ optimum: number; y: Float64Array }> {
  const highs = await loadHighs();
  const size = values.length;
  const starts = [0];
  const indices: number[] = [];
  const coefficients: number[] = [];
  const cost: number[] = [];
  const lower: number[] = [];
  const addColumn = (s: number, sign: number) => {
    for (let t = 0; t < size; t++) {
      if ((s & t) === s) {
        indices.push(t);
        coefficients.push(sign);
      }
    }
    starts.push(indices.length);
    cost.push(s === 0 ? 0 : 1);
    lower.push(s === 0 ? -Infinity : 0);
  };
  addColumn(0, 1);
  for (let s = 1; s < size; s++) {
    addColumn(s, 1);
    addColumn(s, -1);
  }
  const model = highs.createModel({
    numCols: cost.length,
    numRows: size,
    colCost: cost,
    colLower: lower,
    colUpper: cost.map(() => Infinity),
    rowLower: Array.from(values, value => value - kappa),
    rowUpper: Array.from(values, value => value + kappa),
    matrix: {
      format: 'csc',
      numRows: size,
      numCols: cost.length,
      starts,
      indices,
      values: coefficients
    }
  });
  try {
    model.options.set({ output_flag: false });
    model.run();
    assert.equal(model.getModelStatus(), highs.constants.modelStatus.optimal);
    return { optimum: model.getObjectiveValue(), y: model.getSolution().rowDual };
  } finally {
    model.dispose();
  }
}

/** v.y - kappa |y|_1 of weights that already sum to zero. */
function dualValue(values: Float64Array, kappa: number, y: ArrayLike<number>): number {
  let value = 0;
  for (let t = 0; t < values.length; t++) {
    value += values[t] * y[t] - kappa * Math.abs(y[t]);
  }
  return value;
}

describe('dualBound: a lower bound on the LP optimum from any weights', () => {
  // n = 2, v = 5 + OR({0,1}): v({}) = 5, v({0}) = v({1}) = v({0,1}) = 6. With kappa = 0 the
  // optimum is 1 (the OR term alone; AND terms alone need {0}, {1} and {0,1}: 3). With
  // kappa = 0.1 it is 0.8: constant 5.1, OR term 0.8, every residual at +-0.1.
  const v = Float64Array.of(5, 6, 6, 6);

  it('scales weights that break only the OR dual constraint (by hand, n = 2)', () => {
    // y = (-3, 2, 2, -1) meets every AND constraint |sum_{T superset of S} y(T)| <= 1 and
    // has v.y = 3, the AND-only optimum; its OR constraint sum_{T meets {0,1}} y(T) = 3 is
    // three times too large, so the bound is 3 / 3 = 1.
    assert.equal(dualBound(v, 0, Float64Array.of(-3, 2, 2, -1)), 1);
    // y({}) is set so the weights sum to zero: the constant 5 drops out
    assert.equal(dualBound(v, 0, Float64Array.of(0, 2, 2, -1)), 1);
    // |y|_1 = 8: (3 - 0.1 * 8) / 3
    assert.ok(Math.abs(dualBound(v, 0.1, Float64Array.of(0, 2, 2, -1)) - 2.2 / 3) < 1e-12);
  });

  it('reaches the optimum from optimal weights, at any scale (by hand, n = 2)', () => {
    // y = (-1, 0, 0, 1) is dual optimal for kappa = 0.1: v.y - 0.1 |y|_1 = 1 - 0.2 = 0.8
    for (const scale of [1, 1000]) {
      const y = Float64Array.of(-1, 0, 0, 1).map(x => scale * x);
      assert.ok(Math.abs(dualBound(v, 0.1, y) - 0.8) < 1e-12, `scale ${scale}`);
    }
  });

  it('never exceeds the LP optimum (HiGHS), whatever the weights', async () => {
    const random = seededRandom(11);
    for (const seed of [1, 2, 3]) {
      const values = plantedGame(5, { andTerms: 1, orTerms: 3, noise: 0.02, seed }).values;
      const kappa = kappaOf(values, 0.04);
      const optimum = await referenceOptimum(values, kappa);
      const andOnly = await andOnlyDual(values, kappa);
      assert.ok(andOnly.optimum > 1.5 * optimum, 'the OR terms must matter in this game');
      assert.ok(Math.abs(dualValue(values, kappa, andOnly.y) - andOnly.optimum) < 1e-6);
      const candidates: [string, Float64Array][] = [
        ['AND-only dual optimum', andOnly.y],
        ['1000 x AND-only dual optimum', andOnly.y.map(x => 1000 * x)]
      ];
      for (let k = 0; k < 20; k++) {
        const scale = 10 ** (4 * random() - 2);
        candidates.push([`gaussian ${k}`, values.map(() => scale * gaussian(random))]);
      }
      for (const [name, y] of candidates) {
        const bound = dualBound(values, kappa, y);
        assert.ok(
          bound <= optimum * (1 + 1e-9),
          `seed ${seed}, ${name}: bound ${bound} > optimum ${optimum}`
        );
      }
      // the AND-only weights, scaled into the AND-OR dual set, still bound usefully
      assert.ok(dualBound(values, kappa, andOnly.y) > 0);
    }
  });
});

describe('repairInPlace: any pair made feasible, an upper bound on the optimum', () => {
  it('turns each residual beyond kappa into AND terms (by hand, n = 2)', () => {
    // v = OR({0,1}) from nothing: residuals 1 at {0}, {1}, {0,1}, 0.9 over kappa = 0.1; the
    // excess (0, 0.9, 0.9, 0.9) has Harsanyi terms 0.9 {0}, 0.9 {1}, -0.9 {0,1}
    const v = Float64Array.of(0, 1, 1, 1);
    const and = new Float64Array(4);
    const or = new Float64Array(4);
    const objective = repairInPlace(v, 0.1, and, or);
    [0, 0.9, 0.9, -0.9].forEach((x, mask) => assert.ok(Math.abs(and[mask] - x) < 1e-12));
    assert.ok(Math.abs(objective - 2.7) < 1e-12);
    assert.deepEqual(or, new Float64Array(4));
    // a feasible pair is left as it is
    const feasible = new Float64Array(4);
    assert.equal(repairInPlace(v, 0.1, feasible, Float64Array.of(0, 0, 0, 0.95)), 0.95);
    assert.deepEqual(feasible, new Float64Array(4));
  });
});
