/**
 * Uploaded model files and arrays, streamed to files in one folder and addressed by the
 * sha256 of their content (so the same bytes uploaded twice are stored once and a result key
 * can be a hash of ids). A body never sits whole in memory: it goes to a temporary file as it
 * arrives, under a per-upload limit and a limit on all uploads in flight, and becomes an
 * upload only once complete and checked. Uploads outlive a restart (an interrupted job can be
 * resubmitted as it was); those that no queued or running job needs are evicted, least
 * recently used first, when the folder would pass its size limit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import {
  DTYPE_BYTES,
  UploadInfo,
  WeightsManifest,
  manifestBytes,
  type ArrayDType,
  type UploadKind
} from '../../protocol/api';
import { onnxExternalData, readMetadataProps } from '../onnxMetadata';
import { HttpError, receiveBody, tooManyInFlight, type BodyLimits } from './http';
import { removeOrphanTemporaries, writeFileAtomic } from './resultStore';

export interface StoredUpload {
  info: UploadInfo;
  file: string;
  /** model.json only: the bytes its weightsManifest describes. */
  weightBytes: number | null;
}

export interface ArrayMeta {
  dtype: ArrayDType;
  shape: number[];
}

function idPrefix(kind: UploadKind, meta?: ArrayMeta): string {
  return kind === 'array' && meta ? `array:${meta.dtype}:${meta.shape.join(',')}\n` : `${kind}\n`;
}

export function contentId(kind: UploadKind, bytes: Buffer, meta?: ArrayMeta): string {
  return createHash('sha256').update(idPrefix(kind, meta)).update(bytes).digest('hex');
}

function checkArray(size: number, meta: ArrayMeta): void {
  const elements = meta.shape.reduce((a, b) => a * b, 1);
  const expected = elements * DTYPE_BYTES[meta.dtype];
  if (size !== expected) {
    throw new HttpError(
      400,
      'bad-array',
      `an array of dtype ${meta.dtype} and shape [${meta.shape.join(', ')}] has ${expected} bytes; the body has ${size}`
    );
  }
}

/** Checks model.json; returns the weight bytes its manifest describes. */
function checkModelJson(bytes: Buffer): number {
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
  const manifest = WeightsManifest.safeParse(model.weightsManifest ?? []);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    const where = ['weightsManifest', ...issue.path.map(String)].join('.');
    throw new HttpError(
      400,
      'bad-model',
      `model.json has a malformed weightsManifest (${where}: ${issue.message}); upload the model.json that tf.LayersModel.save or tensorflowjs wrote`
    );
  }
  return manifestBytes(manifest.data);
}

/**
 * That the bytes are a protobuf message whose tensors are all inside it: whether ONNX
 * Runtime can run the graph shows when a job loads it, with the reason. A tensor stored as
 * external data names a file that ONNX Runtime would read from the backend's disk.
 */
function checkOnnx(bytes: Buffer): void {
  let problem = bytes.length === 0 ? 'the body is empty' : null;
  let external: string | null = null;
  if (problem === null) {
    try {
      readMetadataProps(bytes);
      external = onnxExternalData(bytes);
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
  if (external !== null) {
    throw new HttpError(
      400,
      'external-data',
      `the ONNX model keeps tensor ${external} as external data (a separate file), which the ` +
        'backend does not read: save the model with all its weights inside the .onnx file ' +
        '(onnx.save_model(model, path, save_as_external_data=False))'
    );
  }
}

/** What an upload's record file holds. */
interface Record {
  info: UploadInfo;
  weightBytes: number | null;
}

export interface UploadStoreOptions {
  maxStoredBytes: number;
  /** Bytes of all uploads being received at once. */
  maxInFlightBytes: number;
}

export class UploadStore {
  private readonly uploads = new Map<string, StoredUpload>();
  private readonly pins = new Map<string, number>();
  private stored = 0;
  private inFlight = 0;
  readonly maxStoredBytes: number;
  readonly maxInFlightBytes: number;

  private constructor(
    readonly dir: string,
    options: UploadStoreOptions
  ) {
    this.maxStoredBytes = options.maxStoredBytes;
    this.maxInFlightBytes = options.maxInFlightBytes;
  }

  /** Opens (or creates) the store in `dir`, keeping the complete uploads found there. */
  static async open(
    dir: string,
    options: UploadStoreOptions,
    log: (message: string) => void = () => {}
  ): Promise<UploadStore> {
    const store = new UploadStore(dir, options);
    await fs.mkdir(dir, { recursive: true });
    await store.load(log);
    return store;
  }

  get storedBytes(): number {
    return this.stored;
  }

  /** Streams the request body into the store; the body is checked once it is complete. */
  async receive(
    kind: UploadKind,
    req: IncomingMessage,
    meta: ArrayMeta | undefined,
    limits: BodyLimits
  ): Promise<UploadInfo> {
    if (kind === 'array' && !meta) {
      throw new HttpError(400, 'bad-array', 'an array upload needs dtype and shape');
    }
    const declared = Number(req.headers['content-length']);
    let reserved = 0;
    const reserve = (bytes: number): void => {
      if (bytes <= reserved) {
        return;
      }
      if (this.inFlight + bytes - reserved > this.maxInFlightBytes) {
        throw tooManyInFlight(this.maxInFlightBytes);
      }
      this.inFlight += bytes - reserved;
      reserved = bytes;
    };
    const temp = path.join(
      this.dir,
      `.upload.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    );
    let handle: fs.FileHandle | null = null;
    try {
      if (Number.isFinite(declared) && declared <= limits.limit) {
        reserve(declared);
      }
      handle = await fs.open(temp, 'w');
      const file = handle;
      const hash = createHash('sha256').update(idPrefix(kind, meta));
      let received = 0;
      const size = await receiveBody(req, limits, chunk => {
        received += chunk.length;
        reserve(received);
        hash.update(chunk);
        return file.write(chunk).then(() => undefined);
      });
      await handle.sync();
      await handle.close();
      handle = null;
      return await this.keep(kind, temp, size, hash.digest('hex'), meta);
    } finally {
      this.inFlight -= reserved;
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
    }
  }

  /** The upload, marked as recently used. */
  get(id: string): StoredUpload | undefined {
    return this.touch(id);
  }

  /** The upload's bytes; throws when the upload is not held (or its file is gone). */
  async read(id: string): Promise<Buffer> {
    const upload = this.touch(id);
    if (!upload) {
      throw new Error(`no upload ${id}`);
    }
    return fs.readFile(upload.file);
  }

  async delete(id: string): Promise<boolean> {
    if (this.pins.has(id)) {
      throw new HttpError(409, 'in-use', 'a queued or running job still needs this upload');
    }
    const upload = this.uploads.get(id);
    if (!upload) {
      return false;
    }
    await this.remove(id, upload);
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

  /** Checks a complete temporary file and moves it into the store. */
  private async keep(
    kind: UploadKind,
    temp: string,
    size: number,
    id: string,
    meta: ArrayMeta | undefined
  ): Promise<UploadInfo> {
    let weightBytes: number | null = null;
    if (kind === 'array' && meta) {
      checkArray(size, meta);
    } else if (kind === 'model-json') {
      weightBytes = checkModelJson(await fs.readFile(temp));
    } else if (kind === 'onnx') {
      checkOnnx(await fs.readFile(temp));
    }
    const existing = this.touch(id);
    if (existing) {
      return existing.info;
    }
    await this.makeRoom(size);
    const info: UploadInfo = {
      id,
      kind,
      bytes: size,
      dtype: meta?.dtype ?? null,
      shape: meta?.shape ?? null,
      createdAt: new Date().toISOString()
    };
    const file = path.join(this.dir, id);
    await fs.rename(temp, file);
    // The record is written last: a crash before it leaves a data file that load() removes.
    const record: Record = { info, weightBytes };
    await writeFileAtomic(`${file}.json`, JSON.stringify(record));
    // The same bytes, uploaded twice at once, may have been kept meanwhile.
    const kept = this.uploads.get(id);
    if (kept) {
      return kept.info;
    }
    this.uploads.set(id, { info, file, weightBytes });
    this.stored += size;
    return info;
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

  private async remove(id: string, upload: StoredUpload): Promise<void> {
    this.uploads.delete(id);
    this.stored -= upload.info.bytes;
    await fs.rm(`${upload.file}.json`, { force: true });
    await fs.rm(upload.file, { force: true });
  }

  private async makeRoom(bytes: number): Promise<void> {
    if (bytes > this.maxStoredBytes) {
      throw new HttpError(
        413,
        'too-large',
        `the upload (${bytes} bytes) is larger than the upload store (${this.maxStoredBytes} bytes)`
      );
    }
    for (const [id, upload] of [...this.uploads]) {
      if (this.stored + bytes <= this.maxStoredBytes) {
        return;
      }
      if (!this.pins.has(id)) {
        await this.remove(id, upload);
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

  private async load(log: (message: string) => void): Promise<void> {
    await removeOrphanTemporaries(this.dir, log);
    const names = await fs.readdir(this.dir);
    const found: StoredUpload[] = [];
    const kept = new Set<string>();
    for (const name of names) {
      const match = /^([0-9a-f]{64})\.json$/.exec(name);
      if (!match) {
        continue;
      }
      const file = path.join(this.dir, match[1]);
      try {
        const record = JSON.parse(await fs.readFile(`${file}.json`, 'utf8')) as Record;
        const info = UploadInfo.parse(record.info);
        const stat = await fs.stat(file);
        if (info.id !== match[1] || stat.size !== info.bytes) {
          throw new Error('size or id mismatch');
        }
        found.push({ info, file, weightBytes: record.weightBytes ?? null });
        kept.add(match[1]);
      } catch {
        log(`removed an incomplete upload: ${match[1]}`);
        await fs.rm(`${file}.json`, { force: true });
      }
    }
    for (const name of names) {
      if (/^[0-9a-f]{64}$/.test(name) && !kept.has(name)) {
        await fs.rm(path.join(this.dir, name), { force: true });
      }
    }
    found.sort((a, b) => a.info.createdAt.localeCompare(b.info.createdAt));
    for (const upload of found) {
      this.uploads.set(upload.info.id, upload);
      this.stored += upload.info.bytes;
    }
    if (this.stored > this.maxStoredBytes) {
      await this.makeRoom(0);
    }
  }
}
