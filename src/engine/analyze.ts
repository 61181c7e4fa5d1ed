/**
 * The analysis (method.md 1-6): validate, train a probe per intermediate layer, run the 2^n
 * masked inputs of every sample through the model once for all layers, solve every
 * (sample, layer) AND-OR problem, then salience, normalisation, metrics, tracking and
 * stability. The result is one AnalysisResult.
 */
import type { AnalysisOptions } from '../protocol/options';
import {
  SCHEMA_VERSION,
  type AnalysisResult,
  type Interaction,
  type LayerInfo,
  type LayerMetrics,
  type SampleInfo,
  type SampleLayerResult,
  type StabilityByOrder
} from '../protocol/result';
import { solveAndOrBatch, type AndOrSolution, type BatchSolver } from './andOr';
import { ambiguityOf, metricSpread, optimaSalient } from './ambiguity';
import { AnalysisCancelledError, AnalysisInputError } from './errors';
import { poolFeatures, pooledSize } from './featurePooling';
import { checkFinite, forwardInChunks, type Between } from './forwardPasses';
import { layerLabel } from './layerLabel';
import { compareLayers, type ComparedSample } from './layerMetrics';
import { LayerScalars, type AnalysedLayer } from './layerScalars';
import { baselineOf, MaskedSampler, validateVariables } from './masking';
import { ProbeModel, trainProbe, type LinearProbe, type ProbeTrainer } from './probe';
import type { LayerDescriptor, ModelRunner } from './runner';
import { sampleAccuracies } from './sampleAccuracy';
import { addDraw, MIN_ORDER, recordSample, type SampleRecord } from './sampleRecord';
import { salienceThresholds } from './salience';
import { DEGENERATE_KAPPA_SHARE, degenerateKappa } from './solver/objective';
import { classCount, predictedClass, targetClass } from './scalarOutput';
import { noisySample, stabilityByOrder } from './stability';
import { subsetOrders } from './subsets';
import { trackInteractions } from './tracking';

/**
 * Memory the samples whose solves are pending may hold while the next samples' forward passes
 * run. One problem can take far longer than the rest (the demo has one that runs to the 20 s
 * time bound), and the results are taken in sample order, so the other threads keep busy only
 * if many samples may wait behind it: with at most 4 the demo kept one of its two cores idle
 * for 17 s. A pending sample holds per layer its 2^n values and its solution (3 dense vectors,
 * 2 per alternative optimum, 1 per noise draw).
 */
const IN_FLIGHT_BYTES = 256 * 2 ** 20;

function samplesInFlight(n: number, layers: number, options: AnalysisOptions): number {
  const vectors = 4 + 2 * options.solver.alternatives + 2 * options.stability.draws;
  return Math.max(4, Math.floor(IN_FLIGHT_BYTES / (8 * 2 ** n * layers * vectors)));
}

/** Bit masks are 32-bit integers, and 2^n vectors must fit in memory. */
const HARD_MAX_VARIABLES = 26;

export interface AnalyzeInput {
  runner: ModelRunner;
  /** The samples to analyse: [count, prod(runner.inputShape)] row-major. */
  samples: { data: Float32Array; count: number };
  /** Ground-truth class of each sample; without labels the target is the predicted class. */
  labels?: ArrayLike<number> | null;
  /**
   * The user's training data: the probes' training set (labels needed when intermediate
   * layers are analysed) and the source of the 'mean' baseline.
   */
  training?: { data: Float32Array; count: number; labels?: ArrayLike<number> | null } | null;
  options: AnalysisOptions;
  /** Where the model came from (file, notebook variable), recorded in the result. */
  source: string;
  toolVersion: string;
  /** Checked between chunks of work; an AbortSignal fits. */
  signal?: { readonly aborted: boolean } | null;
  /** Each sample's index recorded in the result (default 0..count-1). */
  sampleIndices?: number[] | null;
  /** Solves the (sample, layer) problems; default: in this thread (solveAndOrBatch). */
  solveBatch?: BatchSolver | null;
  /** Trains the probes, all asked for at once; default: in this thread, one at a time. */
  trainProbe?: ProbeTrainer | null;
}

/**
 * passes: the masked forward passes (the solves of earlier samples run meanwhile); solves:
 * once every pass is done, the (sample, layer) problems still being solved, counted with
 * those solved already.
 */
export type AnalysisStage = 'features' | 'probes' | 'passes' | 'solves' | 'metrics';

export interface AnalysisProgress {
  stage: AnalysisStage;
  done: number;
  total: number;
}

export type ProgressCallback = (progress: AnalysisProgress) => void;

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const formatCount = (x: number) => x.toLocaleString('en-US');

function checkVariableCount(n: number, samples: number, options: AnalysisOptions): void {
  if (n <= options.maxVariables || (options.force && n <= HARD_MAX_VARIABLES)) {
    return;
  }
  const draws = options.stability.enabled ? options.stability.draws : 0;
  const passes = 2 ** n * samples * (1 + draws);
  const cost =
    `n = ${n} variables needs 2^${n} = ${formatCount(2 ** n)} masked forward passes per sample ` +
    `(${formatCount(passes)} for ${samples} sample${samples === 1 ? '' : 's'}` +
    `${draws ? ` and ${draws} noise draws each` : ''})`;
  if (n > HARD_MAX_VARIABLES) {
    throw new AnalysisInputError(`${cost}; at most ${HARD_MAX_VARIABLES} variables are supported`);
  }
  throw new AnalysisInputError(
    `${cost}; the limit is maxVariables = ${options.maxVariables}. Use fewer variables, or set force to run anyway`
  );
}

function checkLabels(
  labels: ArrayLike<number>,
  expected: number,
  classes: number,
  what: string
): void {
  if (labels.length !== expected) {
    throw new AnalysisInputError(`${what}: ${labels.length} labels for ${expected} samples`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new AnalysisInputError(
        `${what}: label ${y} of sample ${i} is not a class of the model (0..${classes - 1})`
      );
    }
  }
}

function checkData(data: Float32Array, rows: number, inputSize: number, what: string): void {
  if (!Number.isInteger(rows) || rows < 0 || data.length !== rows * inputSize) {
    throw new AnalysisInputError(
      `${what}: expected ${rows} samples of ${inputSize} values (${rows * inputSize}), got ${data.length} values`
    );
  }
}

/** Intermediate layers to probe, in forward order, and the output layer (always last). */
function chooseLayers(
  runner: ModelRunner,
  requested: string[]
): { probed: LayerDescriptor[]; output: LayerDescriptor } {
  const output = runner.layers[runner.layers.length - 1];
  const byName = new Map(runner.layers.map(l => [l.name, l]));
  const names = requested.length
    ? requested
    : runner.layers.filter(l => l.hasWeights).map(l => l.name);
  const chosen = new Map<string, LayerDescriptor>();
  for (const name of names) {
    const layer = byName.get(name);
    if (!layer) {
      throw new AnalysisInputError(
        `unknown layer '${name}'; the model's layers are: ${runner.layers.map(l => l.name).join(', ')}`
      );
    }
    if (layer !== output) {
      chosen.set(name, layer);
    }
  }
  return { probed: [...chosen.values()].sort((a, b) => a.index - b.index), output };
}

function salientList(
  masks: Int32Array,
  values: Float64Array,
  tau: number,
  orders: Uint8Array
): Interaction[] {
  const list: Interaction[] = [];
  masks.forEach((mask, j) => {
    if (Math.abs(values[j]) > tau) {
      list.push({ mask, order: orders[mask], value: values[j] });
    }
  });
  return list.sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.mask - b.mask);
}

export async function analyze(
  input: AnalyzeInput,
  onProgress?: ProgressCallback
): Promise<AnalysisResult> {
  const started = performance.now();
  const { runner, options } = input;
  const progress = onProgress ?? (() => undefined);
  const solveBatch = input.solveBatch ?? solveAndOrBatch;
  const between: Between = async () => {
    if (input.signal?.aborted) {
      throw new AnalysisCancelledError();
    }
    // Lets timers and I/O (a cancel request, progress messages) run on synchronous backends.
    await new Promise<void>(resolve => setTimeout(resolve, 0));
  };

  // --- validation
  const n = options.variables.length;
  const sampleCount = input.samples.count;
  const inputSize = product(runner.inputShape);
  if (sampleCount < 1) {
    throw new AnalysisInputError('no samples to analyse');
  }
  checkVariableCount(n, sampleCount, options);
  checkData(input.samples.data, sampleCount, inputSize, 'samples');
  validateVariables(options.variables, inputSize);
  if (options.variableNames && options.variableNames.length !== n) {
    throw new AnalysisInputError(
      `${options.variableNames.length} variable names for ${n} variables`
    );
  }
  const sampleIndices = input.sampleIndices ?? Array.from({ length: sampleCount }, (_, i) => i);
  if (sampleIndices.length !== sampleCount) {
    throw new AnalysisInputError(
      `${sampleIndices.length} sample indices for ${sampleCount} samples`
    );
  }
  const training = input.training ?? null;
  if (training) {
    checkData(training.data, training.count, inputSize, 'training inputs');
  }
  const { probed, output } = chooseLayers(runner, options.layers);
  let probeData: { data: Float32Array; count: number; labels: ArrayLike<number> } | null = null;
  if (probed.length > 0) {
    if (!training?.labels) {
      throw new AnalysisInputError(
        `training inputs and labels are needed to train the probes of the intermediate layers (${probed
          .map(l => l.name)
          .join(', ')}); give them, or analyse only the output layer (layers: ['${output.name}'])`
      );
    }
    probeData = { data: training.data, count: training.count, labels: training.labels };
  }
  const baseline = baselineOf(options.baseline, inputSize, training);

  // --- the unmasked samples: predicted classes, targets, a first check of every layer
  const predicted: number[] = [];
  let columns = 0;
  const probedNames = probed.map(l => l.name);
  await forwardInChunks(
    runner,
    sampleCount,
    options.batchSize,
    probedNames,
    (start, rows) => input.samples.data.subarray(start * inputSize, (start + rows) * inputSize),
    (outputs, start, rows) => {
      checkFinite(
        outputs,
        rows,
        probedNames,
        output.name,
        row => `sample ${sampleIndices[start + row]}`
      );
      columns = outputs.logits.length / rows;
      for (let r = 0; r < rows; r++) {
        predicted.push(predictedClass(outputs.logits, r * columns, columns));
      }
    },
    between
  );
  const classes = classCount(columns);
  const labels = input.labels ?? null;
  if (labels) {
    checkLabels(labels, sampleCount, classes, 'samples');
  }
  const targets = predicted.map((p, s) =>
    targetClass(options.target, labels ? labels[s] : null, p)
  );

  // --- probes, trained on the unmasked training features
  const analysed: AnalysedLayer[] = [];
  // per probe, its accuracy on the analysed samples (null without their labels)
  let onSamples: number[] | null = null;
  try {
    if (probeData) {
      checkLabels(probeData.labels, probeData.count, classes, 'training data');
      const features = await trainingFeatures(
        runner,
        probed,
        output.name,
        probeData,
        inputSize,
        options,
        progress,
        between
      );
      const train = input.trainProbe ?? inTurn(trainProbe);
      let trained = 0;
      const probes = await Promise.all(
        probed.map(async (_, i): Promise<LinearProbe> => {
          const data = {
            features: features[i],
            count: probeData.count,
            labels: probeData.labels,
            classes
          };
          const probe = await train(data, options.probe, between);
          features[i] = new Float32Array(0);
          progress({ stage: 'probes', done: ++trained, total: probed.length });
          return probe;
        })
      );
      // between() after a trainer that does not call it (another thread's)
      await between();
      const models = probes.map(probe => new ProbeModel(probe));
      models.forEach((probe, i) => analysed.push({ descriptor: probed[i], probe }));
      if (labels) {
        onSamples = await sampleAccuracies(
          runner,
          models.map((probe, i) => ({ descriptor: probed[i], probe })),
          input.samples,
          labels,
          options,
          between
        );
      }
    }
    analysed.push({ descriptor: output, probe: null });

    // --- masked passes and solves, sample by sample
    const scalars = new LayerScalars(runner, analysed, {
      features: options.features,
      batchSize: options.batchSize
    });
    const orders = subsetOrders(n);
    const size = 2 ** n;
    const draws = options.stability.enabled ? options.stability.draws : 0;
    const totalPasses = sampleCount * size * (1 + draws);
    let passes = 0;
    const onChunk = (rows: number) => {
      passes += rows;
      progress({ stage: 'passes', done: passes, total: totalPasses });
    };
    const sums = {
      and: analysed.map(() => new Float64Array(size)),
      or: analysed.map(() => new Float64Array(size))
    };
    // The forward passes run here while the solves of earlier samples go on (in solveBatch's
    // threads, when it has any); results are taken in sample order, so sums do not depend
    // on which solve finishes first.
    const inFlight: Promise<SolvedSample>[] = [];
    const inFlightLimit = samplesInFlight(n, analysed.length, options);
    const records: SampleRecord[] = [];
    // alternatives[j][s]: sample s under the optimum of tie-break variant j + 1, where the
    // solve gave one (else the canonical one stands in: hasAlternatives[s][l] says which).
    const alternativeCount = alternativesAsked(options);
    const alternatives: SampleRecord[][] = Array.from({ length: alternativeCount }, () => []);
    const hasAlternatives: boolean[][] = [];
    const totalProblems = sampleCount * analysed.length * (1 + draws);
    let solvedProblems = 0;
    let passesDone = false;
    const take = async () => {
      const { values, solutions, drawSolutions } = await inFlight.shift()!;
      solvedProblems += solutions.length * (1 + drawSolutions.length);
      if (passesDone) {
        progress({ stage: 'solves', done: solvedProblems, total: totalProblems });
      }
      for (const kind of ['and', 'or'] as const) {
        solutions.forEach((solution, l) => {
          const sum = sums[kind][l];
          solution[kind].forEach((x, mask) => (sum[mask] += x));
        });
      }
      const record = recordSample(values, solutions, options.salience.tauFactor, orders);
      drawSolutions.forEach(draw => addDraw(record, draw));
      records.push(record);
      hasAlternatives.push(solutions.map(sol => sol.alternatives?.length === alternativeCount));
      alternatives.forEach((list, j) => {
        const optimum = solutions.map(sol => ({ ...sol, ...(sol.alternatives?.[j] ?? {}) }));
        list.push(recordSample(values, optimum, options.salience.tauFactor, orders));
      });
    };
    const collapsed: string[] = [];
    for (let s = 0; s < sampleCount; s++) {
      const sample = input.samples.data.subarray(s * inputSize, (s + 1) * inputSize);
      const label = `sample ${sampleIndices[s]}`;
      const sampler = new MaskedSampler(
        sample,
        baseline,
        options.variables,
        options.unassignedInputs
      );
      const values = await scalars.values(sampler, n, targets[s], label, between, onChunk);
      const degenerate = collapsedBounds(values, analysed, options);
      if (degenerate) {
        collapsed.push(`${label} (${degenerate})`);
      }
      const clean = solveBatch(values, options.solver);
      const noisyValues: Float64Array[][] = [];
      for (let k = 0; k < draws; k++) {
        const noisy = noisySample(sample, options.stability.sigma, options.stability.seed, s, k);
        const noisySampler = new MaskedSampler(
          noisy,
          baseline,
          options.variables,
          options.unassignedInputs
        );
        noisyValues.push(
          await scalars.values(
            noisySampler,
            n,
            targets[s],
            `${label} (noise draw ${k})`,
            between,
            onChunk
          )
        );
      }
      const solved = solveSample(values, clean, noisyValues, solveBatch, options);
      // awaited in take(); this only keeps a failure from counting as unhandled meanwhile
      solved.catch(() => undefined);
      inFlight.push(solved);
      if (inFlight.length >= inFlightLimit) {
        await take();
      }
    }
    passesDone = true;
    progress({ stage: 'solves', done: solvedProblems, total: totalProblems });
    while (inFlight.length > 0) {
      await take();
    }

    progress({ stage: 'metrics', done: 0, total: 1 });
    const result = assemble(
      input,
      analysed,
      { records, alternatives, hasAlternatives },
      targets,
      predicted,
      sampleIndices,
      classes,
      orders,
      sums,
      onSamples
    );
    if (collapsed.length > 0) {
      result.warnings.push(collapsedWarning(collapsed, records.length));
    }
    result.runtime.seconds = (performance.now() - started) / 1000;
    progress({ stage: 'metrics', done: 1, total: 1 });
    return result;
  } finally {
    for (const layer of analysed) {
      layer.probe?.dispose();
    }
  }
}

interface SolvedSample {
  values: Float64Array[];
  solutions: AndOrSolution[];
  /** drawSolutions[k][l]: noise draw k at layer l. */
  drawSolutions: AndOrSolution[][];
}

/**
 * One sample's problems: every layer, then every noise draw started from the clean solve of
 * its layer (a small input change moves the optimum little: bench/solvers.ts measured about
 * 4x fewer pivots than a cold start).
 */
async function solveSample(
  values: Float64Array[],
  clean: Promise<AndOrSolution[]>,
  noisyValues: Float64Array[][],
  solveBatch: BatchSolver,
  options: AnalysisOptions
): Promise<SolvedSample> {
  const solutions = await clean;
  // the noise draws need no alternative optima: stability is read on the canonical ones
  const drawOptions = { ...options.solver, alternatives: 0 };
  const drawSolutions = await Promise.all(
    noisyValues.map(noisy => solveBatch(noisy, drawOptions, solutions))
  );
  return { values, solutions, drawSolutions };
}

/**
 * A trainer that runs the calls of `train` one after another, so progress counts them in
 * order; once one fails, the later ones fail with it instead of training for nothing.
 */
function inTurn(train: ProbeTrainer): ProbeTrainer {
  let previous: Promise<unknown> = Promise.resolve();
  return (data, options, afterEpoch) => {
    const next = previous.then(() => train(data, options, afterEpoch));
    previous = next;
    return next;
  };
}

/** Every probed layer's pooled features of every training sample. */
async function trainingFeatures(
  runner: ModelRunner,
  probed: LayerDescriptor[],
  outputName: string,
  training: { data: Float32Array; count: number },
  inputSize: number,
  options: AnalysisOptions,
  progress: ProgressCallback,
  between: Between
): Promise<Float32Array[]> {
  const names = probed.map(l => l.name);
  const features: Float32Array[] = [];
  await forwardInChunks(
    runner,
    training.count,
    options.batchSize,
    names,
    (start, rows) => training.data.subarray(start * inputSize, (start + rows) * inputSize),
    (outputs, start, rows) => {
      checkFinite(outputs, rows, names, outputName, row => `training sample ${start + row}`);
      probed.forEach((layer, i) => {
        const flat = outputs.features[i];
        const size = pooledSize(flat.length / rows, layer.outputShape, options.features);
        if (start === 0) {
          features.push(new Float32Array(size * training.count));
        }
        features[i].set(
          poolFeatures(flat, rows, layer.outputShape, options.features),
          start * size
        );
      });
      progress({ stage: 'features', done: start + rows, total: training.count });
    },
    between
  );
  return features;
}

/** How many alternative optima the options ask of each solve (method.md 3a). */
function alternativesAsked(options: AnalysisOptions): number {
  const { kind, tieBreak, alternatives } = options.solver;
  return kind === 'exact' && tieBreak === 'mix-hash' ? alternatives : 0;
}

/**
 * The layers at which a sample's noise bound collapses (solver/objective.ts), as
 * 'dense_1 3%, logits 5%' (|v(x_N) - v(x_{})| as a share of v's range); null where none does.
 */
function collapsedBounds(
  values: Float64Array[],
  analysed: AnalysedLayer[],
  options: AnalysisOptions
): string | null {
  if (options.solver.kind === 'none') {
    return null;
  }
  const layers = values.flatMap((v, l) => {
    const degenerate = degenerateKappa(v, options.solver.kappaReference);
    return degenerate
      ? [
          `${analysed[l].descriptor.name} ${((100 * degenerate.endpoints) / degenerate.range).toFixed(1)}%`
        ]
      : [];
  });
  return layers.length > 0 ? layers.join(', ') : null;
}

function collapsedWarning(samples: string[], total: number): string {
  const more = samples.length - 8;
  const shown = samples.slice(0, 8).join('; ') + (more > 0 ? `; and ${more} more` : '');
  return (
    `${samples.length} of ${total} samples score their full and empty inputs alike at some ` +
    `layer (|v(x_N) - v(x_{})| below ${100 * DEGENERATE_KAPPA_SHARE}% of the range of v): ` +
    `${shown}. The noise bound kappa = kappaFactor |v(x_N) - v(x_{})| then almost vanishes, ` +
    'those decompositions need many terms and their solves are slow. ' +
    "Set solver.kappaReference to 'range' to bound the noise by the range of v instead."
  );
}

interface Records {
  records: SampleRecord[];
  /** alternatives[j][s]: sample s under alternative optimum j. */
  alternatives: SampleRecord[][];
  /** hasAlternatives[s][l]: whether sample s's solve at layer l gave its alternatives. */
  hasAlternatives: boolean[][];
}

function assemble(
  input: AnalyzeInput,
  analysed: AnalysedLayer[],
  { records, alternatives, hasAlternatives }: Records,
  targets: number[],
  predicted: number[],
  sampleIndices: number[],
  classes: number,
  orders: Uint8Array,
  sums: { and: Float64Array[]; or: Float64Array[] },
  onSamples: number[] | null
): AnalysisResult {
  const { options, runner } = input;
  const n = options.variables.length;
  const layerCount = analysed.length;
  const last = layerCount - 1;

  // c_l = mean over samples of |v_l(x_N) - v_l(x_{})|; a layer with c_l = 0 is left unscaled.
  // It depends on v only, so every optimum shares it.
  const normalisers = analysed.map(
    (_, l) =>
      records.reduce((sum, r) => sum + Math.abs(r.vFull[l] - r.vEmpty[l]), 0) / records.length
  );
  const divisors = normalisers.map(c => (c > 0 ? c : 1));
  const normalised = (values: Float64Array, layer: number) =>
    Float64Array.from(values, x => x / divisors[layer]);

  /** Salience and the layer comparisons of one optimum's records. */
  const compared = (optimum: SampleRecord[]) => {
    const taus = salienceThresholds(
      optimum.map(r => r.maxima),
      options.salience
    );
    // salient[s][kind][l][j]: whether record s's j-th subset is salient at layer l.
    const salient = optimum.map((record, s) => ({
      and: record.and.values.map((v, layer) => Array.from(v, x => Math.abs(x) > taus[s][layer])),
      or: record.or.values.map((v, layer) => Array.from(v, x => Math.abs(x) > taus[s][layer]))
    }));
    const compare = (
      earlier: number | null,
      later: number,
      row: number,
      countOf: 'earlier' | 'later'
    ): LayerMetrics => {
      const byKind = (kind: 'and' | 'or') => {
        const samples: ComparedSample[] = optimum.map((record, s) => ({
          masks: record[kind].masks,
          earlier: earlier === null ? null : normalised(record[kind].values[earlier], earlier),
          later: normalised(record[kind].values[later], later),
          earlierSalient: earlier === null ? null : salient[s][kind][earlier],
          laterSalient: salient[s][kind][later]
        }));
        return compareLayers(samples, n, MIN_ORDER[kind], options.metricsForm, countOf);
      };
      return { layer: analysed[row].descriptor.name, and: byKind('and'), or: byKind('or') };
    };
    return {
      taus,
      salient,
      final: analysed.map((_, l) => compare(l, last, l, 'earlier')),
      previous: analysed.map((_, l) => compare(l > 0 ? l - 1 : null, l, l, 'later'))
    };
  };
  const canonical = compared(records);
  const { taus, salient } = canonical;
  const others = alternatives.map(compared);
  const final = metricSpread(
    canonical.final,
    others.map(o => o.final)
  );
  const previous = metricSpread(
    canonical.previous,
    others.map(o => o.previous)
  );

  const layers: LayerInfo[] = analysed.map((layer, i) => ({
    name: layer.descriptor.name,
    label: layerLabel(layer.descriptor.name, layer.descriptor.className),
    index: layer.descriptor.index,
    kind: layer.probe ? 'probe' : 'output',
    // probes come first in `analysed`, in the order of onSamples
    probe: layer.probe
      ? {
          ...layer.probe.probe.report,
          sampleAccuracy: onSamples ? onSamples[i] : null,
          sampleCount: onSamples ? records.length : 0
        }
      : null,
    normaliser: normalisers[i]
  }));
  const labels = input.labels ?? null;
  const samples: SampleInfo[] = records.map((_, s) => ({
    index: sampleIndices[s],
    label: labels ? labels[s] : null,
    target: targets[s],
    predicted: predicted[s]
  }));
  const perSample: SampleLayerResult[][] = records.map((record, s) =>
    analysed.map((_, layer) => {
      const cell: SampleLayerResult = {
        vFull: record.vFull[layer],
        vEmpty: record.vEmpty[layer],
        tau: taus[s][layer],
        solve: record.reports[layer],
        ambiguity: null,
        and: salientList(record.and.masks, record.and.values[layer], taus[s][layer], orders),
        or: salientList(record.or.masks, record.or.values[layer], taus[s][layer], orders)
      };
      if (others.length > 0 && hasAlternatives[s][layer]) {
        const masks = [canonical, ...others].map((o, j) => {
          const optimum = j === 0 ? records[s] : alternatives[j - 1][s];
          const salientOf = (kind: 'and' | 'or') =>
            Array.from(optimum[kind].masks).filter((_, i) => o.salient[s][kind][layer][i]);
          return { and: salientOf('and'), or: salientOf('or') };
        });
        const optima = masks.map(
          m => new Set([...m.and.map(x => `and ${x}`), ...m.or.map(x => `or ${x}`)])
        );
        cell.ambiguity = { ...ambiguityOf(optima), salient: masks.slice(1) };
        for (const kind of ['and', 'or'] as const) {
          cell[kind] = cell[kind].map(interaction => ({
            ...interaction,
            optimaSalient: optimaSalient(optima, `${kind} ${interaction.mask}`)
          }));
        }
      }
      return cell;
    })
  );

  const tracking = (['and', 'or'] as const)
    .flatMap(kind => {
      const salientAnywhere = analysed.map(() => new Uint8Array(2 ** n));
      records.forEach((record, s) => {
        record[kind].masks.forEach((mask, j) => {
          for (let layer = 0; layer < layerCount; layer++) {
            if (salient[s][kind][layer][j]) {
              salientAnywhere[layer][mask] = 1;
            }
          }
        });
      });
      const agreementSums = analysed.map(() => new Float64Array(2 ** n));
      const agreementCounts = analysed.map(() => new Uint32Array(2 ** n));
      perSample.forEach(row =>
        row.forEach((cell, layer) => {
          for (const interaction of cell.ambiguity ? cell[kind] : []) {
            agreementSums[layer][interaction.mask] +=
              interaction.optimaSalient! / cell.ambiguity!.optima;
            agreementCounts[layer][interaction.mask]++;
          }
        })
      );
      return trackInteractions({
        kind,
        sums: sums[kind],
        sampleCount: records.length,
        divisors,
        salientAnywhere,
        agreementSums,
        agreementCounts
      });
    })
    .sort((a, b) => peak(b.strength) - peak(a.strength) || a.mask - b.mask);

  let stability: StabilityByOrder[] | null = null;
  if (options.stability.enabled) {
    stability = analysed.flatMap((layer, l) =>
      (['and', 'or'] as const).map(kind => ({
        kind,
        layer: layer.descriptor.name,
        stability: stabilityByOrder(
          records.map((record, s) => {
            const keep = salient[s][kind][l].flatMap((isSalient, j) => (isSalient ? [j] : []));
            return {
              masks: keep.map(j => record[kind].masks[j]),
              draws: record[kind].draws[l].map(draw => keep.map(j => draw[j]))
            };
          }),
          n,
          MIN_ORDER[kind]
        )
      }))
    );
  }

  return {
    schemaVersion: SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    tool: { name: 'layerwise', version: input.toolVersion },
    runtime: { backend: runner.backend, runner: runner.runner, seconds: 0 },
    options,
    model: { source: input.source, inputShape: runner.inputShape, classes },
    variables: { n, names: options.variableNames ?? options.variables.map((_, i) => `x${i}`) },
    layers,
    samples,
    perSample,
    metrics: { final, previous },
    tracking,
    stability,
    warnings: []
  };
}

function peak(strength: number[]): number {
  return strength.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
}
