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
import { dualSimplex, type StartBasis } from './dualSimplex';
import { reconstructInto } from './kernels';
import type { AndOrSolution, DenseTerms } from '../andOr';
import { checkValues, harsanyiOnly, kappaOf, objectiveOf, type KappaReference } from './objective';
import { tieBreakCosts } from './tieBreak';

/**
 * The work bound's floor. Small games are cheap per pivot, and dense ones need far more
 * pivots per subset than the trained networks' games (random games at n = 9: up to 21 * 2^n;
 * the demo's at n = 10-12: at most 5.4 * 2^n), so below n = 13 the floor decides.
 */
const MIN_PIVOTS = 50_000;

/**
 * The time bound where the options set none: 20 s at n = 12, scaled by 2^(n - 12) (a pivot's
 * cost grows about 2x per variable), at least 10 s. The floor is for reproducible results:
 * the demo's slowest problem at n = 10 (its collapsed-bound one) reaches the optimum in about
 * 4.7 s alone on a core, and with a floor of 5 s it stopped short (1% certified gap) or not
 * depending on the machine's load (bench/RESULTS.md). At n = 12 it is the one problem of 210
 * that reaches the bound.
 */
export function defaultMaxSeconds(n: number): number {
  return Math.max(10, 20 * 2 ** (n - 12));
}

/** The work bound: maxPivots where set, else max(maxRounds * 2^n, MIN_PIVOTS) pivots. */
export function maxPivotsOf(
  settings: Pick<ExactSettings, 'maxRounds' | 'maxPivots'>,
  size: number
): number {
  return settings.maxPivots ?? Math.max(settings.maxRounds * size, MIN_PIVOTS);
}

export interface ExactSettings {
  kappaFactor: number;
  kappaReference: KappaReference;
  /** Relative gap, (upper - lower bound) / upper bound, at which a solve counts as converged. */
  tolerance: number;
  /**
   * Bounds the work: at most max(maxRounds * 2^n, MIN_PIVOTS) pivots. Each pivot is one
   * round of row checking and column pricing over all 2^n rows and 2^(n+1) columns.
   */
  maxRounds: number;
  /** Overrides maxRounds with a pivot count. */
  maxPivots?: number;
  /** Bounds the work by time too: the solve stops after this many seconds (default below). */
  maxSeconds?: number;
  /** mix-hash: the canonical optimum (method.md 3a); none: the pivoting rule's vertex. */
  tieBreak: 'mix-hash' | 'none';
  /** mix-hash: also the optima of this many other hashes (variants 1..alternatives). */
  alternatives: number;
}

export interface ExactStats {
  pivots: number;
  /** Terms (the constant included) in the final basis. */
  basisSize: number;
  /** Whether the solve started from the given warm basis. */
  warm: boolean;
  lowerBound: number;
  upperBound: number;
  /** Whether the certified relative gap is within the tolerance. */
  converged: boolean;
  /** Pivots of the alternative optima: the primal re-solves, and any solved afresh. */
  alternativePivots: number;
  /** Alternative optima the re-solve did not reach, solved afresh instead. */
  alternativesSolvedAfresh: number;
}

export interface ExactSolution extends AndOrSolution {
  stats: ExactStats;
  /**
   * The final basis and the problem (in the caller's units) it is optimal for: a warm start
   * for a related problem, such as the same sample at the next layer or under input noise.
   */
  basis?: StartBasis;
}

function finish(
  original: Float64Array,
  and: Float64Array,
  or: Float64Array,
  kappa: number,
  lowerBound: number,
  tolerance: number,
  started: number,
  run: {
    pivots: number;
    warm: boolean;
    basis?: StartBasis;
    alternatives?: DenseTerms[];
    alternativePivots?: number;
    alternativesSolvedAfresh?: number;
  }
): ExactSolution {
  const size = original.length;
  const fit = new Float64Array(size);
  reconstructInto(and, or, fit, new Float64Array(size));
  const objective = objectiveOf(and, or);
  const gap = Math.max(0, objective - lowerBound);
  return {
    and,
    or,
    delta: original.map((value, mask) => value - fit[mask]),
    report: {
      solver: 'exact',
      kappa,
      objective,
      gap,
      iterations: run.pivots,
      seconds: (performance.now() - started) / 1000
    },
    stats: {
      pivots: run.pivots,
      basisSize: run.basis?.terms.length ?? 1,
      warm: run.warm,
      lowerBound,
      upperBound: objective,
      converged: gap <= tolerance * objective,
      alternativePivots: run.alternativePivots ?? 0,
      alternativesSolvedAfresh: run.alternativesSolvedAfresh ?? 0
    },
    basis: run.basis,
    alternatives: run.alternatives
  };
}

/**
 * Solves one problem; `warm`: the basis of a related solve with the same tie-break variant
 * (see ExactSolution.basis); `variant`: the tie-break hash (0: the canonical optimum).
 */
export function solveExact(
  values: ArrayLike<number>,
  settings: ExactSettings,
  warm?: StartBasis,
  variant = 0
): ExactSolution {
  const started = performance.now();
  const original = Float64Array.from(values);
  checkValues(original);
  const size = original.length;
  const kappa = kappaOf(original, settings.kappaFactor, settings.kappaReference);
  const offset = original[0];
  let scale = 0;
  for (let mask = 0; mask < size; mask++) {
    scale = Math.max(scale, Math.abs(original[mask] - offset));
  }
  const hashed = settings.tieBreak === 'mix-hash';
  const alternativeCount = hashed && variant === 0 ? settings.alternatives : 0;
  if (scale === 0) {
    // A constant game's only optimum is its constant, so every tie-break hash reaches it.
    const constant = () => {
      const and = new Float64Array(size);
      and[0] = offset;
      return { and, or: new Float64Array(size) };
    };
    const { and, or } = constant();
    return finish(original, and, or, kappa, 0, 0, started, {
      pivots: 0,
      warm: false,
      alternatives: Array.from({ length: alternativeCount }, constant)
    });
  }
  // Work on (v - v({})) / scale so the solver's absolute tolerances mean the same for any v.
  const normalise = (x: ArrayLike<number>) =>
    Float64Array.from(x, value => (value - offset) / scale);
  const v = normalise(original);
  const kappaScaled = kappa / scale;
  const start =
    warm && warm.values.length === size
      ? { ...warm, values: normalise(warm.values), kappa: warm.kappa / scale }
      : undefined;
  const secondCost = hashed ? tieBreakCosts(size, variant) : new Float64Array(2 * size);
  const alternativeCosts = Array.from({ length: alternativeCount }, (_, j) =>
    tieBreakCosts(size, j + 1)
  );
  // the time bound covers the alternatives too
  const deadline = started + 1000 * (settings.maxSeconds ?? defaultMaxSeconds(Math.log2(size)));
  const result = dualSimplex(
    v,
    kappaScaled,
    secondCost,
    {
      maxPivots: maxPivotsOf(settings, size),
      deadline
    },
    start,
    alternativeCosts
  );
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
  const basis = {
    ...result.basis,
    values: result.basis.values.map(value => scale * value + offset),
    kappa: scale * result.basis.kappa
  };
  // The alternatives only mean something next to an optimum, and all of them together: none
  // for a solve cut short, nor where one of them was (the time bound left no room for it).
  let alternativePivots = 0;
  let alternativesSolvedAfresh = 0;
  let alternatives: DenseTerms[] = [];
  if (result.reached) {
    for (const [j, reached] of result.alternatives.entries()) {
      if (reached) {
        alternativePivots += reached.pivots;
        const terms = { and: reached.and.map(x => scale * x), or: reached.or.map(x => scale * x) };
        terms.and[0] += offset;
        alternatives.push(terms);
        continue;
      }
      const seconds = (deadline - performance.now()) / 1000;
      const afresh =
        seconds > 0
          ? solveExact(
              original,
              { ...settings, alternatives: 0, maxSeconds: seconds },
              undefined,
              j + 1
            )
          : null;
      if (!afresh?.stats.converged) {
        alternatives = [];
        break;
      }
      alternativePivots += afresh.stats.pivots;
      alternativesSolvedAfresh++;
      alternatives.push({ and: afresh.and, or: afresh.or });
    }
  }
  return finish(original, and, or, kappa, lower, settings.tolerance, started, {
    pivots: result.pivots,
    warm: result.warm,
    basis,
    alternatives,
    alternativePivots,
    alternativesSolvedAfresh
  });
}
