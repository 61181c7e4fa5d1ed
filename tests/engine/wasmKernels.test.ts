import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { supersetSumInPlace, zetaInPlace } from '../../src/engine/solver/kernels';
import { linalgKernels } from '../../src/engine/solver/wasm/linalg';
import { PivotWorkspace } from '../../src/engine/solver/wasm/pivot';
import { seededRandom } from './solverGames';

const ROOT = join(__dirname, '..', '..');

describe('the solver WebAssembly kernels', () => {
  it('are built from the .wat sources committed beside them', () => {
    // exits nonzero, naming the module, where a .wat changed and its module was not rebuilt
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-wasm.mjs'), '--check'], {
      stdio: 'pipe'
    });
  });

  it('compute matrix-vector products and rank-1 updates as plain loops do', () => {
    const random = seededRandom(7);
    // odd sizes exercise the loops' last single double, a stride wider than the matrix the
    // columns they must not touch
    const [cap, rows, cols] = [12, 7, 9];
    const kernels = linalgKernels(8 * (cap * cap + 3 * cap));
    const memory = kernels.memory.buffer;
    const matrix = new Float64Array(memory, 0, cap * cap);
    const f = new Float64Array(memory, 8 * cap * cap, cap);
    const v = new Float64Array(memory, 8 * (cap * cap + cap), cap);
    const out = new Float64Array(memory, 8 * (cap * cap + 2 * cap), cap);
    matrix.forEach((_, i) => (matrix[i] = random() - 0.5));
    f.forEach((_, i) => (f[i] = i % 3 === 1 ? 0 : random() - 0.5));
    v.forEach((_, i) => (v[i] = random() - 0.5));
    const at = (j: number, i: number) => matrix[j * cap + i];

    kernels.matvec(0, cap, rows, cols, v.byteOffset, out.byteOffset);
    for (let j = 0; j < rows; j++) {
      let total = 0;
      for (let i = 0; i < cols; i++) {
        total += at(j, i) * v[i];
      }
      assert.ok(Math.abs(out[j] - total) < 1e-15, `matvec row ${j}`);
    }

    out.fill(0.25);
    kernels.addRows(0, cap, rows, cols, f.byteOffset, out.byteOffset);
    for (let i = 0; i < cap; i++) {
      let total = 0.25;
      for (let j = 0; j < rows && i < cols; j++) {
        total += f[j] * at(j, i);
      }
      assert.ok(Math.abs(out[i] - total) < 1e-15, `addRows column ${i}`);
    }

    const before = Float64Array.from(matrix);
    kernels.rank1(0, cap, rows, cols, f.byteOffset, v.byteOffset);
    for (let j = 0; j < cap; j++) {
      for (let i = 0; i < cap; i++) {
        const expected = before[j * cap + i] + (j < rows && i < cols ? f[j] * v[i] : 0);
        assert.equal(matrix[j * cap + i], expected, `rank1 (${j}, ${i})`);
      }
    }
  });

  it('transform subsets bit for bit as the JavaScript butterflies do, for every n up to 12', () => {
    const random = seededRandom(11);
    for (let n = 0; n <= 12; n++) {
      const size = 1 << n;
      const workspace = new PivotWorkspace(size, 1e-7);
      const x = workspace.rows.scratch;
      for (const [kernel, reference] of [
        [(a: Float64Array) => workspace.zeta(a), zetaInPlace],
        [(a: Float64Array) => workspace.supersetSum(a), supersetSumInPlace]
      ] as const) {
        x.forEach((_, i) => (x[i] = random() - 0.5));
        const expected = Float64Array.from(x);
        reference(expected);
        kernel(x);
        assert.deepEqual(x, expected, `n = ${n}, ${reference.name}`);
      }
      assert.throws(() => workspace.zeta(new Float64Array(size)), /their own arrays/);
    }
  });
});
