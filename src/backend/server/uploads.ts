/**
 * Uploaded model files and arrays, kept in memory and addressed by the sha256 of their content
 * (so the same bytes uploaded twice are stored once and a result key can be a hash of ids).
 * Uploads that no queued or running job needs are evicted, least recently used first, when
 * the store would pass its size limit.
 */
import { createHash } from 'node:crypto';
import { DTYPE_BYTES, type ArrayDType, type UploadInfo, type UploadKind } from '../../protocol/api';
import { readMetadataProps } from '../onnxMetadata';
import { HttpError } from './http';

export interface StoredUpload {
  info: UploadInfo;
  bytes: Buffer;
}

export interface ArrayMeta {
  dtype: ArrayDType;
  shape: number[];
}

export function contentId(kind: UploadKind, bytes: Buffer, meta?: ArrayMeta): string {
  const hash = createHash('sha256');
  hash.update(
    kind === 'array' && meta ? `array:${meta.dtype}:${meta.shape.join(',')}\n` : `${kind}\n`
  );
  hash.update(bytes);
  return hash.digest('hex');
}

function checkArray(bytes: Buffer, meta: ArrayMeta): void {
  const elements = meta.shape.reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_BYTES[meta.dtype];
  if (bytes.length !== expected) {
    throw new HttpError(
      400,
      'bad-array',
      `an array of dtype ${meta.dtype} and shape [${meta.shape.join(', ')}] has ${expected} bytes; the body has ${bytes.length}`
    );
  }
}

function checkModelJson(bytes: Buffer): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-model', 'model.json is not valid JSON');
  }
  const model = parsed as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  if (typeof model !== 'object' || model === null || typeof model.modelTopology !== 'object') {
    throw new HttpError(
      400,
      'bad-model',
      'model.json has no modelTopology: upload the model.json of a TF.js layers model'
    );
  }
  if (model.weightsManifest !== undefined && !Array.isArray(model.weightsManifest)) {
    throw new HttpError(400, 'bad-model', 'model.json has a weightsManifest that is not a list');
  }
}

/**
 * Only that the bytes are a protobuf message: whether ONNX Runtime can run the graph shows
 * when a job loads it, with the reason.
 */
function checkOnnx(bytes: Buffer): void {
  let problem = bytes.length === 0 ? 'the body is empty' : null;
  if (problem === null) {
    try {
      readMetadataProps(bytes);
    } catch (error) {
      problem = `it is not a protobuf message: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (problem !== null) {
    throw new HttpError(
      400,
      'bad-model',
      `not an ONNX model (${problem}); upload the .onnx file exported from the model`
    );
  }
}

export class UploadStore {
  private readonly uploads = new Map<string, StoredUpload>();
  private readonly pins = new Map<string, number>();
  private stored = 0;

  constructor(readonly maxStoredBytes: number) {}

  get storedBytes(): number {
    return this.stored;
  }

  put(kind: UploadKind, bytes: Buffer, meta?: ArrayMeta): UploadInfo {
    if (kind === 'array') {
      if (!meta) {
        throw new HttpError(400, 'bad-array', 'an array upload needs dtype and shape');
      }
      checkArray(bytes, meta);
    } else if (kind === 'model-json') {
      checkModelJson(bytes);
    } else if (kind === 'onnx') {
      checkOnnx(bytes);
    }
    const id = contentId(kind, bytes, meta);
    const existing = this.touch(id);
    if (existing) {
      return existing.info;
    }
    this.makeRoom(bytes.length);
    const info: UploadInfo = {
      id,
      kind,
      bytes: bytes.length,
      dtype: meta?.dtype ?? null,
      shape: meta?.shape ?? null,
      createdAt: new Date().toISOString()
    };
    this.uploads.set(id, { info, bytes });
    this.stored += bytes.length;
    return info;
  }

  /** The upload, marked as recently used. */
  get(id: string): StoredUpload | undefined {
    return this.touch(id);
  }

  delete(id: string): boolean {
    if (this.pins.has(id)) {
      throw new HttpError(409, 'in-use', 'a queued or running job still needs this upload');
    }
    const upload = this.uploads.get(id);
    if (!upload) {
      return false;
    }
    this.uploads.delete(id);
    this.stored -= upload.bytes.length;
    return true;
  }

  pin(ids: readonly string[]): void {
    for (const id of ids) {
      this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    }
  }

  unpin(ids: readonly string[]): void {
    for (const id of ids) {
      const count = (this.pins.get(id) ?? 0) - 1;
      if (count > 0) {
        this.pins.set(id, count);
      } else {
        this.pins.delete(id);
      }
    }
  }

  private touch(id: string): StoredUpload | undefined {
    const upload = this.uploads.get(id);
    if (upload) {
      // Map iteration follows insertion order: re-inserting makes this the most recent.
      this.uploads.delete(id);
      this.uploads.set(id, upload);
    }
    return upload;
  }

  private makeRoom(bytes: number): void {
    if (bytes > this.maxStoredBytes) {
      throw new HttpError(
        413,
        'too-large',
        `the upload (${bytes} bytes) is larger than the upload store (${this.maxStoredBytes} bytes)`
      );
    }
    for (const [id, upload] of this.uploads) {
      if (this.stored + bytes <= this.maxStoredBytes) {
        return;
      }
      if (!this.pins.has(id)) {
        this.uploads.delete(id);
        this.stored -= upload.bytes.length;
      }
    }
    if (this.stored + bytes > this.maxStoredBytes) {
      throw new HttpError(
        507,
        'store-full',
        'the upload store is full of data that queued jobs still need; wait for them to finish or cancel some'
      );
    }
  }
}
