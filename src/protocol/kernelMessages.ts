/**
 * Messages between the lab extension and the Layerwise kernel plugin (Python, inside
 * ipykernel), over a Jupyter comm with target `layerwise`.
 *
 * Setup (frontend):
 *   1. Register the plugin with a silent execute request of KERNEL_REGISTER_CODE
 *      (`silent: true, store_history: false`) and check its reply: status 'error' with ename
 *      ModuleNotFoundError means layerwise is not installed in the kernel's environment. It
 *      is harmless to send again (each new session, after a restart): register() is idempotent.
 *   2. `kernel.createComm(KERNEL_COMM_TARGET)`, set `comm.onMsg`, then `comm.open({})`. The
 *      plugin answers the open with a `hello` message (KernelToFrontend). Without a successful
 *      step 1 the kernel closes the comm at once (`comm.onClose`) and no hello comes.
 *   3. Send FrontendToKernel messages with `comm.send(msg)`; every answer carries the
 *      request's `requestId`. Validate incoming `msg.content.data` with KernelToFrontend.
 *
 * An `inspect` gets one `inspection` (or `error`). An `export` gets a stream of `chunk`
 * messages, each with exactly one binary buffer (`msg.buffers[0]`, a few MB at most), part
 * after part in this order: the model when one was asked for (`model.json` and `weights.bin`
 * for Keras and TF.js models, `model.onnx` for torch), then `array:<role>` for each requested
 * array in ArrayRole order; every part has at least one
 * chunk (the last one has `final: true`). The stream ends with `exported` or, on failure at
 * any point, with `error`. The kernel handles one message at a time, and only while no cell
 * is running: a request sent during a long cell is answered after it.
 *
 * The plugin never evaluates code sent from the browser: it parses `cellSource` with Python's
 * `ast` and looks the names it assigns or reads up in the user namespace.
 */
import { z } from 'zod';
import { ArrayDType } from './api';

export const KERNEL_COMM_TARGET = 'layerwise';
export const KERNEL_PROTOCOL_VERSION = 1;
/** The code of the silent execute request that registers the comm target. */
export const KERNEL_REGISTER_CODE = "__import__('layerwise.kernel').kernel.register()";

/** What an array is used for in an analysis (api.ts CreateJobRequest). */
export const ArrayRole = z.enum(['samples', 'sampleLabels', 'trainInputs', 'trainLabels']);
export type ArrayRole = z.infer<typeof ArrayRole>;

export const ModelFramework = z.enum(['keras', 'tfjs-file', 'torch']);
export type ModelFramework = z.infer<typeof ModelFramework>;

/** A shape as Python knows it: null for a dimension unknown before data arrives (batch). */
const Dims = z.array(z.number().int().nonnegative().nullable());

/** Stable error codes, for the frontend to pick a message or an action. */
export const KernelErrorCode = z.enum([
  /** The message did not match FrontendToKernel. */
  'bad-request',
  /** `cellSource` is not valid Python. */
  'syntax-error',
  /** The named model is not (or no longer) a model in the user namespace. */
  'unknown-model',
  /** The named array is missing, not array-like, or its rows do not fit the request. */
  'unknown-array',
  'bad-array',
  /** A layer (or activation, or option of a layer) the TF.js export does not cover. */
  'unsupported-layer',
  /** A framework whose exporter is missing from the kernel's environment (torch without onnx). */
  'unsupported-framework',
  /** The model has no weights/shapes yet: it must be built (called on data, or given an Input). */
  'not-built',
  /** A `tfjs-file` model whose model.json or weight files cannot be read. */
  'bad-model-file',
  /** A bug in the plugin; `message` says what failed, without a stack trace. */
  'internal'
]);
export type KernelErrorCode = z.infer<typeof KernelErrorCode>;

// ---------------------------------------------------------------- frontend -> kernel

/** Which models the cell defines or uses, and which arrays the kernel holds. */
export const InspectRequest = z.object({
  type: z.literal('inspect'),
  requestId: z.string().min(1),
  /** The selected cell's source, parsed (never run) by the kernel. */
  cellSource: z.string()
});
export type InspectRequest = z.infer<typeof InspectRequest>;

/** Rows `start .. start + count - 1` (along axis 0) of a notebook variable; all rows by default. */
export const ArraySelection = z.object({
  name: z.string().min(1),
  start: z.number().int().nonnegative().optional(),
  count: z.number().int().positive().optional()
});
export type ArraySelection = z.infer<typeof ArraySelection>;

/**
 * Export a model and arrays. Keras and TF.js models come as the TF.js layers format with every
 * layer; a torch model as one ONNX file whose outputs are the logits and the `layers` asked
 * for, traced on the samples. Input roles (samples, trainInputs) are sent as float32; label
 * roles as int32 class indices (one-hot rows are turned into indices).
 */
export const ExportRequest = z.object({
  type: z.literal('export'),
  requestId: z.string().min(1),
  /** A model's variable name from the inspection; null to fetch arrays only. */
  model: z.string().min(1).nullable(),
  arrays: z.partialRecord(ArrayRole, ArraySelection).default({}),
  /** torch: the submodules to tap; empty = the layers the inspection marked `suggested`. */
  layers: z.array(z.string().min(1)).default([]),
  /**
   * At most this many training rows: a seeded random subset (rows kept in their order), the
   * same rows of trainInputs and trainLabels.
   */
  maxTrainRows: z.number().int().positive().optional(),
  /** Seed of that subset. */
  seed: z.number().int().nonnegative().default(0),
  /** Bytes per chunk; the kernel clamps it to 64 KiB .. 16 MiB. */
  chunkBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024)
});
export type ExportRequest = z.infer<typeof ExportRequest>;
export type ExportRequestInput = z.input<typeof ExportRequest>;

export const FrontendToKernel = z.discriminatedUnion('type', [InspectRequest, ExportRequest]);
export type FrontendToKernel = z.infer<typeof FrontendToKernel>;
export type FrontendToKernelInput = z.input<typeof FrontendToKernel>;

// ---------------------------------------------------------------- kernel -> frontend

/** Sent once when the comm opens. */
export const Hello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int(),
  pluginVersion: z.string(),
  /** Versions of the frameworks imported in the kernel (null: not imported). */
  frameworks: z.object({
    keras: z.string().nullable(),
    tensorflow: z.string().nullable(),
    torch: z.string().nullable()
  })
});
export type Hello = z.infer<typeof Hello>;

export const LayerInfo = z.object({
  name: z.string(),
  className: z.string(),
  /** Without the batch axis; null when unknown (several outputs, or a tfjs-file model). */
  outputShape: Dims.nullable(),
  hasWeights: z.boolean(),
  /** Number of weight values. */
  params: z.number().int().nonnegative(),
  /** Whether the export handles this layer (always true for tfjs-file models). */
  supported: z.boolean(),
  /** torch: why the layer cannot be tapped (e.g. a module called twice), when it cannot. */
  problem: z.string().nullable().optional(),
  /** torch: a module with children of its own (a block, a stage). */
  container: z.boolean().optional(),
  /** torch: analysed by default (blocks, and weighted modules after their activation). */
  suggested: z.boolean().optional()
});
export type LayerInfo = z.infer<typeof LayerInfo>;

/** Array names proposed for each role (null: no good guess). */
export const SuggestedArrays = z.object({
  samples: z.string().nullable(),
  sampleLabels: z.string().nullable(),
  trainInputs: z.string().nullable(),
  trainLabels: z.string().nullable()
});
export type SuggestedArrays = z.infer<typeof SuggestedArrays>;

export const ModelInfo = z.object({
  /** The variable's name in the user namespace: what ExportRequest.model names. */
  name: z.string(),
  framework: ModelFramework,
  /** Python class (Sequential, Functional, ...); 'LayersModel' for a tfjs-file. */
  className: z.string(),
  /** The model's own name (Keras `model.name`). */
  modelName: z.string(),
  /** Whether the cell assigns or reads the variable (false: found elsewhere in the namespace). */
  inCell: z.boolean(),
  /** Of the first input, without the batch axis; null when unknown (not built). */
  inputShape: Dims.nullable(),
  inputDtype: z.string().nullable(),
  /** Width of the (first) output's last axis: the number of classes (or 1). */
  classes: z.number().int().nullable(),
  numInputs: z.number().int().nonnegative(),
  numOutputs: z.number().int().nonnegative(),
  /**
   * In graph (torch: forward) order, without InputLayers; names are those of the exported
   * model (torch: the submodules' dotted names).
   */
  layers: z.array(LayerInfo),
  /** The layer whose output is the logits; absent: the last layer. */
  outputLayer: z.string().nullable().optional(),
  /** torch: what tracing the model showed (data-dependent control flow, a final softmax). */
  warnings: z.array(z.string()).optional(),
  /** Whether export is expected to work; when false, `problem` says why. */
  exportable: z.boolean(),
  problem: z.string().nullable(),
  suggested: SuggestedArrays
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const ArrayInfo = z.object({
  name: z.string(),
  /** numpy (ndarray), tensorflow (tf.Tensor / tf.Variable), torch (torch.Tensor), pandas. */
  kind: z.enum(['numpy', 'tensorflow', 'torch', 'pandas']),
  shape: z.array(z.number().int().nonnegative()),
  /** The array's own element type (numpy's name, e.g. float64, int64, bool). */
  dtype: z.string(),
  /** Whether the cell assigns or reads the variable. */
  inCell: z.boolean(),
  /** Column names of a pandas DataFrame; null otherwise. */
  featureNames: z.array(z.string()).nullable()
});
export type ArrayInfo = z.infer<typeof ArrayInfo>;

/**
 * Models first those of the cell (assigned, then read), then others in the namespace; when
 * the cell has none, `warnings` says so. Arrays: numeric arrays with at least one axis.
 */
export const Inspection = z.object({
  type: z.literal('inspection'),
  requestId: z.string(),
  models: z.array(ModelInfo),
  arrays: z.array(ArrayInfo),
  warnings: z.array(z.string())
});
export type Inspection = z.infer<typeof Inspection>;

/** `model.json`, `weights.bin`, `model.onnx` or `array:<role>`. */
export const PartName = z.union([
  z.literal('model.json'),
  z.literal('weights.bin'),
  z.literal('model.onnx'),
  z.templateLiteral(['array:', ArrayRole])
]);
export type PartName = z.infer<typeof PartName>;

/** One piece of a part; its bytes are the comm message's single buffer. */
export const Chunk = z.object({
  type: z.literal('chunk'),
  requestId: z.string(),
  part: PartName,
  /** 0, 1, ... within the part. */
  index: z.number().int().nonnegative(),
  /** Byte offset of this chunk within the part. */
  offset: z.number().int().nonnegative(),
  /** Bytes of the whole part (to preallocate). */
  totalBytes: z.number().int().nonnegative(),
  final: z.boolean(),
  /** Arrays only: element type and shape of the whole part (little-endian, row-major). */
  dtype: ArrayDType.optional(),
  shape: z.array(z.number().int().nonnegative()).optional()
});
export type Chunk = z.infer<typeof Chunk>;

export const ExportedPart = z.object({
  part: PartName,
  bytes: z.number().int().nonnegative(),
  chunks: z.number().int().positive(),
  /** The variable it came from (model or array). */
  source: z.string(),
  dtype: ArrayDType.optional(),
  shape: z.array(z.number().int().nonnegative()).optional()
});
export type ExportedPart = z.infer<typeof ExportedPart>;

/** The end of an export's stream: every part that was sent. */
export const Exported = z.object({
  type: z.literal('exported'),
  requestId: z.string(),
  parts: z.array(ExportedPart),
  /** Conversions the user should know about (e.g. one-hot labels turned into indices). */
  warnings: z.array(z.string())
});
export type Exported = z.infer<typeof Exported>;

/** A request failed; `message` is for the user, `hint` says what to do about it. */
export const KernelError = z.object({
  type: z.literal('error'),
  /** null when the failed message had no readable requestId. */
  requestId: z.string().nullable(),
  code: KernelErrorCode,
  message: z.string(),
  hint: z.string().nullable()
});
export type KernelError = z.infer<typeof KernelError>;

export const KernelToFrontend = z.discriminatedUnion('type', [
  Hello,
  Inspection,
  Chunk,
  Exported,
  KernelError
]);
export type KernelToFrontend = z.infer<typeof KernelToFrontend>;
