/**
 * The full AND-OR LP built directly from its definition (method.md 3) and solved by HiGHS:
 * an independent reference for the `exact` solver in tests (small n only: the matrix is
 * dense, with 2^n rows and about 2^(n+2) columns).
 */
import loadHighs, { type Highs } from 'highs';
import { popcount } from '../../src/engine/subsets';

let runtime: Promise<Highs> | undefined;

/** The LP optimum: min sum |and(S)| + |or(S)| s.t. |v(T) - fit(T)| <= kappa for all T. */
export async function referenceOptimum(values: ArrayLike<number>, kappa: number): Promise<number> {
  runtime ??= loadHighs();
  const highs = await runtime;
  const size = values.length;
  const starts = [0];
  const indices: number[] = [];
  const coefficients: number[] = [];
  const cost: number[] = [];
  const lower: number[] = [];
  const addColumn = (atom: (t: number) => boolean, sign: number, price: number, free: boolean) => {
    for (let t = 0; t < size; t++) {
      if (atom(t)) {
        indices.push(t);
        coefficients.push(sign);
      }
    }
    starts.push(indices.length);
    cost.push(price);
    lower.push(free ? -Infinity : 0);
  };
  addColumn(() => true, 1, 0, true);
  for (let s = 1; s < size; s++) {
    for (const sign of [1, -1]) {
      addColumn(t => (s & t) === s, sign, 1, false);
      if (popcount(s) >= 2) {
        addColumn(t => (s & t) !== 0, sign, 1, false);
      }
    }
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
    if (model.getModelStatus() !== highs.constants.modelStatus.optimal) {
      throw new Error(`HiGHS ended with status ${model.getModelStatus()}`);
    }
    return model.getObjectiveValue();
  } finally {
    model.dispose();
  }
}
