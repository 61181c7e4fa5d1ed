/**
 * `lab-sgd` step by step against the recipe written out by enumeration (method.md 3): the
 * interactions as sums over subsets, the subgradient of the L1 loss term by term, PyTorch's
 * momentum, the log-uniform learning-rate decay and the clamp of delta. No transform of the
 * solver's is used here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { solveLabSgd } from '../../src/engine/solver/labSgd';
import { kappaOf } from '../../src/engine/solver/objective';
import { SolverOptions } from '../../src/protocol/options';
import { mlpGame } from './solverGames';

const bits = (mask: number): number => mask.toString(2).replaceAll('0', '').length;
const subset = (s: number, t: number): boolean => (s & t) === s;

/** I_and(S) = sum_{L subset of S} (-1)^{|S|-|L|} v_and(L). */
function andTerm(vAnd: number[], s: number): number {
  let total = 0;
  for (let l = 0; l < vAnd.length; l++) {
    if (subset(l, s)) {
      total += (bits(s) - bits(l)) % 2 ? -vAnd[l] : vAnd[l];
    }
  }
  return total;
}

/** I_or(S) = -sum_{L subset of S} (-1)^{|S|-|L|} v_or(N \ L). */
function orTerm(vOr: number[], s: number): number {
  const full = vOr.length - 1;
  let total = 0;
  for (let l = 0; l < vOr.length; l++) {
    if (subset(l, s)) {
      total += (bits(s) - bits(l)) % 2 ? -vOr[full ^ l] : vOr[full ^ l];
    }
  }
  return -total;
}

function reference(
  v: Float64Array,
  kappa: number,
  { steps, lr0, momentum }: { steps: number; lr0: number; momentum: number }
): { and: number[]; or: number[] } {
  const size = v.length;
  const full = size - 1;
  const gamma = new Array<number>(size).fill(0);
  const delta = new Array<number>(size).fill(0);
  const gammaBuffer = new Array<number>(size).fill(0);
  const deltaBuffer = new Array<number>(size).fill(0);
  const parts = () => ({
    vAnd: v.map((x, t) => 0.5 * (x - delta[t]) + gamma[t]),
    vOr: v.map((x, t) => 0.5 * (x - delta[t]) - gamma[t])
  });
  for (let step = 0; step < steps; step++) {
    const { vAnd, vOr } = parts();
    const andSign = Array.from({ length: size }, (_, s) =>
      s ? Math.sign(andTerm([...vAnd], s)) : 0
    );
    const orSign = Array.from({ length: size }, (_, s) => (s ? Math.sign(orTerm([...vOr], s)) : 0));
    // d loss / d v_and(T) and d loss / d v_or(T), one term of the loss at a time
    const gradAnd = new Array<number>(size).fill(0);
    const gradOr = new Array<number>(size).fill(0);
    for (let s = 1; s < size; s++) {
      for (let l = 0; l < size; l++) {
        if (subset(l, s)) {
          const sign = (bits(s) - bits(l)) % 2 ? -1 : 1;
          gradAnd[l] += andSign[s] * sign;
          gradOr[full ^ l] -= orSign[s] * sign;
        }
      }
    }
    const lr = lr0 * 0.1 ** (steps > 1 ? step / (steps - 1) : 0);
    for (let t = 0; t < size; t++) {
      gammaBuffer[t] = momentum * gammaBuffer[t] + (gradAnd[t] - gradOr[t]);
      deltaBuffer[t] = momentum * deltaBuffer[t] - 0.5 * (gradAnd[t] + gradOr[t]);
      gamma[t] -= lr * gammaBuffer[t];
      delta[t] = Math.min(kappa, Math.max(-kappa, delta[t] - lr * deltaBuffer[t]));
    }
  }
  const { vAnd, vOr } = parts();
  const and = Array.from({ length: size }, (_, s) => (s ? andTerm([...vAnd], s) : 0));
  const or = Array.from({ length: size }, (_, s) => (s ? orTerm([...vOr], s) : 0));
  // the constant: both parts at the empty input; order-1 OR terms reported as AND
  and[0] = vAnd[0] + vOr[0];
  for (let bit = 1; bit < size; bit <<= 1) {
    and[bit] += or[bit];
    or[bit] = 0;
  }
  return { and, or };
}

describe('lab-sgd against the recipe written out', () => {
  // lr0 large enough that delta meets both ends of its box within the steps (on these seeds)
  const settings = SolverOptions.parse({
    kind: 'lab-sgd',
    steps: 6,
    lr0: 0.05,
    momentum: 0.9,
    kappaFactor: 0.2
  });
  for (const seed of [1, 5]) {
    it(`matches term by term after ${settings.steps} steps (n = 3, seed ${seed})`, () => {
      const values = mlpGame(3, seed);
      const kappa = kappaOf(values, settings.kappaFactor);
      const expected = reference(values, kappa, settings);
      const solution = solveLabSgd(values, settings);
      for (let s = 0; s < values.length; s++) {
        assert.ok(Math.abs(solution.and[s] - expected.and[s]) < 1e-12, `and ${s}`);
        assert.ok(Math.abs(solution.or[s] - expected.or[s]) < 1e-12, `or ${s}`);
      }
      // the clamp was reached on both sides, so the test would see it missing
      const delta = Array.from(solution.delta);
      assert.ok(
        delta.some(d => Math.abs(d - kappa) < 1e-12) && delta.some(d => Math.abs(d + kappa) < 1e-12)
      );
    });
  }

  it('reports its own time in seconds', () => {
    const values = mlpGame(6, 1);
    const started = performance.now();
    const solution = solveLabSgd(values, { ...settings, steps: 200 });
    const elapsed = (performance.now() - started) / 1000;
    assert.ok(solution.report.seconds > 0 && solution.report.seconds <= elapsed);
  });
});
