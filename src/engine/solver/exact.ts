/**
 * `exact`: the AND-OR split as the linear programme it is (method.md 3), solved to its
 * optimum, with a certified optimality gap.
 *
 * Primal (v normalised): minimise sum_{S != {}} |and(S)| + |or(S)| subject to
 * |v(T) - fit(T)| <= kappa for every T. Dual: maximise v.y - kappa |y|_1 subject to
 * sum_T y(T) = 0, |sum_{T superset of S} y(T)| <= 1 and |sum_{T meets S} y(T)| <= 1.
 * The parametric dual simplex (./dualSimplex.ts) finds an optimal basis; the reported gap
 * does not rest on its tolerances: the lower bound is the dual objective of its y scaled into
 * the dual feasible set, the upper bound the objective of its primal point repaired to exact
 * feasibility (./certificate.ts).
 */
import { dualBound, repairInPlace } from './certificate';
import { dualSimplex } from './dualSimplex';
import { reconstructInto } from './kernels';
import type { AndOrSolution } from '../andOr';
import { harsanyiOnly, kappaOf, objectiveOf } from './objective';

export interface ExactSettings {
  kappaFactor: number;
  /** Relative gap, (upper - lower bound) / upper bound, at which a solve counts as converged. */
  tolerance: number;
  /**
   * Bounds the work: at most maxRounds * 2^n pivots. Each pivot is one round of row
   * checking and column pricing over all 2^n rows and 2^(n+1) columns.
   */
  maxRounds: number;
  /** Overrides maxRounds with a pivot count. */
  maxPivots?: number;
}

export interface ExactStats {
  pivots: number;
  /** Terms (the constant included) in the final basis. */
  basisSize: number;
  lowerBound: number;
  upperBound: number;
  /** Whether the certified relative gap is within the tolerance. */
  converged: boolean;
}

export interface ExactSolution extends AndOrSolution {
  stats: ExactStats;
}

function finish(
  original: Float64Array,
  and: Float64Array,
  or: Float64Array,
  kappa: number,
  lower: number,
  pivots: number,
  basisSize: number,
  tolerance: number,
  started: number
): ExactSolution {
  const size = original.length;
  const fit = new Float64Array(size);
  reconstructInto(and, or, fit, new Float64Array(size));
  const objective = objectiveOf(and, or);
  const gap = Math.max(0, objective - lower);
  return {
    and,
    or,
    delta: original.map((value, mask) => value - fit[mask]),
    report: {
      solver: 'exact',
      kappa,
      objective,
      gap,
      iterations: pivots,
      seconds: (performance.now() - started) / 1000
    },
    stats: {
      pivots,
      basisSize,
      lowerBound: lower,
      upperBound: objective,
      converged: gap <= tolerance * objective
    }
  };
}

export function solveExact(values: ArrayLike<number>, settings: ExactSettings): ExactSolution {
  const started = performance.now();
  const original = Float64Array.from(values);
  const size = original.length;
  if (size < 2 || !Number.isInteger(Math.log2(size))) {
    throw new RangeError(`expected a vector of length 2^n (n >= 1), got ${size}`);
  }
  if (!original.every(Number.isFinite)) {
    throw new RangeError('the masked outputs contain NaN or infinite values');
  }
  const kappa = kappaOf(original, settings.kappaFactor);
  const offset = original[0];
  let scale = 0;
  for (let mask = 0; mask < size; mask++) {
    scale = Math.max(scale, Math.abs(original[mask] - offset));
  }
  if (scale === 0) {
    const and = new Float64Array(size);
    and[0] = offset;
    return finish(original, and, new Float64Array(size), kappa, 0, 0, 1, 0, started);
  }
  // Work on (v - v({})) / scale so the solver's absolute tolerances mean the same for any v.
  const v = original.map(value => (value - offset) / scale);
  const kappaScaled = kappa / scale;
  const result = dualSimplex(v, kappaScaled, settings.maxPivots ?? settings.maxRounds * size);
  const lower = scale * dualBound(v, kappaScaled, result.y);
  repairInPlace(v, kappaScaled, result.and, result.or);
  let and: Float64Array = result.and.map(value => scale * value);
  let or: Float64Array = result.or.map(value => scale * value);
  and[0] += offset;
  // Far from converged the repaired point can cost more than the plain Harsanyi transform,
  // which is always feasible.
  const harsanyi = harsanyiOnly(original);
  if (harsanyi.report.objective < objectiveOf(and, or)) {
    and = harsanyi.and;
    or = harsanyi.or;
  }
  return finish(
    original,
    and,
    or,
    kappa,
    lower,
    result.pivots,
    result.basisSize,
    settings.tolerance,
    started
  );
}
