/**
 * The `layerwise` metadata the kernel plugin writes into an exported ONNX model
 * (layerwise/kernel/torch_export.py): which graph input takes the samples, which output holds
 * the logits and which one each tapped layer. ONNX Runtime does not expose a model's custom
 * metadata to JavaScript, so the ModelProto's `metadata_props` are read here directly from
 * the protobuf bytes; only the top level is walked, the graph itself is skipped.
 */
import { z } from 'zod';

export const METADATA_KEY = 'layerwise';

const Dim = z.number().int().nonnegative();

export const OnnxLayerEntry = z.object({
  name: z.string().min(1),
  /** The graph output holding this layer's output. */
  output: z.string().min(1),
  className: z.string().optional(),
  /** Forward order among the model's submodules. */
  index: z.number().int(),
  hasWeights: z.boolean(),
  /** One sample's output shape, without the batch axis. */
  outputShape: z.array(Dim)
});
export type OnnxLayerEntry = z.infer<typeof OnnxLayerEntry>;

export const LayerwiseOnnxMetadata = z.object({
  formatVersion: z.literal(1),
  input: z.object({
    name: z.string().min(1),
    /** int64: token ids (the runner converts the engine's float inputs, refusing fractions). */
    dtype: z.enum(['float32', 'int64']),
    shape: z.array(Dim)
  }),
  logits: z.object({
    output: z.string().min(1),
    /** 'pre-activation': the input of the model's final softmax/sigmoid. */
    source: z.enum(['output', 'pre-activation']),
    classes: z.number().int().positive()
  }),
  /** The tapped layers, then the output layer (whose output is the logits). */
  layers: z.array(OnnxLayerEntry).min(1),
  warnings: z.array(z.string()).default([])
});
export type LayerwiseOnnxMetadata = z.infer<typeof LayerwiseOnnxMetadata>;

/** ModelProto field numbers (onnx.proto). */
const METADATA_PROPS_FIELD = 14;
const ENTRY_KEY_FIELD = 1;
const ENTRY_VALUE_FIELD = 2;

class ProtoReader {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.position >= this.bytes.length;
  }

  /** Multiplication, not shifts: lengths and skipped varints may exceed 32 bits. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.bytes.length) {
        throw new Error('truncated varint');
      }
      const byte = this.bytes[this.position++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        return value;
      }
      scale *= 128;
    }
    throw new Error('malformed varint');
  }

  /** The next field: its number, its bytes when length-delimited, its value when a varint. */
  field(): { number: number; bytes: Uint8Array | null; value: number | null } {
    const key = this.varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) {
      throw new Error('field number 0');
    }
    switch (wireType) {
      case 0:
        return { number, bytes: null, value: this.varint() };
      case 1:
        this.skip(8);
        return { number, bytes: null, value: null };
      case 2: {
        const length = this.varint();
        return { number, bytes: this.skip(length), value: null };
      }
      case 5:
        this.skip(4);
        return { number, bytes: null, value: null };
      default:
        throw new Error(`wire type ${wireType}`);
    }
  }

  private skip(length: number): Uint8Array {
    const end = this.position + length;
    if (end > this.bytes.length) {
      throw new Error('truncated field');
    }
    const slice = this.bytes.subarray(this.position, end);
    this.position = end;
    return slice;
  }
}

/**
 * The model's metadata_props as a map; throws an Error (with the protobuf problem) when the
 * bytes are not a protobuf message at all.
 */
export function readMetadataProps(bytes: Uint8Array): Map<string, string> {
  const props = new Map<string, string>();
  const reader = new ProtoReader(bytes);
  const decoder = new TextDecoder('utf-8');
  while (!reader.done) {
    const { number, bytes: value } = reader.field();
    if (number !== METADATA_PROPS_FIELD || value === null) {
      continue;
    }
    const entry = new ProtoReader(value);
    let key = '';
    let text = '';
    while (!entry.done) {
      const inner = entry.field();
      if (inner.bytes !== null && inner.number === ENTRY_KEY_FIELD) {
        key = decoder.decode(inner.bytes);
      } else if (inner.bytes !== null && inner.number === ENTRY_VALUE_FIELD) {
        text = decoder.decode(inner.bytes);
      }
    }
    props.set(key, text);
  }
  return props;
}

/**
 * Where tensors sit in an ONNX model (onnx.proto field numbers): the graph's initializers
 * and sparse initializers, tensors in node attributes (Constant), and the graphs nested in
 * attributes (If, Loop, Scan bodies), in functions and in training info.
 */
const MODEL_GRAPH = 7;
const MODEL_TRAINING_INFO = 20;
const MODEL_FUNCTIONS = 25;
const GRAPH_NODES = 1;
const GRAPH_INITIALIZERS = 5;
const GRAPH_SPARSE_INITIALIZERS = 15;
const FUNCTION_NODES = 7;
const NODE_ATTRIBUTES = 5;
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_TENSORS = 10;
const ATTRIBUTE_GRAPHS = 11;
const ATTRIBUTE_SPARSE_TENSOR = 22;
const ATTRIBUTE_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_NAME = 8;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;
/** Nested graphs deeper than this are refused rather than walked. */
const MAX_DEPTH = 64;

type Message =
  | 'model'
  | 'training'
  | 'graph'
  | 'function'
  | 'node'
  | 'attribute'
  | 'sparse'
  | 'tensor';

const CHILDREN: Record<Message, Partial<Record<number, Message>>> = {
  model: {
    [MODEL_GRAPH]: 'graph',
    [MODEL_TRAINING_INFO]: 'training',
    [MODEL_FUNCTIONS]: 'function'
  },
  /** TrainingInfoProto: initialization and algorithm graphs. */
  training: { 1: 'graph', 2: 'graph' },
  graph: {
    [GRAPH_NODES]: 'node',
    [GRAPH_INITIALIZERS]: 'tensor',
    [GRAPH_SPARSE_INITIALIZERS]: 'sparse'
  },
  function: { [FUNCTION_NODES]: 'node' },
  node: { [NODE_ATTRIBUTES]: 'attribute' },
  attribute: {
    [ATTRIBUTE_TENSOR]: 'tensor',
    [ATTRIBUTE_GRAPH]: 'graph',
    [ATTRIBUTE_TENSORS]: 'tensor',
    [ATTRIBUTE_GRAPHS]: 'graph',
    [ATTRIBUTE_SPARSE_TENSOR]: 'sparse',
    [ATTRIBUTE_SPARSE_TENSORS]: 'sparse'
  },
  sparse: { [SPARSE_VALUES]: 'tensor', [SPARSE_INDICES]: 'tensor' },
  tensor: {}
};

function externalIn(bytes: Uint8Array, kind: Message, depth: number): string | null {
  if (depth > MAX_DEPTH) {
    throw new Error(`graphs nested deeper than ${MAX_DEPTH}`);
  }
  const reader = new ProtoReader(bytes);
  let name = '(unnamed)';
  let external = false;
  while (!reader.done) {
    const field = reader.field();
    if (kind === 'tensor') {
      if (field.number === TENSOR_NAME && field.bytes !== null) {
        name = new TextDecoder('utf-8').decode(field.bytes);
      } else if (
        field.number === TENSOR_EXTERNAL_DATA ||
        (field.number === TENSOR_DATA_LOCATION && field.value === DATA_LOCATION_EXTERNAL)
      ) {
        external = true;
      }
      continue;
    }
    const child = CHILDREN[kind][field.number];
    if (child !== undefined && field.bytes !== null) {
      const found = externalIn(field.bytes, child, depth + 1);
      if (found !== null) {
        return found;
      }
    }
  }
  return external ? JSON.stringify(name) : null;
}

/**
 * The name of the first tensor that keeps its data in an external file, or null when every
 * tensor is inside the model. ONNX Runtime reads such a file from disk relative to its
 * working directory, so an uploaded model could pull in any file the backend can read.
 */
export function onnxExternalData(bytes: Uint8Array): string | null {
  return externalIn(bytes, 'model', 0);
}
