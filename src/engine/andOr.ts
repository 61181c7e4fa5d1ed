/**
 * The AND-OR decomposition of a vector of 2^n masked outputs (method.md 3): dispatches to
 * the solvers and holds the conventions every solver shares.
 */
import type { SolveReport } from '../protocol/result';
import type { SolverOptions } from '../protocol/options';
import type { StartBasis } from './solver/dualSimplex';
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
/** AND and OR terms dense by subset mask; and[0] is the constant. */
export interface DenseTerms {
  and: Float64Array;
  or: Float64Array;
}

export interface AndOrSolution extends DenseTerms {
  delta: Float64Array;
  report: SolveReport;
  /**
   * `exact` only: the final LP basis and the problem it is optimal for. Passed as `warm` to
   * a related problem it starts the solve there: for the same sample and layer under small
   * input noise (the stability analysis) it saved 10-25x of the pivots and about 5x of the
   * time in bench/solvers.ts; for neighbouring layers it cost more than a cold start (random
   * networks, and the demo's trained MLP: 1.0-2.6x the cold pivots), so analyze() does not
   * chain layers.
   */
  basis?: StartBasis;
  /**
   * `exact` with a tie-break hash: the optima of the other hashes (method.md 3a), as many as
   * the options ask for; empty where the solve stopped before its optimum.
   */
  alternatives?: DenseTerms[];
}

/** What a warm start needs of a related solution (only its basis crosses thread boundaries). */
export type WarmStart = Pick<AndOrSolution, 'basis'>;

export async function solveAndOr(
  values: ArrayLike<number>,
  options: SolverOptions,
  warm?: WarmStart
): Promise<AndOrSolution> {
  switch (options.kind) {
    case 'none':
      return harsanyiOnly(values);
    case 'lab-sgd':
      return solveLabSgd(values, options);
    case 'exact':
      return solveExact(values, options, warm?.basis);
  }
}

/** What solves many problems at once: solveAndOrBatch, or one that runs it elsewhere. */
export type BatchSolver = (
  problems: ArrayLike<number>[],
  options: SolverOptions,
  warm?: readonly (WarmStart | undefined)[]
) => Promise<AndOrSolution[]>;

/**
 * Many (sample, layer) problems with one solver, in order; warm[i], if given, is the
 * solution of a problem related to problems[i] (see AndOrSolution.basis).
 */
export async function solveAndOrBatch(
  problems: ArrayLike<number>[],
  options: SolverOptions,
  warm?: readonly (WarmStart | undefined)[]
): Promise<AndOrSolution[]> {
  const solutions: AndOrSolution[] = [];
  for (let i = 0; i < problems.length; i++) {
    solutions.push(await solveAndOr(problems[i], options, warm?.[i]));
  }
  return solutions;
}
