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

export type KappaReference = 'endpoints' | 'range';

/** kappa = kappaFactor * |v(x_N) - v(x_{})| (endpoints), or * (max v - min v) (range). */
export function kappaOf(
  values: ArrayLike<number>,
  kappaFactor: number,
  reference: KappaReference = 'endpoints'
): number {
  return kappaFactor * referenceSpan(values, reference);
}

function referenceSpan(values: ArrayLike<number>, reference: KappaReference): number {
  if (reference === 'endpoints') {
    return Math.abs(values[values.length - 1] - values[0]);
  }
  let max = -Infinity;
  let min = Infinity;
  for (let mask = 0; mask < values.length; mask++) {
    max = Math.max(max, values[mask]);
    min = Math.min(min, values[mask]);
  }
  return max - min;
}

/**
 * Below this share of the game's range, |v(x_N) - v(x_{})| makes the paper's kappa collapse:
 * the noise can absorb almost nothing, the optimum needs thousands of terms and the solve
 * runs to its bound (method.md 3a; measured on tabular games: 4 of 8 samples under 6%).
 */
export const DEGENERATE_KAPPA_SHARE = 0.1;

/**
 * Whether the game's kappa reference is degenerate (see DEGENERATE_KAPPA_SHARE): the
 * endpoints' gap and the range, for a warning that names them; null when it is not.
 */
export function degenerateKappa(
  values: ArrayLike<number>,
  reference: KappaReference
): { endpoints: number; range: number } | null {
  const endpoints = referenceSpan(values, 'endpoints');
  const range = referenceSpan(values, 'range');
  return reference === 'endpoints' && range > 0 && endpoints < DEGENERATE_KAPPA_SHARE * range
    ? { endpoints, range }
    : null;
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
