/** The conventions every AND-OR solver shares (method.md 3): kappa, the objective, Harsanyi. */
import type { AndOrSolution } from '../andOr';
import { moebius } from '../moebius';

/** Refuses what no solver can decompose: a length other than 2^n, NaN or infinite values. */
export function checkValues(values: ArrayLike<number>): void {
  const size = values.length;
  if (size < 2 || !Number.isInteger(Math.log2(size))) {
    throw new RangeError(`expected a vector of length 2^n (n >= 1), got ${size}`);
  }
  for (let mask = 0; mask < size; mask++) {
    if (!Number.isFinite(values[mask])) {
      throw new RangeError('the masked outputs contain NaN or infinite values');
    }
  }
}

/** kappa = kappaFactor * |v(x_N) - v(x_{})|. */
export function kappaOf(values: ArrayLike<number>, kappaFactor: number): number {
  return kappaFactor * Math.abs(values[values.length - 1] - values[0]);
}

/** sum over S != {} of |and(S)| + |or(S)|. */
export function objectiveOf(and: ArrayLike<number>, or: ArrayLike<number>): number {
  let total = 0;
  for (let mask = 1; mask < and.length; mask++) {
    total += Math.abs(and[mask]) + Math.abs(or[mask]);
  }
  return total;
}

/** The plain Harsanyi transform: every output is explained by AND terms, delta = 0. */
export function harsanyiOnly(values: ArrayLike<number>): AndOrSolution {
  const started = performance.now();
  const and = moebius(values);
  const or = new Float64Array(values.length);
  return {
    and,
    or,
    delta: new Float64Array(values.length),
    report: {
      solver: 'none',
      kappa: 0,
      objective: objectiveOf(and, or),
      gap: null,
      iterations: 0,
      seconds: (performance.now() - started) / 1000
    }
  };
}
