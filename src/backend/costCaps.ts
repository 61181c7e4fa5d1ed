/**
 * Caps on every count that multiplies what a job costs, beyond the number of variables (which
 * the engine guards): noise draws, samples, probe epochs, solver steps and rounds. Above a cap
 * a job is refused with what it would cost unless its options set `force`, as for a large n:
 * one request must not be able to hold the single worker for days by a typo.
 */
import type { AnalysisOptions } from '../protocol/options';

export interface CostCaps {
  /** stability.draws, when stability is on. */
  draws: number;
  /** 2^n masked forward passes per sample, times the samples, times (1 + draws). */
  forwardPasses: number;
  probeEpochs: number;
  /** Training samples times probe epochs. */
  probeSampleEpochs: number;
  /** lab-sgd steps per problem. */
  solverSteps: number;
  /** exact: simplex rounds (maxRounds * 2^n pivots) per problem. */
  solverRounds: number;
}

export const COST_CAPS: CostCaps = {
  draws: 100,
  forwardPasses: 2 ** 26,
  probeEpochs: 1000,
  probeSampleEpochs: 1e8,
  solverSteps: 1_000_000,
  solverRounds: 64
};

const count = (value: number) => value.toLocaleString('en-US');

/**
 * Why the job is too costly to run without `force`, or null. `samples` and `trainingSamples`
 * are the rows of the uploaded arrays.
 */
export function costProblem(
  options: AnalysisOptions,
  samples: number,
  trainingSamples: number,
  caps: CostCaps = COST_CAPS
): string | null {
  if (options.force) {
    return null;
  }
  const n = options.variables.length;
  const draws = options.stability.enabled ? options.stability.draws : 0;
  const passes = 2 ** n * samples * (1 + draws);
  const over: [string, number, number, string][] = [
    ['stability.draws', draws, caps.draws, `each draw repeats all 2^${n} passes of every sample`],
    [
      'the masked forward passes',
      passes,
      caps.forwardPasses,
      `2^${n} per sample x ${count(samples)} sample(s) x ${1 + draws} (the inputs and their noise draws)`
    ],
    [
      'probe.maxEpochs',
      options.probe.maxEpochs,
      caps.probeEpochs,
      'each epoch runs over the training data'
    ],
    [
      'probe training (training samples x probe.maxEpochs)',
      trainingSamples * options.probe.maxEpochs,
      caps.probeSampleEpochs,
      `${count(trainingSamples)} training samples x ${count(options.probe.maxEpochs)} epochs, per probed layer`
    ],
    [
      'solver.steps',
      options.solver.kind === 'lab-sgd' ? options.solver.steps : 0,
      caps.solverSteps,
      'per sample and layer'
    ],
    [
      'solver.maxRounds',
      options.solver.kind === 'exact' ? options.solver.maxRounds : 0,
      caps.solverRounds,
      `up to maxRounds x 2^${n} simplex pivots per sample and layer`
    ]
  ];
  for (const [what, value, cap, why] of over) {
    if (value > cap) {
      return (
        `${what} = ${count(value)} is above the limit of ${count(cap)} (${why}): ` +
        'lower it, or set force in the options to run it anyway'
      );
    }
  }
  return null;
}
