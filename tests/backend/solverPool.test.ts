import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SolverPool } from '../../src/backend/solverPool';
import { solveAndOrBatch } from '../../src/engine/andOr';
import { SolverOptions } from '../../src/protocol/options';
import { plantedGame } from '../engine/solverGames';

const EXACT = SolverOptions.parse({ kind: 'exact' });

describe('SolverPool (the solves on worker threads)', () => {
  const pool = new SolverPool(2);
  after(() => pool.close());

  it('returns what the in-process solver returns, in the order asked', async () => {
    const problems = [1, 2, 3, 4, 5].map(
      seed => plantedGame(6, { andTerms: 5, orTerms: 3, noise: 0.02, seed }).values
    );
    const inProcess = await solveAndOrBatch(problems, EXACT);
    const pooled = await pool.solveBatch(problems, EXACT);
    assert.equal(pooled.length, problems.length);
    pooled.forEach((solution, i) => {
      assert.deepEqual(solution.and, inProcess[i].and);
      assert.deepEqual(solution.or, inProcess[i].or);
      assert.deepEqual(solution.basis, inProcess[i].basis);
    });
    const warm = await pool.solveBatch(problems, EXACT, pooled);
    warm.forEach((solution, i) => {
      assert.equal(solution.report.iterations, 0, `problem ${i} did not start at its optimum`);
      assert.ok(Math.abs(solution.report.objective - inProcess[i].report.objective) < 1e-9);
    });
  });

  it("rejects a bad problem with the solver's message and goes on", async () => {
    await assert.rejects(pool.solve(new Float64Array(6), EXACT), /length 2\^n/);
    const [next] = await pool.solveBatch([Float64Array.of(0, 1, 2, 4)], EXACT);
    assert.ok(next.report.objective > 0);
  });
});
