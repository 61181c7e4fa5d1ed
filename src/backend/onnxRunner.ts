/**
 * A ModelRunner over ONNX Runtime for Node (onnxruntime-node), for the models the kernel plugin
 * exports from PyTorch (layerwise/kernel/torch_export.py): one graph whose outputs are the
 * logits and every tapped layer, with a dynamic batch axis. Everything is checked when the
 * model loads (ORT builds the session, the outputs the metadata names exist, one small batch
 * runs and gives the recorded shapes), so a broken export fails before the analysis starts,
 * with the output and layer named.
 *
 * An ONNX file without layerwise metadata is accepted too: its one input takes the samples,
 * its first output is the logits and every other output is a layer named after the output.
 *
 * Inputs: the engine's rows are float32. A graph whose input is int64 (token ids) gets them
 * converted, and a value that is not an integer (a fractional baseline) is refused.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AnalysisInputError } from '../engine/errors';
import type { ForwardOutputs, LayerDescriptor, ModelRunner } from '../engine/runner';
import { readInputFile } from './inputFiles';
import { LayerwiseOnnxMetadata, METADATA_KEY, readMetadataProps } from './onnxMetadata';

export interface OnnxRunnerOptions {
  /** Threads of one forward pass (ORT's intra-op pool). Default: one per core. */
  threads?: number;
  /** Most samples per session run: bounds the memory of one forward pass. Default 1024. */
  maxBatch?: number;
  /** Use the CUDA execution provider when onnxruntime-node has it installed. Default true. */
  cuda?: boolean;
}

export type OnnxInputDtype = 'float32' | 'int64';

/**
 * Rows of the load-time check: not the exporter's trace batch (2), so a batch size frozen into
 * the graph (a reshape to a constant) shows at load rather than in the middle of an analysis.
 */
const CHECK_BATCH = 3;
const CUDA_PROVIDER_LIBRARY = 'libonnxruntime_providers_cuda.so';

interface PlannedLayer extends LayerDescriptor {
  /** The graph output holding the layer's output. */
  output: string;
}

interface Plan {
  inputName: string;
  inputDtype: OnnxInputDtype;
  inputShape: number[];
  logitsOutput: string;
  /** Tapped layers in forward order, then the output layer. null shapes: learnt at the check. */
  layers: Array<Omit<PlannedLayer, 'outputShape'> & { outputShape: number[] | null }>;
  classes: number | null;
  warnings: string[];
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const list = (names: readonly string[]) => names.map(n => `'${n}'`).join(', ');

function tensorMetadata(
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  name: string
): ort.InferenceSession.TensorValueMetadata | null {
  const found = metadata.find(m => m.name === name);
  return found?.isTensor ? found : null;
}

function planFromMetadata(
  meta: LayerwiseOnnxMetadata,
  session: ort.InferenceSession,
  name: string
): Plan {
  const outputs = new Set(session.outputNames);
  const missing = (output: string, what: string) =>
    new AnalysisInputError(
      `${name}: the graph has no output '${output}' (${what}); its outputs are ${list(session.outputNames)}. Export the model again`
    );
  if (!outputs.has(meta.logits.output)) {
    throw missing(meta.logits.output, 'the logits');
  }
  const taps = meta.layers.filter(l => l.output !== meta.logits.output);
  const output = meta.layers.find(l => l.output === meta.logits.output);
  for (const layer of taps) {
    if (!outputs.has(layer.output)) {
      throw missing(layer.output, `layer '${layer.name}'`);
    }
  }
  const names = new Set<string>();
  for (const layer of meta.layers) {
    if (names.has(layer.name)) {
      throw new AnalysisInputError(`${name}: the metadata names layer '${layer.name}' twice`);
    }
    names.add(layer.name);
  }
  const outputLayer = output ?? {
    name: 'output',
    output: meta.logits.output,
    index: Math.max(...taps.map(l => l.index)) + 1,
    hasWeights: true,
    outputShape: [meta.logits.classes]
  };
  return {
    inputName: meta.input.name,
    inputDtype: meta.input.dtype,
    inputShape: meta.input.shape,
    logitsOutput: meta.logits.output,
    layers: [...[...taps].sort((a, b) => a.index - b.index), outputLayer].map(l => ({
      name: l.name,
      index: l.index,
      hasWeights: l.hasWeights,
      output: l.output,
      outputShape: l.outputShape,
      ...(l.className === undefined ? {} : { className: l.className })
    })),
    classes: meta.logits.classes,
    warnings: meta.warnings
  };
}

function planFromGraph(session: ort.InferenceSession, name: string): Plan {
  const input = tensorMetadata(session.inputMetadata, session.inputNames[0]);
  if (!input) {
    throw new AnalysisInputError(
      `${name}: the graph's input '${session.inputNames[0]}' is not a tensor`
    );
  }
  if (input.type !== 'float32' && input.type !== 'int64') {
    throw new AnalysisInputError(
      `${name}: the graph's input '${input.name}' is ${input.type}; float32 and int64 (token ids) are supported`
    );
  }
  const dims = input.shape.slice(1);
  if (input.shape.length < 2 || dims.some(d => typeof d !== 'number' || d <= 0)) {
    throw new AnalysisInputError(
      `${name}: the graph's input '${input.name}' has shape [${input.shape.join(', ')}]; only the first (batch) axis may be dynamic`
    );
  }
  const [logits, ...taps] = session.outputNames;
  return {
    inputName: input.name,
    inputDtype: input.type,
    inputShape: dims as number[],
    logitsOutput: logits,
    layers: [...taps, logits].map((output, index) => ({
      name: output,
      index,
      hasWeights: true,
      output,
      outputShape: null
    })),
    classes: null,
    warnings: []
  };
}

function readPlan(bytes: Uint8Array, session: ort.InferenceSession, name: string): Plan {
  if (session.inputNames.length !== 1) {
    throw new AnalysisInputError(
      `${name}: the graph has ${session.inputNames.length} inputs (${list(session.inputNames)}); one is supported`
    );
  }
  const text = readMetadataProps(bytes).get(METADATA_KEY);
  if (text === undefined) {
    return planFromGraph(session, name);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AnalysisInputError(`${name}: its layerwise metadata is not valid JSON`);
  }
  const parsed = LayerwiseOnnxMetadata.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AnalysisInputError(
      `${name}: its layerwise metadata is not understood (${issue.path.join('.')}: ${issue.message}); export the model again with this version of layerwise`
    );
  }
  const plan = planFromMetadata(parsed.data, session, name);
  const input = tensorMetadata(session.inputMetadata, session.inputNames[0]);
  if (session.inputNames[0] !== plan.inputName || (input && input.type !== plan.inputDtype)) {
    throw new AnalysisInputError(
      `${name}: the graph's input is '${session.inputNames[0]}' (${input?.type ?? 'not a tensor'}), the metadata says '${plan.inputName}' (${plan.inputDtype})`
    );
  }
  return plan;
}

/** Whether the CUDA execution provider's library was installed next to the binding. */
function cudaInstalled(): boolean {
  if (!ort.listSupportedBackends().some(b => b.name === 'cuda')) {
    return false;
  }
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(dir, CUDA_PROVIDER_LIBRARY));
  } catch {
    return false;
  }
}

async function createSession(
  bytes: Uint8Array,
  name: string,
  options: OnnxRunnerOptions
): Promise<{ session: ort.InferenceSession; backend: string }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Fatal only: every error reaches the caller as an exception, and warnings (unused
    // initialisers, ...) are not the user's concern.
    logSeverityLevel: 4
  };
  if ((options.cuda ?? true) && cudaInstalled()) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        ...base,
        executionProviders: ['cuda', 'cpu']
      });
      return { session, backend: 'onnxruntime-cuda' };
    } catch {
      // The provider library is there but CUDA itself is not usable: the CPU runs it.
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, {
      ...base,
      executionProviders: ['cpu']
    });
    return { session, backend: 'onnxruntime-cpu' };
  } catch (error) {
    throw new AnalysisInputError(
      `${name}: ONNX Runtime cannot load this model (${oneLine(error)})`
    );
  }
}

function oneLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error)
    .replace(/\s+/g, ' ')
    .trim();
}

function asFloat32(tensor: ort.Tensor, output: string): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) {
    return data;
  }
  if (
    data instanceof Float64Array ||
    data instanceof Int32Array ||
    data instanceof BigInt64Array ||
    data instanceof Uint8Array
  ) {
    return Float32Array.from(data as ArrayLike<number | bigint>, Number);
  }
  throw new AnalysisInputError(`output '${output}' is ${tensor.type}; numeric outputs are needed`);
}

export class OnnxRunner implements ModelRunner {
  readonly runner = 'onnx' as const;
  readonly inputShape: number[];
  readonly classes: number;
  readonly layers: LayerDescriptor[];
  readonly inputDtype: OnnxInputDtype;
  /** What the exporter noticed (e.g. control flow frozen by tracing), for the user to see. */
  readonly warnings: string[];

  private readonly outputOf = new Map<string, string>();
  private readonly inputName: string;
  private readonly logitsOutput: string;
  private readonly maxBatch: number;
  private released = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly backend: string,
    plan: Plan,
    layers: PlannedLayer[],
    classes: number,
    maxBatch: number
  ) {
    this.inputName = plan.inputName;
    this.inputDtype = plan.inputDtype;
    this.inputShape = plan.inputShape;
    this.logitsOutput = plan.logitsOutput;
    this.warnings = plan.warnings;
    this.classes = classes;
    this.maxBatch = maxBatch;
    this.layers = layers.map(({ name, index, hasWeights, outputShape, className }) => ({
      name,
      index,
      hasWeights,
      outputShape,
      ...(className === undefined ? {} : { className })
    }));
    for (const layer of layers) {
      this.outputOf.set(layer.name, layer.output);
    }
  }

  /**
   * Loads and checks a model; `name` (a path, a variable) prefixes every error. Every way the
   * model can be unusable ends in an AnalysisInputError.
   */
  static async create(
    bytes: Uint8Array,
    name: string,
    options: OnnxRunnerOptions = {}
  ): Promise<OnnxRunner> {
    try {
      readMetadataProps(bytes);
    } catch (error) {
      throw new AnalysisInputError(`${name}: not an ONNX model (${oneLine(error)})`);
    }
    const { session, backend } = await createSession(bytes, name, options);
    try {
      const plan = readPlan(bytes, session, name);
      const { layers, classes } = await checkRun(session, plan, name);
      return new OnnxRunner(session, backend, plan, layers, classes, options.maxBatch ?? 1024);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private inputTensor(inputs: Float32Array, count: number): ort.Tensor {
    const dims = [count, ...this.inputShape];
    if (this.inputDtype === 'float32') {
      return new ort.Tensor('float32', inputs, dims);
    }
    return new ort.Tensor('int64', toIds(inputs, product(this.inputShape)), dims);
  }

  async run(inputs: Float32Array, batch: number, layerNames: string[]): Promise<ForwardOutputs> {
    const size = product(this.inputShape);
    if (inputs.length !== batch * size) {
      throw new AnalysisInputError(
        `expected ${batch} inputs of ${size} values (${batch * size}), got ${inputs.length} values`
      );
    }
    if (this.released) {
      throw new Error('the ONNX runner was disposed');
    }
    const outputs = layerNames.map(name => {
      const output = this.outputOf.get(name);
      if (output === undefined) {
        throw new AnalysisInputError(
          `unknown layer '${name}'; the exported model's layers are: ${this.layers.map(l => l.name).join(', ')} (export it again with the layers to analyse)`
        );
      }
      return output;
    });
    outputs.push(this.logitsOutput);
    const fetches = [...new Set(outputs)];
    const widths = new Map<string, number>();
    const results = new Map<string, Float32Array>();
    for (let start = 0; start < batch; start += this.maxBatch) {
      const count = Math.min(this.maxBatch, batch - start);
      const feed = this.inputTensor(inputs.subarray(start * size, (start + count) * size), count);
      const got = await this.session.run({ [this.inputName]: feed }, fetches);
      for (const output of fetches) {
        const values = asFloat32(got[output], output);
        if (start === 0) {
          widths.set(output, values.length / count);
          results.set(output, new Float32Array((values.length / count) * batch));
        }
        const width = widths.get(output) as number;
        if (values.length !== width * count) {
          throw new AnalysisInputError(
            `output '${output}' has ${values.length / count} values per sample in one batch and ${width} in another`
          );
        }
        (results.get(output) as Float32Array).set(values, width * start);
      }
    }
    const arrays = outputs.map(output => results.get(output) as Float32Array);
    const logits = arrays.pop() as Float32Array;
    return { features: arrays, logits };
  }

  dispose(): void {
    if (!this.released) {
      this.released = true;
      void this.session.release().catch(() => undefined);
    }
  }
}

/** The engine's float rows as int64 token ids; a fraction (a 'mean' baseline) is refused. */
function toIds(inputs: Float32Array, size: number): BigInt64Array {
  const ids = new BigInt64Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const value = inputs[i];
    if (!Number.isInteger(value)) {
      throw new AnalysisInputError(
        `the model takes integer token ids, but input ${i % size} of row ${Math.floor(i / size)} is ${value}; mask with an integer baseline (the mask token id), not the mean`
      );
    }
    ids[i] = BigInt(value);
  }
  return ids;
}

/**
 * One batch of CHECK_BATCH zero inputs through every output: that ORT can run the graph, and
 * each output's shape (checked against the metadata, or learnt for a graph without it).
 */
async function checkRun(
  session: ort.InferenceSession,
  plan: Plan,
  name: string
): Promise<{ layers: PlannedLayer[]; classes: number }> {
  const size = product(plan.inputShape);
  const dims = [CHECK_BATCH, ...plan.inputShape];
  const feed =
    plan.inputDtype === 'float32'
      ? new ort.Tensor('float32', new Float32Array(CHECK_BATCH * size), dims)
      : new ort.Tensor('int64', new BigInt64Array(CHECK_BATCH * size), dims);
  const fetches = [...new Set(plan.layers.map(l => l.output))];
  let got: ort.InferenceSession.ReturnType;
  try {
    got = await session.run({ [plan.inputName]: feed }, fetches);
  } catch (error) {
    throw new AnalysisInputError(
      `${name}: ONNX Runtime fails to run the model on a batch of ${CHECK_BATCH} (${oneLine(error)})`
    );
  }
  const layers = plan.layers.map(layer => {
    const tensor = got[layer.output];
    const what = `layer '${layer.name}' (output '${layer.output}')`;
    const expected = layer.outputShape;
    const shape = tensor.dims.slice(1);
    if (
      tensor.dims[0] !== CHECK_BATCH ||
      (expected !== null &&
        (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])))
    ) {
      throw new AnalysisInputError(
        `${name}: ${what} has shape [${tensor.dims.join(', ')}] for a batch of ${CHECK_BATCH}, expected [${CHECK_BATCH}, ${(expected ?? ['...']).join(', ')}]; the model's forward() may fix the batch size`
      );
    }
    asFloat32(tensor, layer.output);
    return { ...layer, outputShape: [...shape] };
  });
  const logitsShape = got[plan.logitsOutput].dims;
  if (logitsShape.length !== 2) {
    throw new AnalysisInputError(
      `${name}: the logits (output '${plan.logitsOutput}') have shape [${logitsShape.join(', ')}]; a classifier's [batch, classes] is needed`
    );
  }
  const classes = logitsShape[1] === 1 ? 2 : logitsShape[1];
  if (plan.classes !== null && classes !== plan.classes) {
    throw new AnalysisInputError(
      `${name}: the logits have ${logitsShape[1]} columns, the metadata says ${plan.classes} classes`
    );
  }
  return { layers, classes };
}

/** Loads an .onnx file (see OnnxRunner.create). */
export async function loadOnnxRunner(
  path: string,
  options: OnnxRunnerOptions = {}
): Promise<OnnxRunner> {
  return OnnxRunner.create(await readInputFile(path), path, options);
}
