/**
 * The basis inverse's SIMD kernels (linalg.wat). The module is compiled once per thread; the
 * engine needs WebAssembly with 128-bit SIMD, which every Node.js since 16.4 and every
 * current browser has.
 */
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

let compiled: WebAssembly.Module | undefined;

/**
 * The kernels on a fresh memory of at least `bytes`. A caller that needs more takes a new
 * instance instead of growing this one's memory (see linalg.wat).
 */
export function linalgKernels(bytes: number): LinalgKernels {
  compiled ??= new WebAssembly.Module(Uint8Array.from(atob(linalgWasm), c => c.charCodeAt(0)));
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  return { ...(exports as unknown as Omit<LinalgKernels, 'memory'>), memory };
}
