/**
 * Reassembling the parts of a kernel export (model.json + weights.bin or model.onnx, arrays) from the comm's
 * chunks: each chunk's single binary buffer is copied at its offset into its part.
 */
import type { ArrayDType } from '../protocol/api';
import type { ArrayRole, Chunk, Exported, PartName } from '../protocol/kernelMessages';

/** An exported array: raw little-endian bytes, row-major. */
export interface IKernelArray {
  name: string;
  dtype: ArrayDType;
  shape: number[];
  data: Uint8Array;
}

export interface IExport {
  modelJson: string | null;
  weights: Uint8Array | null;
  /** A torch model, exported to ONNX with its tapped layers as outputs. */
  onnx: Uint8Array | null;
  arrays: Partial<Record<ArrayRole, IKernelArray>>;
  warnings: string[];
}

/** The plugin's errors, with its stable code (kernelMessages.ts KernelErrorCode). */
export class KernelPluginError extends Error {
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message);
    this.name = 'KernelPluginError';
  }
}

export interface IPart {
  data: Uint8Array;
  received: number;
  final: boolean;
  dtype?: ArrayDType;
  shape?: number[];
}

export type Parts = Map<PartName, IPart>;

function bytesOf(buffer: ArrayBuffer | ArrayBufferView | undefined): Uint8Array {
  if (buffer === undefined) {
    throw new KernelPluginError('A chunk from the kernel came without its bytes.', 'internal');
  }
  return buffer instanceof ArrayBuffer
    ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Copies a chunk into its part; returns the chunk's size. */
export function addChunk(
  parts: Parts,
  chunk: Chunk,
  buffers: (ArrayBuffer | ArrayBufferView)[]
): number {
  const bytes = bytesOf(buffers[0]);
  let part = parts.get(chunk.part);
  if (part === undefined) {
    part = {
      data: new Uint8Array(chunk.totalBytes),
      received: 0,
      final: false,
      dtype: chunk.dtype,
      shape: chunk.shape
    };
    parts.set(chunk.part, part);
  }
  if (chunk.offset + bytes.byteLength > part.data.byteLength) {
    throw new KernelPluginError(
      `The kernel sent more bytes of ${chunk.part} than announced.`,
      'internal'
    );
  }
  part.data.set(bytes, chunk.offset);
  part.received += bytes.byteLength;
  part.final = part.final || chunk.final;
  return bytes.byteLength;
}

export function assemble(exported: Exported, parts: Parts): IExport {
  const result: IExport = {
    modelJson: null,
    weights: null,
    onnx: null,
    arrays: {},
    warnings: exported.warnings
  };
  for (const info of exported.parts) {
    const part = parts.get(info.part);
    if (part === undefined || !part.final || part.received !== info.bytes) {
      throw new KernelPluginError(
        `The kernel's ${info.part} arrived incomplete (${part?.received ?? 0} of ${info.bytes} bytes).`,
        'internal'
      );
    }
    if (info.part === 'model.json') {
      result.modelJson = new TextDecoder().decode(part.data);
    } else if (info.part === 'weights.bin') {
      result.weights = part.data;
    } else if (info.part === 'model.onnx') {
      result.onnx = part.data;
    } else {
      const role = info.part.slice('array:'.length) as ArrayRole;
      const dtype = info.dtype ?? part.dtype;
      const shape = info.shape ?? part.shape;
      if (dtype === undefined || shape === undefined) {
        throw new KernelPluginError(
          `The kernel sent ${info.part} without its dtype or shape.`,
          'internal'
        );
      }
      result.arrays[role] = { name: info.source, dtype, shape, data: part.data };
    }
  }
  return result;
}
