import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { supersetSumInPlace, zetaInPlace } from '../../src/engine/solver/kernels';
import { linalgKernels } from '../../src/engine/solver/wasm/linalg';
import { linalgWasm } from '../../src/engine/solver/wasm/linalgWasm';
import { pivotWasm } from '../../src/engine/solver/wasm/pivotWasm';
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

  it('stay small enough for a browser to compile on its main thread', () => {
    // Chrome compiles a module synchronously (new WebAssembly.Module) only up to 4 KB there
    for (const base64 of [linalgWasm, pivotWasm]) {
      assert.ok(atob(base64).length <= 4096, `${atob(base64).length} bytes`);
    }
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

    out.fill(7);
    kernels.matvec(0, cap, rows, cols, v.byteOffset, out.byteOffset);
    for (let j = 0; j < cap; j++) {
      let total = 0;
      for (let i = 0; i < cols; i++) {
        total += at(j, i) * v[i];
      }
      assert.ok(Math.abs(out[j] - (j < rows ? total : 7)) < 1e-15, `matvec row ${j}`);
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
    assert.throws(() => new PivotWorkspace(1, 1e-7), /at least one variable/);
    for (let n = 1; n <= 12; n++) {
      const size = 1 << n;
      const workspace = new PivotWorkspace(size, 1e-7);
      // the arrays on either side hold values that a transform running past its own would
      // read or change
      const { rho: before, edgeAnd: x, edgeOr: after } = workspace.rows;
      for (const [kernel, reference] of [
        [(a: Float64Array) => workspace.zeta(a), zetaInPlace],
        [(a: Float64Array) => workspace.supersetSum(a), supersetSumInPlace]
      ] as const) {
        for (const array of [before, x, after]) {
          array.forEach((_, i) => (array[i] = random() - 0.5));
        }
        const neighbours = [Float64Array.from(before), Float64Array.from(after)];
        const expected = Float64Array.from(x);
        reference(expected);
        kernel(x);
        assert.deepEqual(x, expected, `n = ${n}, ${reference.name}`);
        assert.deepEqual([before, after], neighbours, `n = ${n}, ${reference.name}: neighbours`);
      }
      assert.throws(() => workspace.zeta(new Float64Array(size)), /their own arrays/);
    }
  });

  it("update the prices and fits and add the OR terms' complement sums element by element", () => {
    const random = seededRandom(5);
    const size = 64;
    const workspace = new PivotWorkspace(size, 1e-7);
    const { rho, baseFit, slopeFit, scratch, edgeAnd } = workspace.rows;
    for (const array of [rho, baseFit, slopeFit, scratch, edgeAnd]) {
      array.forEach((_, i) => (array[i] = random() - 0.5));
    }
    const base = Float64Array.from(baseFit);
    const slope = Float64Array.from(slopeFit);
    workspace.addScaledPair(baseFit, slopeFit, rho, 0.3, -1.7);
    for (let i = 0; i < size; i++) {
      assert.equal(baseFit[i], base[i] + 0.3 * rho[i]);
      assert.equal(slopeFit[i], slope[i] + -1.7 * rho[i]);
    }
    const out = Float64Array.from(edgeAnd);
    workspace.addComplement(edgeAnd, scratch, 2.5);
    for (let i = 0; i < size; i++) {
      assert.equal(edgeAnd[i], out[i] + (2.5 - scratch[size - 1 - i]));
    }
  });

  it("find the path's next breakpoint: the least crossing, the first row on a tie", () => {
    const random = seededRandom(9);
    const size = 32;
    const workspace = new PivotWorkspace(size, 1e-7);
    const { v0, dv, baseFit, slopeFit, tight } = workspace.rows;
    /** The rule as stated, one row and bound at a time. */
    const expected = (kappa0: number, dKappa: number, current: number) => {
      let best = { t: 1, row: -1, direction: 0 };
      for (let row = 0; row < size; row++) {
        if (tight[row] !== 0) {
          continue;
        }
        const r = v0[row] - baseFit[row];
        const q = dv[row] - slopeFit[row];
        for (const direction of [1, -1]) {
          const slope = direction * q - dKappa;
          const t = (kappa0 - direction * r) / slope;
          if (slope > 1e-12 && t < best.t) {
            best = { t, row, direction };
          }
        }
      }
      return { ...best, t: best.row < 0 ? 1 : Math.max(best.t, current) };
    };
    for (let round = 0; round < 40; round++) {
      for (const array of [v0, dv, baseFit, slopeFit]) {
        array.forEach((_, i) => (array[i] = random() - 0.5));
      }
      tight.forEach((_, i) => (tight[i] = random() < 0.3 ? (random() < 0.5 ? 1 : -1) : 0));
      if (round % 4 === 1) {
        // no row crosses before t = 1
        dv.set(slopeFit);
      }
      // two rows tie, far outside their boxes: in one lane of the kernel, or one in each
      // with the first row in either lane
      const tie =
        round % 8 === 2 ? [7, 19] : round % 8 === 6 ? [6, 19] : round % 8 === 4 ? [7, 10] : [];
      for (const row of tie) {
        v0[row] = 5;
        baseFit[row] = 0;
        dv[row] = 0.5;
        slopeFit[row] = 0;
        tight[row] = 0;
      }
      let [kappa0, dKappa, current] = [0.6 + random(), -0.5 * random(), 0.2 * random()];
      if (round % 8 === 3) {
        // rows whose noise is 0 and stays 0 meet both bounds at once as kappa shrinks to 0 at
        // t = 0.4: the first row and its upper bound are taken
        dv.set(slopeFit);
        v0.set(baseFit);
        tight.fill(0);
        [kappa0, dKappa, current] = [0.2, -0.5, 0];
      }
      const out = { t: 0, row: 0, direction: 0 };
      workspace.rowBreakpoint(kappa0, dKappa, current, 1e-12, out);
      const want = expected(kappa0, dKappa, current);
      if (tie.length > 0) {
        assert.equal(want.row, tie[0], 'the tie decides');
      }
      if (round % 8 === 3) {
        assert.deepEqual([want.row, want.direction], [0, 1], 'both bounds at once');
      }
      assert.equal(out.row, want.row, `round ${round}`);
      assert.equal(out.t, want.t, `round ${round}`);
      if (want.row >= 0) {
        assert.equal(out.direction, want.direction, `round ${round}`);
      }
    }
  });

  it("scan the columns for Harris' bound and every candidate within it", () => {
    const random = seededRandom(13);
    const size = 64;
    const workspace = new PivotWorkspace(size, 1e-7);
    const { alpha, price, blocked } = workspace;
    for (let round = 0; round < 20; round++) {
      const direction = round % 2 ? 1 : -1;
      for (let id = 0; id < 2 * size; id++) {
        // some columns tiny, some basic (either sign) or never entering; prices within [-1, 1]
        // and some at the bound, where the slack is 0
        alpha[id] = random() < 0.2 ? 1e-9 * random() : random() - 0.5;
        price[id] = random() < 0.2 ? Math.sign(random() - 0.5) : 2 * random() - 1;
        const mark = random();
        blocked[id] = mark < 0.1 ? 1 : mark < 0.2 ? -1 : mark < 0.25 ? NaN : 0;
      }
      const valid = (id: number) => {
        const a = direction * alpha[id];
        const sign = a > 0 ? 1 : -1;
        return Math.abs(a) > 1e-7 && !(sign * blocked[id] >= 1) && !Number.isNaN(blocked[id]);
      };
      const slack = (id: number) => {
        const a = direction * alpha[id];
        return Math.max(1 - (a > 0 ? 1 : -1) * price[id], 0);
      };
      let bound = Infinity;
      for (let id = 0; id < 2 * size; id++) {
        if (valid(id)) {
          bound = Math.min(bound, (slack(id) + 1e-9) / Math.abs(alpha[id]));
        }
      }
      const within = Array.from({ length: 2 * size }, (_, id) => id).filter(
        id => valid(id) && slack(id) / Math.abs(alpha[id]) <= bound
      );
      const scanned = workspace.scanColumns(direction, 1e-9);
      const ids = Array.from(workspace.candidates.subarray(0, scanned.columns));
      assert.equal(scanned.bound, bound, `round ${round}: the bound`);
      assert.ok(within.length > 0, `round ${round}: some candidate`);
      assert.ok(
        within.every(id => ids.includes(id)),
        `round ${round}: every candidate within the bound`
      );
      assert.ok(ids.every(valid), `round ${round}: only parts that may enter`);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        `round ${round}: in id order`
      );
    }
  });
});
