/** The conventions every AND-OR solver shares (method.md 3): kappa, the objective, Harsanyi. */
import type { AndOrSolution } from '../andOr';
import { moebius } from '../moebius';

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
