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

  /** The next field: its number, and its bytes when it is length-delimited. */
  field(): { number: number; bytes: Uint8Array | null } {
    const key = this.varint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) {
      throw new Error('field number 0');
    }
    switch (wireType) {
      case 0:
        this.varint();
        return { number, bytes: null };
      case 1:
        this.skip(8);
        return { number, bytes: null };
      case 2: {
        const length = this.varint();
        return { number, bytes: this.skip(length) };
      }
      case 5:
        this.skip(4);
        return { number, bytes: null };
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
