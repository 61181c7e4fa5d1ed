/**
 * method.md 3a and 8: `exact` returns the canonical optimum, the one an independent two-stage
 * LP gives too, whatever path the simplex takes to it. Small games, quick enough for mutation
 * testing (stryker.solver.config.mjs); the demo's own games are in canonicalDemoGames.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { solveExact } from '../../src/engine/solver/exact';
import { tieBreakCost } from '../../src/engine/solver/tieBreak';
import { EXACT, assertAlternatives, assertCanonical, largest } from './canonicalChecks';
import { mlpGame, plantedGame, uniformGame } from './solverGames';

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

  // The alternatives come from the canonical basis by the primal simplex over the optimal
  // face, or afresh where that path is long: in the last two games (found by a scan of
  // seeds), for 1 and for all 4 of them.
  for (const [name, values, afresh] of [
    ['mlp game, n = 7', mlpGame(7, 11), 0],
    ['uniform game, n = 6', uniformGame(6, 2), 0],
    ['mlp game, n = 6, seed 7', mlpGame(6, 7), 1],
    ['mlp game, n = 6, seed 9', mlpGame(6, 9), 4]
  ] as const) {
    it(`${name}: the ${EXACT.alternatives} alternative optima are those of the other hashes`, async () => {
      const solution = solveExact(values, EXACT);
      await assertAlternatives(values, solution);
      assert.equal(solution.stats.alternativesSolvedAfresh, afresh);
      assert.ok(solution.stats.alternativePivots > 0);
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

  it('keeps no alternatives when the bound ends among those solved afresh', t => {
    let ticks = 0;
    t.mock.method(performance, 'now', () => ticks++);
    const values = mlpGame(6, 9);
    solveExact(values, { ...EXACT, alternatives: 0 });
    const canonicalTicks = ticks;
    ticks = 0;
    const full = solveExact(values, EXACT);
    const fullTicks = ticks;
    assert.equal(full.stats.alternativesSolvedAfresh, 4);
    ticks = 0;
    const cut = solveExact(values, {
      ...EXACT,
      maxSeconds: (canonicalTicks + fullTicks) / 2 / 1000
    });
    assert.equal(cut.stats.converged, true);
    assert.deepEqual(cut.alternatives, []);
    assert.deepEqual(Array.from(cut.and), Array.from(full.and));
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
