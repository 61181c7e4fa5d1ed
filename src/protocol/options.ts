/**
 * Analysis options: everything that changes the numbers of an analysis, so a result can be
 * re-run and a user can pick the paper's variant where ours differs (method.md).
 */
import { z } from 'zod';

export const SolverKind = z.enum(['exact', 'lab-sgd', 'none']);
export type SolverKind = z.infer<typeof SolverKind>;

export const SolverOptions = z.object({
  kind: SolverKind.default('exact'),
  /** kappa = kappaFactor * |v(x_N) - v(x_{})| bounds the noise term delta (method.md 3). */
  kappaFactor: z.number().min(0).max(1).default(0.04),
  /** `exact`: relative optimality gap at which to stop. */
  tolerance: z.number().positive().default(1e-6),
  /**
   * `exact`: bounds the work at maxRounds * 2^n simplex pivots, and at no fewer than 50,000;
   * a solve stopped there returns a feasible but far from optimal decomposition with its
   * certified gap. 8 covered every problem of the demo measured to convergence (at most
   * 5.4 * 2^n pivots; bench/RESULTS-budget.md); the whole demo's one runaway problem (of 210)
   * stopped at 50,000 pivots after 7.5 minutes instead of running for hours.
   */
  maxRounds: z.number().int().positive().default(8),
  /**
   * `exact`: also bounds each solve by time; a solve stopped there keeps its certified gap
   * and is reported like one stopped at the pivot bound. Unset: 20 s at n = 12, halved per
   * variable fewer and doubled per variable more, never below 10 s (solver/exact.ts).
   */
  maxSeconds: z.number().positive().optional(),
  /**
   * `exact`: which of the LP's many optima is returned (method.md 3a). mix-hash: the
   * canonical one, least sum h(S) |I(S)| among the sparsest (h: solver/tieBreak.ts); none: whichever vertex the
   * pivoting reaches (depends on the implementation; for comparisons only).
   */
  tieBreak: z.enum(['mix-hash', 'none']).default('mix-hash'),
  /**
   * `exact` with mix-hash: re-solve with this many other tie-break hashes and report in how
   * many optima each interaction is salient, and each metric's range over them (0: off).
   */
  alternatives: z.number().int().min(0).max(16).default(4),
  /**
   * kappa's reference: endpoints, |v(x_N) - v(x_{})| (the paper's); range, max v - min v
   * (for samples whose full and empty inputs score alike, where the paper's kappa collapses).
   */
  kappaReference: z.enum(['endpoints', 'range']).default('endpoints'),
  /** `lab-sgd`: the public recipe's steps and initial learning rate (decayed to lr0 / 10). */
  steps: z.number().int().positive().default(20000),
  lr0: z.number().positive().default(1e-5),
  momentum: z.number().min(0).max(1).default(0.9)
});
export type SolverOptions = z.infer<typeof SolverOptions>;

export const BaselineOptions = z.discriminatedUnion('kind', [
  /** Training-set mean of each raw input: the paper's choice for tabular data and images. */
  z.object({ kind: z.literal('mean') }),
  z.object({ kind: z.literal('zero') }),
  /** A value per raw input, given by the user (flattened input order). */
  z.object({ kind: z.literal('given'), values: z.array(z.number()) }),
  /** Text: variables take the mask token's id. */
  z.object({ kind: z.literal('mask-token'), tokenId: z.number().int() })
]);
export type BaselineOptions = z.infer<typeof BaselineOptions>;

export const ProbeOptions = z.object({
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().positive().default(0.01),
  batchSize: z.number().int().positive().default(256),
  maxEpochs: z.number().int().positive().default(200),
  /** Early stopping: epochs without held-out loss improvement before stopping. */
  patience: z.number().int().positive().default(10),
  heldOutFraction: z.number().gt(0).lt(1).default(0.2),
  seed: z.number().int().default(0),
  /** Train on standardised features (folded back into W, b): one learning rate fits every layer. */
  standardize: z.boolean().default(true)
});
export type ProbeOptions = z.infer<typeof ProbeOptions>;

export const SalienceOptions = z.object({
  /** tau = tauFactor * max |I| (paper's footnote 7). */
  tauFactor: z.number().min(0).max(1).default(0.05),
  /** per-sample: one tau per sample and layer (default); per-layer: max over all samples. */
  mode: z.enum(['per-sample', 'per-layer']).default('per-sample')
});
export type SalienceOptions = z.infer<typeof SalienceOptions>;

export const StabilityOptions = z.object({
  enabled: z.boolean().default(false),
  sigma: z.number().positive().default(0.02),
  draws: z.number().int().positive().default(20),
  seed: z.number().int().default(0)
});
export type StabilityOptions = z.infer<typeof StabilityOptions>;

export const AnalysisOptions = z.object({
  /** Input variables: each a group of flat (row-major) indices into one input sample. */
  variables: z.array(z.array(z.number().int().nonnegative()).min(1)).min(1),
  variableNames: z.array(z.string()).optional(),
  baseline: BaselineOptions.default({ kind: 'mean' }),
  /** Raw inputs in no variable keep their value (ours) or take the baseline (paper's CIFAR). */
  unassignedInputs: z.enum(['keep', 'baseline']).default('keep'),
  /** Scalar output's class: the label when one is given, else the predicted class. */
  target: z.enum(['label', 'predicted']).default('label'),
  /** Layer names to analyse; empty = every layer with weights. The output layer always is. */
  layers: z.array(z.string()).default([]),
  /** Sequence models: which token's features the probe reads. */
  features: z.enum(['flatten', 'first-token', 'last-token', 'mean']).default('flatten'),
  probe: ProbeOptions.default(ProbeOptions.parse({})),
  solver: SolverOptions.default(SolverOptions.parse({})),
  salience: SalienceOptions.default(SalienceOptions.parse({})),
  /** exact: forget = all - overlap (ours, keeps the identity); literal: the paper's printed form. */
  metricsForm: z.enum(['exact', 'literal']).default('exact'),
  stability: StabilityOptions.default(StabilityOptions.parse({})),
  /** Masked forward passes per batch: bounds memory. */
  batchSize: z.number().int().positive().default(1024),
  /** n above this is refused unless `force` is set: the cost is 2^n passes per sample. */
  maxVariables: z.number().int().positive().default(16),
  force: z.boolean().default(false)
});
export type AnalysisOptions = z.infer<typeof AnalysisOptions>;
export type AnalysisOptionsInput = z.input<typeof AnalysisOptions>;
