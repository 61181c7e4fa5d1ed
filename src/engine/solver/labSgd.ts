/**
 * `lab-sgd`: the AND-OR split as the authors' group's public code optimises it (method.md 3),
 * for users who must match published numbers. It stops far from the LP optimum; `exact` is
 * the default.
 */
import type { SolverOptions } from '../../protocol/options';
import { complementInto, moebiusInPlace, reconstructInto, supersetMoebiusInPlace } from './kernels';
import type { AndOrSolution } from '../andOr';
import { checkValues, kappaOf, objectiveOf } from './objective';

type LabSgdSettings = Pick<
  SolverOptions,
  'kappaFactor' | 'kappaReference' | 'steps' | 'lr0' | 'momentum'
>;

/**
 * SGD with momentum (PyTorch's form: buf = momentum * buf + grad) on gamma and delta, the
 * learning rate decayed log-uniformly from lr0 to lr0 / 10, delta clamped to [-kappa, kappa]
 * after every step, starting from gamma = delta = 0. The loss is
 *   sum_{S != {}} |I_and(S)| + |I_or(S)|,  I_and from v_and = 0.5 (v - delta) + gamma,
 *   I_or from v_or = 0.5 (v - delta) - gamma,
 * with the constant terms left out as in the reported objective. Order-1 OR terms and
 * I_or({}) are merged into AND only after optimising, as the recipe reports them.
 */
export function solveLabSgd(values: ArrayLike<number>, settings: LabSgdSettings): AndOrSolution {
  const started = performance.now();
  checkValues(values);
  const size = values.length;
  const full = size - 1;
  const v = Float64Array.from(values);
  const kappa = kappaOf(v, settings.kappaFactor, settings.kappaReference);
  const { steps, lr0, momentum } = settings;

  const gamma = new Float64Array(size);
  const delta = new Float64Array(size);
  const gammaVelocity = new Float64Array(size);
  const deltaVelocity = new Float64Array(size);
  const andPart = new Float64Array(size);
  const orPart = new Float64Array(size);
  const scratch = new Float64Array(size);

  // I_and = M v_and; I_or = -M C v_or (S != {}), with M the Moebius transform and C the
  // complement. d/dv_and = M^T sign(I_and); d/dv_or = -C M^T sign(I_or).
  const interactionsOf = (): void => {
    for (let mask = 0; mask < size; mask++) {
      const half = 0.5 * (v[mask] - delta[mask]);
      andPart[mask] = half + gamma[mask];
      scratch[mask] = half - gamma[mask];
    }
    moebiusInPlace(andPart);
    complementInto(scratch, orPart);
    moebiusInPlace(orPart);
    for (let mask = 1; mask < size; mask++) {
      orPart[mask] = -orPart[mask];
    }
  };

  const decay = steps > 1 ? Math.log(0.1) / (steps - 1) : 0;
  for (let step = 0; step < steps; step++) {
    interactionsOf();
    andPart[0] = 0;
    orPart[0] = 0;
    for (let mask = 1; mask < size; mask++) {
      andPart[mask] = Math.sign(andPart[mask]);
      orPart[mask] = -Math.sign(orPart[mask]);
    }
    supersetMoebiusInPlace(andPart);
    supersetMoebiusInPlace(orPart);
    const lr = lr0 * Math.exp(decay * step);
    for (let mask = 0; mask < size; mask++) {
      const gradAnd = andPart[mask];
      const gradOr = orPart[full ^ mask];
      const gradGamma = gradAnd - gradOr;
      const gradDelta = -0.5 * (gradAnd + gradOr);
      gammaVelocity[mask] = momentum * gammaVelocity[mask] + gradGamma;
      deltaVelocity[mask] = momentum * deltaVelocity[mask] + gradDelta;
      gamma[mask] -= lr * gammaVelocity[mask];
      const next = delta[mask] - lr * deltaVelocity[mask];
      delta[mask] = next > kappa ? kappa : next < -kappa ? -kappa : next;
    }
  }

  interactionsOf();
  const and = andPart.slice();
  const or = orPart.slice();
  and[0] += scratch[0];
  or[0] = 0;
  for (let bit = 1; bit < size; bit <<= 1) {
    and[bit] += or[bit];
    or[bit] = 0;
  }
  // delta as the residual of the merged terms, so the reconstruction identity holds to
  // rounding; it equals the optimised delta up to that rounding.
  const fit = new Float64Array(size);
  reconstructInto(and, or, fit, scratch);
  const residual = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) {
    residual[mask] = v[mask] - fit[mask];
  }
  return {
    and,
    or,
    delta: residual,
    report: {
      solver: 'lab-sgd',
      kappa,
      objective: objectiveOf(and, or),
      gap: null,
      iterations: steps,
      seconds: (performance.now() - started) / 1000
    }
  };
}
