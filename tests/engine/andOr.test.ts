import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  kappaOf,
  objectiveOf,
  solveAndOr,
  solveAndOrBatch,
  type AndOrSolution
} from '../../src/engine/andOr';
import { solveExact } from '../../src/engine/solver/exact';
import { popcount } from '../../src/engine/subsets';
import { SolverOptions, type SolverKind } from '../../src/protocol/options';
import { referenceOptimum } from './lpReference';
import { bruteForceFit, mlpGame, mlpLayerGames, plantedGame, uniformGame } from './solverGames';

const EXACT = SolverOptions.parse({ kind: 'exact' });
/** For tests of the optimum itself: instrumented code (npm run mutation) overruns the default bound. */
const EXACT_UNBOUNDED = { ...EXACT, maxSeconds: 600 };
/** Fewer steps than the recipe's 20,000 keep the suite fast; the checks hold for any count. */
const LAB_SGD = SolverOptions.parse({ kind: 'lab-sgd', steps: 3000 });

/** The games every check runs on: planted sparse, a random MLP's outputs, pure noise. */
function games(n: number): [string, Float64Array][] {
  return [
    ['planted', plantedGame(n, { andTerms: 3, orTerms: 2, noise: 0.02, seed: n }).values],
    ['mlp', mlpGame(n, 10 + n)],
    ['uniform', uniformGame(n, 20 + n)]
  ];
}

function factorial(m: number): number {
  return m <= 1 ? 1 : m * factorial(m - 1);
}

/** Shapley values of a game by enumeration of the coalitions. */
function shapleyByEnumeration(game: (mask: number) => number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let value = 0;
    for (let t = 0; t < 1 << n; t++) {
      if (!((t >> i) & 1)) {
        const size = popcount(t);
        const weight = (factorial(size) * factorial(n - size - 1)) / factorial(n);
        value += weight * (game(t | (1 << i)) - game(t));
      }
    }
    return value;
  });
}

/** phi(i) = sum_{S contains i} (and(S) + or(S)) / |S|. */
function shapleyFromInteractions(solution: AndOrSolution, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let value = 0;
    for (let s = 1; s < 1 << n; s++) {
      if ((s >> i) & 1) {
        value += (solution.and[s] + solution.or[s]) / popcount(s);
      }
    }
    return value;
  });
}

function assertWellFormed(values: Float64Array, solution: AndOrSolution, kappaFactor: number) {
  const scale = Math.max(1, ...Array.from(values, Math.abs));
  const kappa = kappaOf(values, kappaFactor);
  for (let t = 0; t < values.length; t++) {
    const residual = values[t] - solution.delta[t] - bruteForceFit(solution, t);
    assert.ok(Math.abs(residual) <= 1e-9 * scale, `reconstruction fails at T = ${t}: ${residual}`);
    if (solution.report.solver !== 'none') {
      assert.ok(
        Math.abs(solution.delta[t]) <= kappa * (1 + 1e-9) + 1e-12 * scale,
        `|delta(${t})| = ${Math.abs(solution.delta[t])} > kappa = ${kappa}`
      );
    }
    if (popcount(t) < 2) {
      assert.equal(solution.or[t], 0, `OR term of order ${popcount(t)} at ${t}`);
    }
  }
  assert.ok(Math.abs(solution.report.objective - objectiveOf(solution.and, solution.or)) < 1e-9);
}

describe('AND-OR solvers: identities (method.md 8)', () => {
  const kinds: [SolverKind, SolverOptions][] = [
    ['exact', EXACT],
    ['lab-sgd', LAB_SGD],
    ['none', SolverOptions.parse({ kind: 'none' })]
  ];
  for (const [kind, options] of kinds) {
    for (const n of [3, 6]) {
      for (const [name, values] of games(n)) {
        it(`${kind}: reconstruction, delta bound and Shapley values on a ${name} game, n = ${n}`, async () => {
          const solution = await solveAndOr(values, options);
          assert.equal(solution.report.solver, kind);
          assertWellFormed(values, solution, options.kappaFactor);
          const explained = (mask: number) => values[mask] - solution.delta[mask];
          const expected = shapleyByEnumeration(explained, n);
          const actual = shapleyFromInteractions(solution, n);
          expected.forEach((value, i) =>
            assert.ok(Math.abs(actual[i] - value) < 1e-9, `phi(${i}): ${actual[i]} vs ${value}`)
          );
        });
      }
    }
  }

  it('exact with kappa = 0: the interactions give the Shapley values of v itself', async () => {
    const n = 5;
    const values = mlpGame(n, 3);
    const solution = await solveAndOr(values, SolverOptions.parse({ kappaFactor: 0 }));
    assertWellFormed(values, solution, 0);
    const expected = shapleyByEnumeration(mask => values[mask], n);
    const actual = shapleyFromInteractions(solution, n);
    expected.forEach((value, i) => assert.ok(Math.abs(actual[i] - value) < 1e-9));
  });
});

describe('exact solver against an independent LP solve of the full LP', () => {
  for (const n of [3, 5, 7, 8]) {
    for (const [name, values] of games(n)) {
      if (n === 8 && name === 'uniform') {
        continue;
      }
      it(`matches the LP optimum within 1e-6 on a ${name} game, n = ${n}`, async () => {
        const kappa = kappaOf(values, EXACT.kappaFactor);
        const optimum = await referenceOptimum(values, kappa);
        const solution = solveExact(values, EXACT_UNBOUNDED);
        const { objective, gap } = solution.report;
        assert.ok(
          Math.abs(objective - optimum) <= 1e-6 * optimum,
          `objective ${objective} vs LP optimum ${optimum}`
        );
        assert.ok(gap !== null && gap >= 0 && gap <= EXACT.tolerance * objective, `gap ${gap}`);
        // the certificate brackets the true optimum
        assert.ok(solution.stats.lowerBound <= optimum * (1 + 1e-9) + 1e-12);
        assert.ok(objective >= optimum * (1 - 1e-9));
        assert.equal(solution.stats.converged, true);
        assertWellFormed(values, solution, EXACT.kappaFactor);
      });
    }
  }

  it('matches the LP optimum with kappa = 0 and with a large kappa', async () => {
    for (const kappaFactor of [0, 0.5]) {
      const values = mlpGame(5, 7);
      const optimum = await referenceOptimum(values, kappaOf(values, kappaFactor));
      const solution = solveExact(values, { ...EXACT_UNBOUNDED, kappaFactor });
      assert.ok(Math.abs(solution.report.objective - optimum) <= 1e-6 * Math.max(optimum, 1e-9));
      assertWellFormed(values, solution, kappaFactor);
    }
  });

  it('reports an honest gap when stopped early', async () => {
    const values = mlpGame(7, 2);
    const optimum = await referenceOptimum(values, kappaOf(values, EXACT.kappaFactor));
    const solution = solveExact(values, { ...EXACT, maxPivots: 20 });
    assert.equal(solution.stats.converged, false);
    assert.ok(solution.report.objective > optimum);
    assert.ok(solution.stats.lowerBound <= optimum * (1 + 1e-9));
    assert.ok(solution.report.gap! >= solution.report.objective - optimum - 1e-9);
    assertWellFormed(values, solution, EXACT.kappaFactor);
  });

  it('scales with v: objective(a v + b) = |a| objective(v)', () => {
    const values = plantedGame(6, { andTerms: 3, orTerms: 2, noise: 0.02, seed: 4 }).values;
    const base = solveExact(values, EXACT).report.objective;
    const scaled = solveExact(
      values.map(value => -250 * value + 17),
      EXACT
    ).report.objective;
    assert.ok(Math.abs(scaled - 250 * base) <= 1e-6 * scaled);
  });
});

describe('exact solver: planted games and edge cases', () => {
  // AND terms of order >= 2 only: two order-1 AND terms of one sign have a second explanation
  // of equal cost (a x_i + a x_j = a (x_i and x_j) + a (x_i or x_j)), which the tie-break may
  // prefer. Within the noise budget the optimum may also move a planted term's shrinkage into
  // another term, so every term, planted or not, is within 2 kappa + 2 noise of the plant.
  for (let seed = 1; seed <= 6; seed++) {
    it(`recovers a planted game term by term (seed ${seed})`, () => {
      const noise = 0.001;
      const game = plantedGame(8, {
        andTerms: 2,
        orTerms: 2,
        noise,
        seed,
        maxOrder: 2,
        andMinOrder: 2,
        disjoint: true
      });
      const solution = solveExact(game.values, { ...EXACT, kappaFactor: 0.01 });
      const bound = 2 * solution.report.kappa + 2 * noise;
      const planted = new Map<string, number>();
      game.and.forEach(term => planted.set(`and ${term.mask}`, term.value));
      game.or.forEach(term => planted.set(`or ${term.mask}`, term.value));
      for (let mask = 1; mask < game.values.length; mask++) {
        for (const kind of ['and', 'or'] as const) {
          const found = solution[kind][mask];
          const expected = planted.get(`${kind} ${mask}`) ?? 0;
          assert.ok(
            Math.abs(found - expected) <= bound,
            `${kind} term ${mask}: ${found} vs planted ${expected} (bound ${bound})`
          );
        }
      }
    });
  }

  it('explains a constant game with its constant alone', async () => {
    const values = new Float64Array(1 << 4).fill(-3.5);
    const solution = await solveAndOr(values, EXACT);
    assert.equal(solution.report.objective, 0);
    assert.equal(solution.report.gap, 0);
    assert.equal(solution.and[0], -3.5);
    assert.ok(solution.delta.every(value => value === 0));
  });

  it('refuses vectors that are not 2^n finite values', async () => {
    for (const options of [EXACT, LAB_SGD]) {
      await assert.rejects(solveAndOr(new Float64Array(6), options), /length 2\^n/);
      await assert.rejects(solveAndOr(Float64Array.of(0, 1, NaN, 2), options), /NaN/);
    }
  });

  it('solves batches like single problems', async () => {
    const problems = [mlpGame(4, 1), mlpGame(4, 2), uniformGame(4, 3)];
    const batch = await solveAndOrBatch(problems, EXACT);
    for (let i = 0; i < problems.length; i++) {
      const single = await solveAndOr(problems[i], EXACT);
      assert.deepEqual(batch[i].and, single.and);
      assert.deepEqual(batch[i].or, single.or);
    }
  });
});

describe('exact solver: warm starts', () => {
  it('reaches the same optimum from a related basis in fewer pivots', async () => {
    const n = 7;
    const clean = mlpLayerGames(n, 4).at(-1)!;
    const noisy = mlpLayerGames(n, 4, { inputNoise: 0.02, noiseSeed: 3 }).at(-1)!;
    const start = await solveAndOr(clean, EXACT);
    const cold = solveExact(noisy, EXACT);
    const warm = solveExact(noisy, EXACT, start.basis);
    assert.equal(warm.stats.warm, true);
    assert.ok(warm.stats.pivots < cold.stats.pivots / 2, `${warm.stats.pivots} pivots`);
    const optimum = await referenceOptimum(noisy, kappaOf(noisy, EXACT.kappaFactor));
    assert.ok(Math.abs(warm.report.objective - optimum) <= 1e-6 * optimum);
    assert.ok(warm.report.gap! <= EXACT.tolerance * warm.report.objective);
    assertWellFormed(noisy, warm, EXACT.kappaFactor);
  });

  it('starts cold from a basis that is not dual feasible or does not fit', () => {
    const values = mlpGame(5, 8);
    const basis = solveExact(mlpGame(5, 9), EXACT).basis!;
    const broken = { ...basis, termSigns: basis.termSigns.map(sign => -sign) };
    for (const start of [broken, { ...basis, values: new Float64Array(8) }]) {
      const solution = solveExact(values, EXACT, start);
      assert.equal(solution.stats.warm, false);
      assert.ok(solution.stats.converged);
    }
  });

  it('passes warm solutions through the batch entry point', async () => {
    const problems = mlpLayerGames(6, 2, { depth: 3 });
    const first = await solveAndOrBatch(problems, EXACT);
    const again = await solveAndOrBatch(problems, EXACT, first);
    again.forEach((solution, i) => {
      assert.equal(solution.report.iterations, 0, `problem ${i} needed pivots`);
      assert.ok(Math.abs(solution.report.objective - first[i].report.objective) < 1e-9);
    });
  });
});

describe('lab-sgd (the public recipe)', () => {
  it('never beats the exact optimum and gives no gap', async () => {
    for (const [, values] of games(6)) {
      const exact = await solveAndOr(values, EXACT);
      const sgd = await solveAndOr(values, LAB_SGD);
      assert.equal(sgd.report.gap, null);
      assert.equal(sgd.report.iterations, LAB_SGD.steps);
      assert.ok(sgd.report.objective >= exact.report.objective * (1 - 1e-9));
    }
  });

  it('moves away from the Harsanyi start: the objective decreases with steps', async () => {
    const values = plantedGame(6, { andTerms: 3, orTerms: 3, noise: 0.02, seed: 9 }).values;
    const short = await solveAndOr(values, { ...LAB_SGD, steps: 1, lr0: 1e-3 });
    const long = await solveAndOr(values, { ...LAB_SGD, steps: 2000, lr0: 1e-3 });
    assert.ok(long.report.objective < short.report.objective);
  });
});
