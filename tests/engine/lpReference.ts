/**
 * The full AND-OR LP built directly from its definition (method.md 3) and solved by HiGHS:
 * an independent reference for the `exact` solver in tests (small n only: the matrix is
 * dense, with 2^n rows and about 2^(n+2) columns).
 */
import loadHighs, { type Highs } from 'highs';
import { popcount } from '../../src/engine/subsets';

let runtime: Promise<Highs> | undefined;

interface Column {
  /** Term id as the solver numbers terms: mask (AND), mask + 2^n (OR); -1: the constant. */
  id: number;
  sign: number;
}

/** The full LP, one column per signed term part, rows |v(T) - fit(T)| <= kappa. */
function buildModel(highs: Highs, values: ArrayLike<number>, kappa: number) {
  const size = values.length;
  const starts = [0];
  const indices: number[] = [];
  const coefficients: number[] = [];
  const columns: Column[] = [];
  const lower: number[] = [];
  const addColumn = (atom: (t: number) => boolean, id: number, sign: number) => {
    for (let t = 0; t < size; t++) {
      if (atom(t)) {
        indices.push(t);
        coefficients.push(sign);
      }
    }
    starts.push(indices.length);
    columns.push({ id, sign });
    lower.push(id < 0 ? -Infinity : 0);
  };
  addColumn(() => true, -1, 1);
  for (let s = 1; s < size; s++) {
    for (const sign of [1, -1]) {
      addColumn(t => (s & t) === s, s, sign);
      if (popcount(s) >= 2) {
        addColumn(t => (s & t) !== 0, size + s, sign);
      }
    }
  }
  const model = highs.createModel({
    numCols: columns.length,
    numRows: size,
    colCost: columns.map(c => (c.id < 0 ? 0 : 1)),
    colLower: lower,
    colUpper: columns.map(() => Infinity),
    rowLower: Array.from(values, value => value - kappa),
    rowUpper: Array.from(values, value => value + kappa),
    matrix: {
      format: 'csc',
      numRows: size,
      numCols: columns.length,
      starts,
      indices,
      values: coefficients
    }
  });
  model.options.set({
    output_flag: false,
    primal_feasibility_tolerance: 1e-10,
    dual_feasibility_tolerance: 1e-10
  });
  return { model, columns };
}

function runToOptimum(highs: Highs, model: ReturnType<Highs['createModel']>): void {
  model.run();
  if (model.getModelStatus() !== highs.constants.modelStatus.optimal) {
    throw new Error(`HiGHS ended with status ${model.getModelStatus()}`);
  }
}

/** The LP optimum: min sum |and(S)| + |or(S)| s.t. |v(T) - fit(T)| <= kappa for all T. */
export async function referenceOptimum(values: ArrayLike<number>, kappa: number): Promise<number> {
  runtime ??= loadHighs();
  const highs = await runtime;
  const { model } = buildModel(highs, values, kappa);
  try {
    runToOptimum(highs, model);
    return model.getObjectiveValue();
  } finally {
    model.dispose();
  }
}

/**
 * The lexicographic optimum of method.md 3a by two LP solves, as any LP solver can do it:
 * first the optimum of sum |term|, then the least sum h(id) |term(id)| subject to
 * sum |term| <= that optimum. `tieBreak(id)` is h. Returns the dense terms (and[0]: the
 * constant) and the first stage's optimum.
 *
 * The second stage's bound gets no slack where HiGHS accepts that (a relative slack of 1e-10
 * already let it trade 1e-10 of the first objective for 1e-5 moves of single terms along
 * nearly optimal edges); where rounding makes it infeasible, the least slack that works.
 */
export async function referenceCanonical(
  values: ArrayLike<number>,
  kappa: number,
  tieBreak: (id: number) => number
): Promise<{ and: Float64Array; or: Float64Array; optimum: number }> {
  runtime ??= loadHighs();
  const highs = await runtime;
  const size = values.length;
  const { model, columns } = buildModel(highs, values, kappa);
  try {
    runToOptimum(highs, model);
    const optimum = model.getObjectiveValue();
    const parts = columns.flatMap((c, j) => (c.id < 0 ? [] : [j]));
    model.addRow(-Infinity, optimum, { indices: parts, values: parts.map(() => 1) });
    model.changeColsCost(
      { kind: 'range', from: 0, to: columns.length - 1 },
      columns.map(c => (c.id < 0 ? 0 : tieBreak(c.id)))
    );
    for (const slack of [1e-14, 1e-13, 1e-12, 1e-11]) {
      model.run();
      if (model.getModelStatus() !== highs.constants.modelStatus.infeasible) {
        break;
      }
      model.changeRowBounds(size, -Infinity, optimum * (1 + slack));
    }
    if (model.getModelStatus() !== highs.constants.modelStatus.optimal) {
      throw new Error(`HiGHS ended with status ${model.getModelStatus()}`);
    }
    const x = model.getSolution().colValue;
    const and = new Float64Array(size);
    const or = new Float64Array(size);
    columns.forEach((c, j) => {
      if (c.id < 0) {
        and[0] += x[j];
      } else {
        (c.id >= size ? or : and)[c.id & (size - 1)] += c.sign * x[j];
      }
    });
    return { and, or, optimum };
  } finally {
    model.dispose();
  }
}
