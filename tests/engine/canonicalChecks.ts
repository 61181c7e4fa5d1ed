/**
 * Checks that a solution is the canonical optimum (method.md 3a) of tie-break variant j: the
 * one an independent two-stage LP (HiGHS: least sum |term|, then least sum h |term| among
 * those) gives.
 */
import assert from 'node:assert/strict';
import type { ExactSolution } from '../../src/engine/solver/exact';
import { kappaOf } from '../../src/engine/solver/objective';
import { tieBreakCost } from '../../src/engine/solver/tieBreak';
import { SolverOptions } from '../../src/protocol/options';
import { referenceCanonical } from './lpReference';
import { bruteForceFit } from './solverGames';

// A generous time bound: these tests are about optima, and under mutation testing's
// instrumentation the default bound (10 s at n <= 11) cuts solves short.
export const EXACT = SolverOptions.parse({ kind: 'exact', maxSeconds: 600 });
const TAU_FACTOR = 0.05;

type Dense = { and: ArrayLike<number>; or: ArrayLike<number> };

export function largest(terms: Dense): number {
  let max = 0;
  for (let mask = 1; mask < terms.and.length; mask++) {
    max = Math.max(max, Math.abs(terms.and[mask]), Math.abs(terms.or[mask]));
  }
  return max;
}

/** The salient terms (method.md 4) as 'and 5', 'or 12', ... */
function salientSet(terms: Dense): Set<string> {
  const tau = TAU_FACTOR * largest(terms);
  const set = new Set<string>();
  for (let mask = 1; mask < terms.and.length; mask++) {
    for (const kind of ['and', 'or'] as const) {
      if (Math.abs(terms[kind][mask]) > tau) {
        set.add(`${kind} ${mask}`);
      }
    }
  }
  return set;
}

/** `terms` is the optimum of tie-break variant `variant`, by the two-stage LP. */
export async function assertOptimumOf(
  values: Float64Array,
  terms: Dense,
  variant: number
): Promise<void> {
  const reference = await referenceCanonical(values, kappaOf(values, EXACT.kappaFactor), id =>
    tieBreakCost(id, variant)
  );
  assert.deepEqual(salientSet(terms), salientSet(reference));
  const scale = largest(reference);
  for (let mask = 1; mask < values.length; mask++) {
    for (const kind of ['and', 'or'] as const) {
      const difference = Math.abs(terms[kind][mask] - reference[kind][mask]);
      assert.ok(
        difference <= 1e-6 * scale,
        `variant ${variant}, ${kind} term ${mask}: ${terms[kind][mask]} vs ${reference[kind][mask]}`
      );
    }
  }
}

export async function assertCanonical(
  values: Float64Array,
  solution: ExactSolution
): Promise<void> {
  assert.ok(solution.stats.converged, 'the solve converged');
  await assertOptimumOf(values, solution, 0);
}

/**
 * The K alternatives are the optima of tie-break variants 1..K, in order, and each explains v
 * within kappa on every row, the empty one included (by enumeration, so the constant counts).
 */
export async function assertAlternatives(
  values: Float64Array,
  solution: ExactSolution
): Promise<void> {
  assert.equal(solution.alternatives?.length, EXACT.alternatives);
  const kappa = kappaOf(values, EXACT.kappaFactor);
  for (const [j, terms] of solution.alternatives!.entries()) {
    await assertOptimumOf(values, terms, j + 1);
    for (let row = 0; row < values.length; row++) {
      assert.ok(
        Math.abs(values[row] - bruteForceFit(terms, row)) <= kappa * (1 + 1e-9),
        `alternative ${j + 1}, row ${row}`
      );
    }
  }
}
