import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ComputePool } from '../../src/backend/computePool';
import { solveAndOrBatch } from '../../src/engine/andOr';
import { trainProbe } from '../../src/engine/probe';
import { TypedArrayFitter } from '../../src/engine/probeFitters';
import { uniformGenerator } from '../../src/engine/random';
import { ProbeOptions, SolverOptions } from '../../src/protocol/options';
import { plantedGame } from '../engine/solverGames';

const EXACT = SolverOptions.parse({ kind: 'exact' });

describe('ComputePool (solves and probes on worker threads)', () => {
  const pool = new ComputePool(2);
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

  it('trains probes on its threads, each the probe this thread trains', async () => {
    const uniform = uniformGenerator(3);
    const layer = (size: number, classes: number) => {
      const count = 120;
      const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
      // class c lifts feature c: learnable, not separable at once
      const features = Float32Array.from(
        { length: count * size },
        (_, k) => uniform() + (k % size === labels[Math.floor(k / size)] ? 0.8 : 0)
      );
      return { features, count, labels, classes };
    };
    const options = ProbeOptions.parse({ maxEpochs: 30 });
    const layers = [layer(6, 3), layer(9, 2), layer(5, 4)];
    const pooled = await Promise.all(layers.map(data => pool.trainProbe(data, options)));
    for (const [i, data] of layers.entries()) {
      const here = await trainProbe(data, options, undefined, (d, o) => new TypedArrayFitter(d, o));
      assert.deepEqual(pooled[i].weights, here.weights);
      assert.deepEqual(pooled[i].bias, here.bias);
      assert.deepEqual(pooled[i].report, here.report);
    }
    // a probe that cannot train fails with the engine's message
    await assert.rejects(
      pool.trainProbe(
        { ...layers[0], count: 1, features: layers[0].features.subarray(0, 6) },
        options
      ),
      /at least 2 training samples/
    );
  });

  it("rejects a bad problem with the solver's message and goes on", async () => {
    await assert.rejects(pool.solve(new Float64Array(6), EXACT), /length 2\^n/);
    const [next] = await pool.solveBatch([Float64Array.of(0, 1, 2, 4)], EXACT);
    assert.ok(next.report.objective > 0);
  });

  it('an aborted solve fails at once, queued or running, and the pool goes on', async () => {
    // lab-sgd for a billion steps: minutes, unless stopped
    const endless = SolverOptions.parse({ kind: 'lab-sgd', steps: 1e9 });
    const values = plantedGame(6, { andTerms: 5, orTerms: 3, noise: 0.02, seed: 9 }).values;
    const controllers = [0, 1, 2].map(() => new AbortController());
    const solves = controllers.map(c => pool.solve(values, endless, undefined, c.signal));
    solves.forEach(solve => solve.catch(() => undefined));
    await new Promise(resolve => setTimeout(resolve, 300));
    const asked = performance.now();
    // the third waits for a thread; the first two run
    controllers.forEach(c => c.abort(new Error('stop')));
    for (const solve of solves) {
      await assert.rejects(solve, /^Error: stop$/);
    }
    assert.ok(performance.now() - asked < 1000, 'stopped without waiting for the solves');
    assert.equal(pool.threads, 2);
    const [next] = await pool.solveBatch([values], EXACT);
    assert.ok(next.report.objective > 0);
    await assert.rejects(
      pool.solve(values, EXACT, undefined, AbortSignal.abort(new Error('already'))),
      /already/
    );
  });
});
