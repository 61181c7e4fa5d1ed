/**
 * The AND-OR decomposition of a vector of 2^n masked outputs (method.md 3): dispatches to
 * the solvers and holds the conventions every solver shares.
 */
import type { SolveReport } from '../protocol/result';
import type { SolverOptions } from '../protocol/options';
import { solveExact } from './solver/exact';
import { solveLabSgd } from './solver/labSgd';
import { harsanyiOnly } from './solver/objective';

export { harsanyiOnly, kappaOf, objectiveOf } from './solver/objective';

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

export async function solveAndOr(
  values: ArrayLike<number>,
  options: SolverOptions
): Promise<AndOrSolution> {
  switch (options.kind) {
    case 'none':
      return harsanyiOnly(values);
    case 'lab-sgd':
      return solveLabSgd(values, options);
    case 'exact':
      return solveExact(values, options);
  }
}

/** Many (sample, layer) problems with one solver, in order. */
export async function solveAndOrBatch(
  problems: ArrayLike<number>[],
  options: SolverOptions
): Promise<AndOrSolution[]> {
  const solutions: AndOrSolution[] = [];
  for (const values of problems) {
    solutions.push(await solveAndOr(values, options));
  }
  return solutions;
}
