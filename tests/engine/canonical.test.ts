/**
 * method.md 3a and 8: `exact` returns the canonical optimum, the one an independent two-stage
 * LP (HiGHS: least sum |term|, then least sum h |term| among those) gives too, whatever path
 * the simplex takes to it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { solveExact, type ExactSolution } from '../../src/engine/solver/exact';
import { kappaOf } from '../../src/engine/solver/objective';
import { tieBreakCost } from '../../src/engine/solver/tieBreak';
import { SolverOptions } from '../../src/protocol/options';
import { referenceCanonical } from './lpReference';
import { mlpGame, plantedGame, seededRandom } from './solverGames';

// A generous time bound: these tests are about optima, and under mutation testing's
// instrumentation the default bound (5 s at n <= 10) cuts solves short.
const EXACT = SolverOptions.parse({ kind: 'exact', maxSeconds: 600 });
const TAU_FACTOR = 0.05;

const demoGames = (
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'demo_games_n10.json'), 'utf8')
  ) as { games: { sample: number; layer: string; values: number[] }[] }
).games;

function uniformGame(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: 1 << n }, () => 2 * random() - 1);
}

type Dense = { and: ArrayLike<number>; or: ArrayLike<number> };

function largest(terms: Dense): number {
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
async function assertOptimumOf(values: Float64Array, terms: Dense, variant: number): Promise<void> {
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

async function assertCanonical(values: Float64Array, solution: ExactSolution): Promise<void> {
  assert.ok(solution.stats.converged, 'the solve converged');
  await assertOptimumOf(values, solution, 0);
}

describe('exact: the canonical optimum against a two-stage LP (HiGHS)', () => {
  for (const n of [4, 6, 8]) {
    for (const seed of [1, 2]) {
      const games: [string, Float64Array][] = [
        ['planted', plantedGame(n, { andTerms: 3, orTerms: 2, noise: 0.02, seed }).values],
        ['mlp', mlpGame(n, 10 + seed)],
        ['uniform', uniformGame(n, seed)]
      ];
      for (const [name, values] of games) {
        it(`${name} game, n = ${n}, seed ${seed}`, async () => {
          await assertCanonical(values, solveExact(values, EXACT));
        });
      }
    }
  }

  for (const game of demoGames) {
    it(`the demo's game of sample ${game.sample} at ${game.layer}, n = 10`, async () => {
      const values = Float64Array.from(game.values);
      await assertCanonical(values, solveExact(values, EXACT));
    });
  }

  // The alternatives come from the canonical basis by the primal simplex over the optimal
  // face, or afresh where that path is long (the demo's sample 1 at dense_1 has one).
  const alternativeGames: [string, Float64Array][] = [
    ['mlp game, n = 7', mlpGame(7, 11)],
    ['uniform game, n = 6', uniformGame(6, 2)],
    ...demoGames
      .filter(game => game.sample === 1)
      .map((game): [string, Float64Array] => [
        `the demo's game of sample 1 at ${game.layer}`,
        Float64Array.from(game.values)
      ])
  ];
  for (const [name, values] of alternativeGames) {
    it(`${name}: the ${EXACT.alternatives} alternative optima are those of the other hashes`, async () => {
      const solution = solveExact(values, EXACT);
      assert.equal(solution.alternatives?.length, EXACT.alternatives);
      for (const [j, terms] of solution.alternatives!.entries()) {
        await assertOptimumOf(values, terms, j + 1);
      }
    });
  }

  it('stops at its time bound with a certified gap and no alternatives', () => {
    const values = uniformGame(10, 5);
    const started = performance.now();
    const stopped = solveExact(values, { ...EXACT, maxSeconds: 0.05 });
    assert.ok(performance.now() - started < 2000, 'the bound is kept');
    assert.equal(stopped.stats.converged, false);
    assert.ok(stopped.report.gap! > 0);
    assert.ok(stopped.stats.lowerBound <= stopped.report.objective);
    assert.deepEqual(stopped.alternatives, []);
  });

  it('keeps the canonical optimum but no alternatives when the bound ends among them', t => {
    // A clock that ticks once per reading makes the bound land at a chosen point of the
    // (deterministic) path: after the canonical solve, halfway through its alternatives.
    let ticks = 0;
    t.mock.method(performance, 'now', () => ticks++);
    const values = mlpGame(7, 3);
    const canonicalOnly = solveExact(values, { ...EXACT, alternatives: 0, maxSeconds: 600 });
    const canonicalTicks = ticks;
    ticks = 0;
    const full = solveExact(values, { ...EXACT, maxSeconds: 600 });
    const fullTicks = ticks;
    assert.equal(full.alternatives?.length, EXACT.alternatives);
    assert.ok(fullTicks > canonicalTicks + 20, `${canonicalTicks} then ${fullTicks} readings`);
    ticks = 0;
    const cut = solveExact(values, {
      ...EXACT,
      maxSeconds: (canonicalTicks + fullTicks) / 2 / 1000
    });
    assert.equal(cut.stats.converged, true);
    assert.deepEqual(cut.alternatives, [], 'none, rather than some of them');
    for (const kind of ['and', 'or'] as const) {
      assert.deepEqual(Array.from(cut[kind]), Array.from(full[kind]));
      assert.deepEqual(Array.from(cut[kind]), Array.from(canonicalOnly[kind]));
    }
  });

  it('reaches the same optimum from another start (warm from a different problem)', () => {
    const values = mlpGame(7, 3);
    const cold = solveExact(values, EXACT);
    const other = solveExact(mlpGame(7, 4), EXACT);
    const warm = solveExact(values, EXACT, other.basis);
    assert.ok(warm.stats.warm, 'the warm start was taken');
    const scale = largest(cold);
    for (let mask = 1; mask < values.length; mask++) {
      for (const kind of ['and', 'or'] as const) {
        assert.ok(Math.abs(cold[kind][mask] - warm[kind][mask]) <= 1e-9 * scale);
      }
    }
  });

  it('picks one of several optima by the hash: another variant picks another', () => {
    // a x_0 + a x_1 = a (x_0 and x_1) + a (x_0 or x_1): two explanations of equal cost
    const values = Float64Array.from({ length: 4 }, (_, mask) => (mask & 1) + ((mask >> 1) & 1));
    const settings = { ...EXACT, kappaFactor: 0 };
    const byVariant = [0, 1, 2, 3].map(variant => solveExact(values, settings, undefined, variant));
    for (const solution of byVariant) {
      assert.ok(Math.abs(solution.report.objective - 2) < 1e-12);
    }
    // variant j prefers the pair whose hashes sum lower, computed here from the hash alone
    const h = (id: number, variant: number) => tieBreakCost(id, variant);
    byVariant.forEach((solution, variant) => {
      const orderOne = h(1, variant) + h(2, variant);
      const andOr = h(3, variant) + h(4 + 3, variant);
      const expected = orderOne < andOr ? [1, 1, 0, 0] : [0, 0, 1, 1];
      assert.deepEqual(
        [solution.and[1], solution.and[2], solution.and[3], solution.or[3]].map(
          x => Math.round(x * 1e9) / 1e9
        ),
        expected
      );
    });
  });
});
