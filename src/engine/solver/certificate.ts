/**
 * Certified bounds on the AND-OR LP optimum (method.md 3) from any candidate pair, so the
 * `exact` solver's reported gap does not rest on the solver's own tolerances.
 */
import { moebiusInPlace, reconstructInto, supersetSumInPlace, zetaInPlace } from './kernels';
import { objectiveOf } from './objective';

/**
 * A lower bound on the optimum from any row weights y: y is made to sum to zero through
 * y({}) (row {} enters no dual constraint but that one), then scaled into the dual
 * feasible set |sum_{T superset of S} y(T)| <= 1 (S != {}), |sum_{T meets S} y(T)| <= 1
 * (|S| >= 2); the bound is v.y - kappa |y|_1 of the scaled y.
 */
export function dualBound(v: Float64Array, kappa: number, weights: Float64Array): number {
  const full = v.length - 1;
  const y = Float64Array.from(weights);
  let total = 0;
  for (let mask = 0; mask <= full; mask++) {
    total += y[mask];
  }
  y[0] -= total;
  const supersets = y.slice();
  supersetSumInPlace(supersets);
  const subsets = y.slice();
  zetaInPlace(subsets);
  let worst = 1;
  let value = 0;
  let mass = 0;
  for (let mask = 0; mask <= full; mask++) {
    value += v[mask] * y[mask];
    mass += Math.abs(y[mask]);
    if (mask !== 0) {
      worst = Math.max(worst, Math.abs(supersets[mask]));
      if ((mask & (mask - 1)) !== 0) {
        // sum_{T meets S} y(T) = sum_T y(T) - sum_{T subset of N\S} y(T)
        worst = Math.max(worst, Math.abs(subsets[full] - subsets[full ^ mask]));
      }
    }
  }
  return (value - kappa * mass) / worst;
}

/**
 * Makes (and, or) feasible in place: where a row's residual exceeds kappa the excess becomes
 * extra AND terms (its Harsanyi transform). Returns the objective of the repaired pair, an
 * upper bound on the optimum.
 */
export function repairInPlace(
  v: Float64Array,
  kappa: number,
  and: Float64Array,
  or: Float64Array
): number {
  const size = v.length;
  const fit = new Float64Array(size);
  const excess = new Float64Array(size);
  reconstructInto(and, or, fit, excess);
  excess.fill(0);
  let violated = false;
  for (let mask = 0; mask < size; mask++) {
    const residual = v[mask] - fit[mask];
    const over = Math.abs(residual) - kappa;
    if (over > 0) {
      excess[mask] = Math.sign(residual) * over;
      violated = true;
    }
  }
  if (violated) {
    moebiusInPlace(excess);
    for (let mask = 0; mask < size; mask++) {
      and[mask] += excess[mask];
    }
  }
  return objectiveOf(and, or);
}
