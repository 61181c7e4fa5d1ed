/**
 * Uploaded arrays (raw little-endian bytes + dtype + shape) as the typed arrays the engine
 * takes: float32 inputs and int32 class labels.
 */
import type { ArrayDType } from '../../protocol/api';
import { UserError } from '../cli/errors';

export interface RawArray {
  dtype: ArrayDType;
  shape: number[];
  bytes: Uint8Array;
}

/** Reads element i of any dtype as a number (little-endian, whatever the host's order). */
function reader(array: RawArray): (i: number) => number {
  const view = new DataView(array.bytes.buffer, array.bytes.byteOffset, array.bytes.byteLength);
  switch (array.dtype) {
    case 'float32':
      return i => view.getFloat32(i * 4, true);
    case 'float64':
      return i => view.getFloat64(i * 8, true);
    case 'int8':
      return i => view.getInt8(i);
    case 'uint8':
    case 'bool':
      return i => view.getUint8(i);
    case 'int16':
      return i => view.getInt16(i * 2, true);
    case 'uint16':
      return i => view.getUint16(i * 2, true);
    case 'int32':
      return i => view.getInt32(i * 4, true);
    case 'uint32':
      return i => view.getUint32(i * 4, true);
    case 'int64':
      return i => Number(view.getBigInt64(i * 8, true));
    case 'uint64':
      return i => Number(view.getBigUint64(i * 8, true));
  }
}

function elements(array: RawArray): number {
  return array.shape.reduce((a, b) => a * b, 1);
}

/**
 * float32 values for the engine. A value float32 cannot hold (beyond about ±3.4e38) would
 * become Infinity and show up later as a NaN of the model, so it is refused here, naming
 * the array, the sample and the element.
 */
export function toFloat32(array: RawArray, name: string): Float32Array {
  const count = elements(array);
  const out = new Float32Array(count);
  const read = reader(array);
  const perRow = array.shape.length > 1 ? count / (array.shape[0] || 1) : 1;
  const where = (i: number) =>
    array.shape.length > 1
      ? `sample ${Math.floor(i / perRow)} (element ${i % perRow} of it, flat index ${i})`
      : `element ${i}`;
  for (let i = 0; i < count; i++) {
    const value = read(i);
    if (!Number.isFinite(value)) {
      throw new UserError(`${name}: ${where(i)} is ${value}; every value must be finite`);
    }
    if (!Number.isFinite(Math.fround(value))) {
      throw new UserError(
        `${name}: ${where(i)} is ${value}, beyond float32's range (about ±3.4e38): the model runs in float32, where it would become Infinity. Rescale the input`
      );
    }
    out[i] = value;
  }
  return out;
}

/** Class labels: integers, given as any integer or float dtype. */
export function toLabels(array: RawArray, name: string): Int32Array {
  const count = elements(array);
  const out = new Int32Array(count);
  const read = reader(array);
  for (let i = 0; i < count; i++) {
    const value = read(i);
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
      throw new UserError(
        `${name}: element ${i} is ${value}; class labels must be non-negative integers`
      );
    }
    out[i] = value;
  }
  return out;
}
