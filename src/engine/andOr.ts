/**
 * The AND-OR decomposition of a vector of 2^n masked outputs (method.md 3): dispatches to
 * the solvers and holds the conventions every solver shares.
 */
import type { SolveReport } from '../protocol/result';
import type { SolverOptions } from '../protocol/options';
import { moebius } from './moebius';

/**
 * Dense interactions, indexed by subset mask. `and[0]` holds the constant term
 * v(x_{}) - delta_{} (I_or({}) folded in); `or` is zero below order 2 (order-1 OR terms are
 * merged into AND). Reconstruction, for every T:
 *   v(x_T) - delta_T = sum_{S subset of T} and(S) + sum_{S meets T} or(S).
 */
export interface AndOrSolution {
  and: Float64Array;
  or: Float64Array;
  delta: Float64Array;
  report: SolveReport;
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

export async function solveAndOr(
  values: ArrayLike<number>,
  options: SolverOptions
): Promise<AndOrSolution> {
  switch (options.kind) {
    case 'none':
      return harsanyiOnly(values);
    default:
      throw new Error(`solver '${options.kind}' is not implemented yet`);
  }
}
