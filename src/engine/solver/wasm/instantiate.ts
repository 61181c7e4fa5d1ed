/**
 * Instances of the solver's WebAssembly kernels, each on a fresh memory of the size asked for.
 * The engine needs WebAssembly with 128-bit SIMD, which every Node.js since 16.4 and every
 * current browser has. A caller that needs more memory takes a new instance instead of
 * growing one: growing a memory detaches its buffer, and after the first detached buffer V8
 * checks for detachment on every typed-array access of the thread (measured: a solver
 * written in JavaScript 20-40% slower, bench/RESULTS.md).
 */
const compiled = new Map<string, WebAssembly.Module>();

export function instantiate(
  base64: string,
  bytes: number
): { exports: Record<string, unknown>; memory: WebAssembly.Memory } {
  let module = compiled.get(base64);
  if (!module) {
    module = new WebAssembly.Module(Uint8Array.from(atob(base64), c => c.charCodeAt(0)));
    compiled.set(base64, module);
  }
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  return { exports: new WebAssembly.Instance(module, { env: { memory } }).exports, memory };
}
