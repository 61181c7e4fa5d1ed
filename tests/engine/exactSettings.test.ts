/**
 * `exact`'s bookkeeping around the simplex (solver/exact.ts): its bounds, what its stats and
 * report say, the tie-break switched off, and the fallbacks of a solve cut short. The optimum
 * itself is checked in canonical.test.ts and andOr.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultMaxSeconds, maxPivotsOf, solveExact } from '../../src/engine/solver/exact';
import { harsanyiOnly, kappaOf } from '../../src/engine/solver/objective';
import { EXACT } from './canonicalChecks';
import { mlpGame } from './solverGames';

describe('exact: bounds, stats and fallbacks', () => {
  it('bounds the time at 20 s for n = 12, twice that per variable more, and 10 s at least', () => {
    assert.deepEqual([8, 10, 11, 12, 13, 14].map(defaultMaxSeconds), [10, 10, 10, 20, 40, 80]);
  });

  it('bounds the work at maxRounds x 2^n pivots, 50,000 at least, or at maxPivots', () => {
    assert.equal(maxPivotsOf({ maxRounds: 8 }, 1024), 50_000);
    assert.equal(maxPivotsOf({ maxRounds: 100 }, 1024), 102_400);
    assert.equal(maxPivotsOf({ maxRounds: 100, maxPivots: 7 }, 1024), 7);
  });

  it('stops at exactly maxPivots pivots, and before the first once its time is spent', () => {
    const values = mlpGame(6, 3);
    const cut = solveExact(values, { ...EXACT, maxPivots: 40 });
    assert.equal(cut.stats.pivots, 40);
    assert.equal(cut.report.iterations, 40);
    const spent = solveExact(values, { ...EXACT, maxSeconds: 1e-9 });
    assert.equal(spent.stats.pivots, 0);
    assert.equal(spent.stats.converged, false);
  });

  it('solves a constant game without pivots: the constant alone', () => {
    const solution = solveExact(new Float64Array(16).fill(2.5), EXACT);
    assert.equal(solution.and[0], 2.5);
    assert.equal(solution.report.objective, 0);
    assert.equal(solution.report.iterations, 0);
    assert.deepEqual(
      { ...solution.stats, lowerBound: undefined, upperBound: undefined },
      {
        pivots: 0,
        basisSize: 1,
        warm: false,
        converged: true,
        alternativePivots: 0,
        alternativesSolvedAfresh: 0,
        lowerBound: undefined,
        upperBound: undefined
      }
    );
    // the only optimum, so every tie-break hash reaches it (each a copy of its own)
    const withAlternatives = solveExact(new Float64Array(16).fill(2.5), {
      ...EXACT,
      tieBreak: 'mix-hash',
      alternatives: 3
    });
    const constant = { and: [2.5, ...new Array(15).fill(0)], or: new Array(16).fill(0) };
    assert.deepEqual(
      withAlternatives.alternatives?.map(a => ({ and: Array.from(a.and), or: Array.from(a.or) })),
      [constant, constant, constant]
    );
    const [first, second] = withAlternatives.alternatives!;
    assert.notEqual(first.and, second.and);
    assert.notEqual(first.and, withAlternatives.and);
  });

  it('reports its own time in seconds', () => {
    const values = mlpGame(6, 2);
    const started = performance.now();
    const solution = solveExact(values, EXACT);
    const elapsed = (performance.now() - started) / 1000;
    assert.ok(solution.report.seconds > 0 && solution.report.seconds <= elapsed);
  });

  it('counts a solve as converged when its certified gap is within tolerance x objective', () => {
    // cut short after 40 pivots: gap and objective are those of a fixed point of the path
    const values = mlpGame(6, 3);
    const cut = solveExact(values, { ...EXACT, maxPivots: 40 });
    const share = cut.report.gap! / cut.report.objective;
    assert.ok(share > 0.1 && share < 1, `gap ${share} of the objective`);
    const loose = solveExact(values, { ...EXACT, maxPivots: 40, tolerance: 1.5 * share });
    const tight = solveExact(values, { ...EXACT, maxPivots: 40, tolerance: 0.5 * share });
    assert.equal(loose.report.gap, cut.report.gap);
    assert.equal(loose.stats.converged, true);
    assert.equal(tight.stats.converged, false);
  });

  it('falls back to the Harsanyi transform when the cut-short point costs more', () => {
    const values = mlpGame(6, 3);
    const harsanyi = harsanyiOnly(values);
    // measured: after 10 pivots the repaired point costs more than the Harsanyi transform
    const cut = solveExact(values, { ...EXACT, maxPivots: 10 });
    assert.deepEqual(Array.from(cut.and), Array.from(harsanyi.and));
    assert.ok(cut.or.every(x => x === 0));
    for (const pivots of [5, 20, 40]) {
      const other = solveExact(values, { ...EXACT, maxPivots: pivots });
      assert.ok(other.report.objective <= harsanyi.report.objective);
    }
  });

  it('returns its basis with the problem it is optimal for, in the caller units', () => {
    const values = mlpGame(6, 4).map(x => 3 * x + 7);
    const solution = solveExact(values, EXACT);
    const basis = solution.basis!;
    assert.equal(solution.stats.basisSize, basis.terms.length);
    assert.ok(basis.terms.length > 1);
    basis.values.forEach((value, mask) => assert.ok(Math.abs(value - values[mask]) < 1e-12));
    assert.ok(Math.abs(basis.kappa - kappaOf(values, EXACT.kappaFactor)) < 1e-12);

    // warm-started from it, a related problem's basis is that problem's, not the start's
    const related = mlpGame(6, 5).map(x => 2 * x - 1);
    const warm = solveExact(related, EXACT, basis);
    assert.equal(warm.stats.warm, true);
    assert.ok(warm.stats.pivots > 0);
    warm.basis!.values.forEach((value, mask) =>
      assert.ok(Math.abs(value - related[mask]) < 1e-9, `v(${mask}): ${value}`)
    );
    assert.ok(Math.abs(warm.basis!.kappa - kappaOf(related, EXACT.kappaFactor)) < 1e-12);
  });

  it('without the tie-break, reaches an optimum of the same cost and no alternatives', () => {
    const values = mlpGame(6, 5);
    const canonical = solveExact(values, EXACT);
    const plain = solveExact(values, { ...EXACT, tieBreak: 'none' });
    assert.ok(plain.stats.converged);
    assert.ok(Math.abs(plain.report.objective - canonical.report.objective) < 1e-9);
    assert.equal(canonical.alternatives?.length, EXACT.alternatives);
    assert.deepEqual(plain.alternatives, []);
  });

  it('refuses a warm start that is not dual feasible here, and solves cold', () => {
    const values = mlpGame(6, 3);
    const settings = { ...EXACT, alternatives: 0 };
    const cold = solveExact(values, settings);
    const otherHash = solveExact(values, settings, undefined, 1).basis!;
    assert.ok(solveExact(values, settings, otherHash, 1).stats.warm, 'its own variant takes it');
    // another tie-break's optimal basis, and one with a term's sign flipped
    const flipped = {
      ...otherHash,
      termSigns: otherHash.termSigns.map((s, j) => (j === 1 ? -s : s))
    };
    for (const start of [otherHash, flipped]) {
      const solution = solveExact(values, settings, start);
      assert.equal(solution.stats.warm, false);
      assert.deepEqual(Array.from(solution.and), Array.from(cold.and));
      assert.deepEqual(Array.from(solution.or), Array.from(cold.or));
    }
  });

  it('solves the alternatives only for the canonical variant', () => {
    const values = mlpGame(6, 5);
    const other = solveExact(values, EXACT, undefined, 2);
    assert.ok(other.stats.converged);
    assert.deepEqual(other.alternatives, []);
    assert.equal(other.stats.alternativePivots, 0);
  });
});
