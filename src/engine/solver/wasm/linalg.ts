/** The basis inverse's SIMD kernels (linalg.wat). */
import { instantiate } from './instantiate';
import { linalgWasm } from './linalgWasm';

export interface LinalgKernels {
  memory: WebAssembly.Memory;
  /** x[j] = sum_{i < cols} A[j, i] b[i], j < rows; A with a stride of cap doubles. */
  matvec(a: number, cap: number, rows: number, cols: number, b: number, x: number): void;
  /** A[j, i] += f[j] v[i], j < rows, i < cols; rows with f[j] = 0 untouched. */
  rank1(a: number, cap: number, rows: number, cols: number, f: number, v: number): void;
  /** y[i] += sum_{j < rows} c[j] A[j, i], i < cols. */
  addRows(a: number, cap: number, rows: number, cols: number, c: number, y: number): void;
}

/** The kernels on a fresh memory of at least `bytes`. */
export function linalgKernels(bytes: number): LinalgKernels {
  const { exports, memory } = instantiate(linalgWasm, bytes);
  return { ...(exports as unknown as Omit<LinalgKernels, 'memory'>), memory };
}
