/**
 * NumPy .npy files (format versions 1, 2 and 3): the way arrays travel on disk. Only the
 * little-endian, C-ordered numeric types the analysis needs are supported; anything else is
 * refused with a message that says how to convert it in NumPy.
 */
import { rename, writeFile } from 'node:fs/promises';
import { AnalysisInputError } from '../engine/errors';
import { readInputFile } from './inputFiles';

export type NpyDType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const PREAMBLE_BYTES = 8;
/** Header blocks are padded so the data starts on a multiple of 64 (numpy's alignment). */
const ALIGNMENT = 64;

const DESCR_TO_DTYPE: Record<string, NpyDType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  u1: 'uint8'
};

const DTYPE_TO_DESCR: Record<NpyDType, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1'
};

const BYTES: Record<NpyDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };

function fail(name: string, message: string): never {
  throw new AnalysisInputError(`${name}: ${message}`);
}

function dtypeOf(data: NpyData): NpyDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

function unsupportedDescr(descr: string): string {
  const bigEndian = descr.startsWith('>');
  const hint = bigEndian
    ? `big-endian data is not supported; save it with arr.astype(arr.dtype.newbyteorder('<'))`
    : `supported types: float32, float64, int32, int64, uint8; convert with arr.astype(np.float32)`;
  return `unsupported dtype '${descr}' (${hint})`;
}

/** The value of one key in numpy's header, a Python dict literal. */
function headerField(header: string, key: string): string | null {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(header);
  if (!match) {
    return null;
  }
  const rest = header.slice(match.index + match[0].length);
  const value = /^('[^']*'|"[^"]*"|\([^)]*\)|True|False)/.exec(rest);
  return value ? value[1] : null;
}

function parseShape(text: string, name: string): number[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') {
    return [];
  }
  return inner
    .split(',')
    .map(part => part.trim())
    .filter(part => part !== '')
    .map(part => {
      const dim = Number(part.replace(/L$/, ''));
      if (!Number.isSafeInteger(dim) || dim < 0) {
        fail(name, `malformed shape ${text} in the .npy header`);
      }
      return dim;
    });
}

/** Decodes a .npy file's bytes; `name` (usually the path) prefixes every error. */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < PREAMBLE_BYTES + 2 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(name, 'not a NumPy .npy file (save it with numpy.save)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerLength = view.getUint16(PREAMBLE_BYTES, true);
    headerStart = PREAMBLE_BYTES + 2;
  } else if (major === 2 || major === 3) {
    if (bytes.length < PREAMBLE_BYTES + 4) {
      fail(name, 'truncated .npy header');
    }
    headerLength = view.getUint32(PREAMBLE_BYTES, true);
    headerStart = PREAMBLE_BYTES + 4;
  } else {
    fail(name, `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    fail(name, 'truncated .npy header');
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart)
  );
  const descrText = headerField(header, 'descr');
  const fortranText = headerField(header, 'fortran_order');
  const shapeText = headerField(header, 'shape');
  if (!descrText || !/^['"]/.test(descrText) || !fortranText || !shapeText?.startsWith('(')) {
    fail(name, 'malformed .npy header (needs descr, fortran_order and shape)');
  }
  const descr = descrText.slice(1, -1);
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) {
    fail(name, unsupportedDescr(descr));
  }
  if (fortranText === 'True') {
    fail(name, 'Fortran-ordered arrays are not supported; save np.ascontiguousarray(arr)');
  }
  const shape = parseShape(shapeText, name);
  const count = shape.reduce((a, b) => a * b, 1);
  const byteCount = count * BYTES[dtype];
  if (bytes.length - dataStart < byteCount) {
    fail(
      name,
      `truncated data: shape (${shape.join(', ')}) needs ${byteCount} bytes, the file has ${bytes.length - dataStart}`
    );
  }
  // A copy, so the typed array is aligned whatever the header length (and owns its buffer:
  // a Buffer's slice would share node's pool).
  const copy = new Uint8Array(byteCount);
  copy.set(bytes.subarray(dataStart, dataStart + byteCount));
  const buffer = copy.buffer;
  const data: NpyData =
    dtype === 'float32'
      ? new Float32Array(buffer)
      : dtype === 'float64'
        ? new Float64Array(buffer)
        : dtype === 'int32'
          ? new Int32Array(buffer)
          : dtype === 'int64'
            ? new BigInt64Array(buffer)
            : new Uint8Array(buffer);
  return { dtype, shape, data };
}

/** Encodes an array as .npy (version 1, or 2 when the header is too long for version 1). */
export function encodeNpy(array: { shape: number[]; data: NpyData }): Uint8Array {
  const dtype = dtypeOf(array.data);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new RangeError(
      `shape (${array.shape.join(', ')}) holds ${count} values, the data ${array.data.length}`
    );
  }
  const shapeText =
    array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dict.length + 1 + PREAMBLE_BYTES + 2 <= 0xffff ? 1 : 2;
  const lengthBytes = version === 1 ? 2 : 4;
  const unpadded = PREAMBLE_BYTES + lengthBytes + dict.length + 1;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const header = dict + ' '.repeat(padding) + '\n';
  const dataStart = PREAMBLE_BYTES + lengthBytes + header.length;
  const out = new Uint8Array(dataStart + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) {
    view.setUint16(PREAMBLE_BYTES, header.length, true);
  } else {
    view.setUint32(PREAMBLE_BYTES, header.length, true);
  }
  out.set(new TextEncoder().encode(header), PREAMBLE_BYTES + lengthBytes);
  out.set(
    new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength),
    dataStart
  );
  return out;
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readInputFile(path), path);
}

/** Writes atomically: a reader never sees a half-written file. */
export async function writeNpy(path: string, array: { shape: number[]; data: NpyData }) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, encodeNpy(array));
  await rename(temporary, path);
}

/** The values as float32 (int64 beyond 2^53 would lose precision, which float32 does anyway). */
export function toFloat32(array: NpyArray): Float32Array {
  if (array.data instanceof Float32Array) {
    return array.data;
  }
  if (array.data instanceof BigInt64Array) {
    return Float32Array.from(array.data, Number);
  }
  return Float32Array.from(array.data);
}

export function toFloat64(array: NpyArray): Float64Array {
  if (array.data instanceof Float64Array) {
    return array.data;
  }
  if (array.data instanceof BigInt64Array) {
    return Float64Array.from(array.data, Number);
  }
  return Float64Array.from(array.data);
}

/** Integer values (e.g. class labels), whatever the stored type, refusing non-integers. */
export function toIntegers(array: NpyArray, name: string): Int32Array {
  const out = new Int32Array(array.data.length);
  for (let i = 0; i < out.length; i++) {
    const value = Number(array.data[i]);
    if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
      fail(name, `expected integer values, found ${array.data[i]} at index ${i}`);
    }
    out[i] = value;
  }
  return out;
}
