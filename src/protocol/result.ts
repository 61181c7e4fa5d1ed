/**
 * The analysis result: one versioned schema, written by the engine, validated wherever it
 * crosses a boundary (backend store, CLI, panel) and read by the plots and exports.
 */
import { z } from 'zod';
import { AnalysisOptions, SolverKind } from './options';

/**
 * 2: the canonical optimum and its ambiguity (method.md 3a), warnings.
 * 3: each probe's accuracy on the analysed samples (ProbeReport.sampleAccuracy); each layer's
 *    display label (LayerInfo.label).
 */
export const SCHEMA_VERSION = 3;

export const InteractionKind = z.enum(['and', 'or']);
export type InteractionKind = z.infer<typeof InteractionKind>;

/** One salient interaction: the subset as a bit mask (bit i = variable i). */
export const Interaction = z.object({
  mask: z.number().int().nonnegative(),
  order: z.number().int().nonnegative(),
  value: z.number(),
  /**
   * In how many of the solver's optima (the canonical one and its alternatives, method.md 3a)
   * it is salient; absent where no alternatives were solved.
   */
  optimaSalient: z.number().int().positive().optional()
});
export type Interaction = z.infer<typeof Interaction>;

export const SolveReport = z.object({
  solver: SolverKind,
  kappa: z.number(),
  /** sum over S != {} of |I_and(S)| + |I_or(S)| (the constant term is not an interaction). */
  objective: z.number(),
  /** Certified bound on objective - optimum; null where the solver gives none (lab-sgd). */
  gap: z.number().nullable(),
  iterations: z.number().int(),
  seconds: z.number()
});
export type SolveReport = z.infer<typeof SolveReport>;

/** The interactions of one sample at one layer (values not normalised). */
/**
 * How much the salient interactions depend on the choice among optima: the count of optima
 * compared (the canonical one and its alternatives) and the mean IoU of each alternative's
 * salient set (AND and OR together) with the canonical one (null: all sets empty).
 */
export const Ambiguity = z.object({
  optima: z.number().int().positive(),
  meanIoU: z.number().nullable(),
  /** Each alternative optimum's salient subsets (masks), in the order of their hashes. */
  salient: z.array(z.object({ and: z.array(z.number().int()), or: z.array(z.number().int()) }))
});
export type Ambiguity = z.infer<typeof Ambiguity>;

export const SampleLayerResult = z.object({
  vFull: z.number(),
  vEmpty: z.number(),
  tau: z.number(),
  solve: SolveReport,
  /** null: no alternatives were solved (turned off, another solver, or a solve cut short). */
  ambiguity: Ambiguity.nullable(),
  and: z.array(Interaction),
  or: z.array(Interaction)
});
export type SampleLayerResult = z.infer<typeof SampleLayerResult>;

/** [min, max] of a metric over the optima (null: undefined in at least one of them). */
const Span = z.tuple([z.number(), z.number()]).nullable();

export const OrderMetrics = z.object({
  order: z.number().int().positive(),
  all: z.number(),
  allReference: z.number(),
  overlap: z.number(),
  forget: z.number(),
  new: z.number(),
  completeness: z.number().nullable(),
  redundancy: z.number().nullable(),
  salientCount: z.number(),
  /** Each metric's range over the K + 1 optima (method.md 3a); null without alternatives. */
  spread: z
    .object({
      overlap: Span,
      forget: Span,
      new: Span,
      completeness: Span,
      redundancy: Span
    })
    .nullable()
});
export type OrderMetrics = z.infer<typeof OrderMetrics>;

export const LayerMetrics = z.object({
  layer: z.string(),
  and: z.array(OrderMetrics),
  or: z.array(OrderMetrics)
});
export type LayerMetrics = z.infer<typeof LayerMetrics>;

/** What training tells of a probe: its accuracy on rows of the training data. */
export const ProbeFit = z.object({
  trainAccuracy: z.number(),
  /** On the held-out split of the training rows, which early stopping watched. */
  heldOutAccuracy: z.number(),
  epochs: z.number().int(),
  featureSize: z.number().int()
});
export type ProbeFit = z.infer<typeof ProbeFit>;

export const ProbeReport = ProbeFit.extend({
  /**
   * On the analysed samples themselves, unmasked, against their labels: held-out training rows
   * come from the probe's own training distribution, the analysed samples need not (a test
   * split). null when the samples have no labels.
   */
  sampleAccuracy: z.number().nullable(),
  /** How many labelled analysed samples sampleAccuracy is over (0 without labels). */
  sampleCount: z.number().int().nonnegative()
});
export type ProbeReport = z.infer<typeof ProbeReport>;

export const LayerInfo = z.object({
  /** The layer's id in the model: what comparisons and the analysis options match by. */
  name: z.string(),
  /** What figures, CSV exports and the report show: the name with the layer's type. */
  label: z.string(),
  /** Position in the model's layer list. */
  index: z.number().int(),
  /** probe: a linear classifier on the layer's features; output: the network's own logits. */
  kind: z.enum(['probe', 'output']),
  probe: ProbeReport.nullable(),
  /** c_l = mean over samples of |v_l(x_N) - v_l(x_{})|: divides this layer's interactions. */
  normaliser: z.number()
});
export type LayerInfo = z.infer<typeof LayerInfo>;

export const SampleInfo = z.object({
  index: z.number().int(),
  label: z.number().int().nullable(),
  target: z.number().int(),
  predicted: z.number().int()
});
export type SampleInfo = z.infer<typeof SampleInfo>;

/** One subset's normalised, sample-averaged strength in every layer (signed). */
export const TrackedInteraction = z.object({
  kind: InteractionKind,
  mask: z.number().int().nonnegative(),
  order: z.number().int().positive(),
  strength: z.array(z.number()),
  /** Layers (indices into `layers`) where it is salient in at least one sample. */
  salientIn: z.array(z.number().int()),
  /**
   * Per layer, the share of the solver's optima (method.md 3a) in which it is salient, averaged
   * over the samples where the canonical optimum has it salient; null where it is salient in
   * no sample or no alternatives were solved.
   */
  agreement: z.array(z.number().nullable())
});
export type TrackedInteraction = z.infer<typeof TrackedInteraction>;

export const StabilityByOrder = z.object({
  kind: InteractionKind,
  layer: z.string(),
  stability: z.array(z.object({ order: z.number().int(), value: z.number().nullable() }))
});
export type StabilityByOrder = z.infer<typeof StabilityByOrder>;

export const AnalysisResult = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  createdAt: z.string(),
  tool: z.object({ name: z.literal('layerwise'), version: z.string() }),
  runtime: z.object({
    /** The tfjs backend that ran the forward passes: tensorflow, wasm, cpu, onnxruntime... */
    backend: z.string(),
    runner: z.enum(['tfjs', 'onnx']),
    seconds: z.number()
  }),
  options: AnalysisOptions,
  model: z.object({
    source: z.string(),
    inputShape: z.array(z.number().int().nullable()),
    classes: z.number().int()
  }),
  variables: z.object({ n: z.number().int(), names: z.array(z.string()) }),
  layers: z.array(LayerInfo),
  samples: z.array(SampleInfo),
  /** perSample[s][l]: sample s at layer l (same order as `layers`). */
  perSample: z.array(z.array(SampleLayerResult)),
  metrics: z.object({
    /** Every layer against the final layer (the paper's comparison). */
    final: z.array(LayerMetrics),
    /** Every layer against the previous analysed layer (first layer: against nothing). */
    previous: z.array(LayerMetrics)
  }),
  tracking: z.array(TrackedInteraction),
  stability: z.array(StabilityByOrder).nullable(),
  /** What the user must know to read the numbers (e.g. a collapsed noise bound), as sentences. */
  warnings: z.array(z.string())
});
export type AnalysisResult = z.infer<typeof AnalysisResult>;

/** A solve's certified gap as a share of its objective (0 where the solver certifies none). */
function relativeGap({ gap, objective }: { gap: number | null; objective: number }): number {
  return (gap ?? 0) / Math.max(Math.abs(objective), 1e-300);
}

/**
 * The largest certified gap of the result's solves as a share of the solve's objective: the
 * absolute gap means nothing without the scale of v. Null where some solve certifies none.
 */
export function largestRelativeGap(result: AnalysisResult): number | null {
  const solves = result.perSample.flat().map(cell => cell.solve);
  return solves.every(solve => solve.gap !== null) ? Math.max(0, ...solves.map(relativeGap)) : null;
}

/**
 * What to tell the user when some (sample, layer) solves stopped at the exact solver's work
 * or time bound before its tolerance: those decompositions are feasible but far from the
 * sparsest (bench/RESULTS-budget.md), so every front end shows this next to the result.
 * null: none did.
 */
export function unconvergedWarning(result: AnalysisResult): string | null {
  const { kind, tolerance } = result.options.solver;
  if (kind !== 'exact') {
    return null;
  }
  const solves = result.perSample.flat().map(cell => cell.solve);
  const gaps = solves.map(relativeGap).filter(relative => relative > tolerance);
  if (gaps.length === 0) {
    return null;
  }
  const worst = Math.round(100 * Math.max(...gaps));
  return (
    `${gaps.length} of ${solves.length} (sample, layer) problems stopped at the solver's work ` +
    `or time bound before the optimum (certified gap up to ${worst}% of their objective): their ` +
    'interactions are not the sparsest. Use fewer variables, or raise solver.maxRounds and ' +
    'solver.maxSeconds.'
  );
}

/**
 * Which of the LP's optima the result reports and how much they differ (method.md 3a), in
 * one sentence for the report and the panel; null for solvers other than `exact`.
 */
export function optimumSummary(result: AnalysisResult): string | null {
  const { kind, tieBreak } = result.options.solver;
  if (kind !== 'exact') {
    return null;
  }
  if (tieBreak === 'none') {
    return 'whichever optimal solution the simplex reaches (tie-break none): salient sets may differ on another solver';
  }
  const cells = result.perSample.flat().flatMap(cell => (cell.ambiguity ? [cell.ambiguity] : []));
  const ious = cells.flatMap(a => (a.meanIoU === null ? [] : [a.meanIoU]));
  if (ious.length === 0) {
    return 'the canonical optimal solution (tie-break mix-hash); no alternatives compared';
  }
  const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
  return (
    `the canonical optimal solution (tie-break mix-hash); against ${cells[0].optima - 1} ` +
    `alternative optimal solutions its salient interactions have a mean IoU of ` +
    `${mean.toFixed(2)} (lowest ${Math.min(...ious).toFixed(2)} over samples and layers)`
  );
}

/** What a front end says of a result it read from the store instead of computing it now. */
export function storedResultNote(result: AnalysisResult): string {
  const created = result.createdAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return (
    `Stored result from ${created}, computed in ${result.runtime.seconds.toFixed(1)} s; ` +
    'not computed again now.'
  );
}

/** Everything every front end shows next to a result: its warnings and unconverged solves. */
export function resultWarnings(result: AnalysisResult): string[] {
  const unconverged = unconvergedWarning(result);
  return unconverged ? [...result.warnings, unconverged] : result.warnings;
}

/** What `layerwise interactions` writes: dense vectors indexed by subset mask. */
export const InteractionsFile = z.object({
  n: z.number().int(),
  solver: SolverKind,
  /** `exact`: which optimum (method.md 3a); null for the other solvers. */
  tieBreak: z.enum(['mix-hash', 'none']).nullable(),
  kappa: z.number(),
  and: z.array(z.number()),
  or: z.array(z.number()),
  delta: z.array(z.number()),
  objective: z.number(),
  gap: z.number().nullable(),
  iterations: z.number().int(),
  seconds: z.number(),
  /** What the user must know to read the numbers (a collapsed noise bound, a stopped solve). */
  warnings: z.array(z.string())
});
export type InteractionsFile = z.infer<typeof InteractionsFile>;

/** One row of a comparison of two analyses (method.md 6): a layer pair, a kind, an order. */
export const ComparisonRow = z.object({
  layerA: z.string(),
  layerB: z.string(),
  kind: InteractionKind,
  order: z.number().int().positive(),
  /** Mean over samples of the IoU of the canonical optima's salient sets; null: all unions empty. */
  iou: z.number().nullable(),
  /** Samples that entered the mean. */
  samples: z.number().int(),
  /**
   * [min, max] of that mean over the optima, alternative j of A against alternative j of B
   * (the same tie-break hash), over those with a salient set of this order in some sample;
   * null where either result has no alternatives or iou is null.
   */
  spread: z.tuple([z.number(), z.number()]).nullable()
});
export type ComparisonRow = z.infer<typeof ComparisonRow>;

/** What `layerwise compare` writes. */
export const ComparisonFile = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  a: z.object({ source: z.string(), createdAt: z.string() }),
  b: z.object({ source: z.string(), createdAt: z.string() }),
  rows: z.array(ComparisonRow)
});
export type ComparisonFile = z.infer<typeof ComparisonFile>;
