/**
 * The explicit inverse of the dual simplex's core matrix K (tight rows x basic terms, k x k,
 * entries 0/+-1), kept up to date in O(k^2) per pivot. Rows of the inverse follow the basic
 * terms' order, columns the tight rows' order; element (j, i) is at j * capacity + i.
 *
 * The O(k^2) loops run in WebAssembly with SIMD (./wasm/linalg.wat), 4-8x faster than the
 * same loops in JavaScript (bench/RESULTS.md); they take about a third of a pivot's time at
 * n = 10 otherwise. The matrix lives in the kernels' memory, after it four vectors (the
 * kernels' arguments, copied in and out: O(k) beside their O(k^2)).
 */
import { linalgKernels, type LinalgKernels } from './wasm/linalg';

const SLOTS = 4;

export class BasisInverse {
  size = 0;
  private capacity = 0;
  private kernels!: LinalgKernels;
  private data = new Float64Array(0);
  private slots: Float64Array[] = [];

  constructor(initialCapacity = 16) {
    this.layout(initialCapacity);
  }

  get(j: number, i: number): number {
    return this.data[j * this.capacity + i];
  }

  /** x = K^-1 b (b over tight rows, x over basic terms). */
  solve(b: Float64Array, x: Float64Array): void {
    const { size, capacity, slots } = this;
    slots[0].set(b.subarray(0, size));
    this.kernels.matvec(0, capacity, size, size, this.slot(0), this.slot(1));
    x.set(slots[1].subarray(0, size));
  }

  /** x = K^-1 b for a b whose only nonzeros are b[at[t]] = value[t], t < count. */
  solveSparse(at: Int32Array, value: Float64Array, count: number, x: Float64Array): void {
    const { size, capacity, data } = this;
    for (let j = 0; j < size; j++) {
      let total = 0;
      const row = j * capacity;
      for (let t = 0; t < count; t++) {
        total += data[row + at[t]] * value[t];
      }
      x[j] = total;
    }
  }

  /** y = K^-T c (c over basic terms, y over tight rows). */
  solveTransposed(c: Float64Array, y: Float64Array): void {
    const { size, capacity, slots } = this;
    slots[0].set(c.subarray(0, size));
    slots[1].fill(0, 0, size);
    this.kernels.addRows(0, capacity, size, size, this.slot(0), this.slot(1));
    y.set(slots[1].subarray(0, size));
  }

  /** Row j of K^-1 (over tight rows) into out. */
  row(j: number, out: Float64Array): void {
    out.set(this.data.subarray(j * this.capacity, j * this.capacity + this.size));
  }

  /**
   * K grows by one tight row and one basic term: given w = K^-1 a (a: the new term on the
   * old tight rows), u = b^T K^-1 (b: the new tight row on the old terms) and the Schur
   * complement d - b.w (d: the corner). Returns false, leaving K unchanged, if the grown
   * matrix is numerically singular.
   */
  grow(w: Float64Array, u: Float64Array, schur: number, pivotTolerance: number): boolean {
    if (!(Math.abs(schur) > pivotTolerance)) {
      return false;
    }
    const k = this.size;
    this.reserve(k + 1);
    const { capacity, data, slots } = this;
    const scaled = slots[0];
    for (let j = 0; j < k; j++) {
      scaled[j] = w[j] / schur;
    }
    slots[1].set(u.subarray(0, k));
    this.kernels.rank1(0, capacity, k, k, this.slot(0), this.slot(1));
    const last = k * capacity;
    for (let j = 0; j < k; j++) {
      data[j * capacity + k] = -scaled[j];
      data[last + j] = -u[j] / schur;
    }
    data[last + k] = 1 / schur;
    this.size = k + 1;
    return true;
  }

  /** Basic term j0 is replaced by a term with column a (over tight rows); w = K^-1 a. */
  replaceColumn(j0: number, w: Float64Array): void {
    const { size, capacity, data, slots } = this;
    const pivotRow = j0 * capacity;
    const pivot = w[j0];
    for (let i = 0; i < size; i++) {
      data[pivotRow + i] /= pivot;
    }
    const factors = slots[0];
    for (let j = 0; j < size; j++) {
      factors[j] = -w[j];
    }
    factors[j0] = 0;
    this.kernels.rank1(0, capacity, size, size, this.slot(0), 8 * pivotRow);
  }

  /** Tight row i0 is replaced by a row b (over basic terms); u = b^T K^-1. */
  replaceRow(i0: number, u: Float64Array): void {
    const { size, capacity, data } = this;
    const factors = this.columnFactors(i0, u[i0]);
    this.slots[1].set(u.subarray(0, size));
    this.kernels.rank1(0, capacity, size, size, this.slot(0), this.slot(1));
    for (let j = 0; j < size; j++) {
      data[j * capacity + i0] = -factors[j];
    }
  }

  /**
   * K loses basic term j0 and tight row i0 (K^-1(j0, i0) must be nonzero). The last term and
   * the last row move into the freed positions, as the caller's lists must do too.
   */
  shrink(j0: number, i0: number): void {
    const { size, capacity, data } = this;
    const factors = this.columnFactors(i0, data[j0 * capacity + i0]);
    factors[j0] = 0;
    this.kernels.rank1(0, capacity, size, size, this.slot(0), 8 * j0 * capacity);
    const last = size - 1;
    if (j0 !== last) {
      data.copyWithin(j0 * capacity, last * capacity, last * capacity + size);
    }
    if (i0 !== last) {
      for (let j = 0; j < last; j++) {
        data[j * capacity + i0] = data[j * capacity + last];
      }
    }
    this.size = last;
  }

  /**
   * Inverts K from scratch: Gauss-Jordan in place (k^3 multiply-adds), with partial pivoting;
   * entry(i, j) gives K(tight row i, basic term j). Returns false, keeping the inverse it had,
   * if K is numerically singular. In place, row i of K becomes column i of the inverse, whose
   * rows are K's columns: the layout the inverse keeps.
   */
  factor(k: number, entry: (i: number, j: number) => number, pivotTolerance: number): boolean {
    this.reserve(k);
    const { capacity, data, slots } = this;
    const kept = data.slice(0, this.size * capacity);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        data[i * capacity + j] = entry(i, j);
      }
    }
    const swapped = new Int32Array(k);
    const factors = slots[0];
    for (let col = 0; col < k; col++) {
      let best = col;
      for (let r = col + 1; r < k; r++) {
        if (Math.abs(data[r * capacity + col]) > Math.abs(data[best * capacity + col])) {
          best = r;
        }
      }
      const pivot = data[best * capacity + col];
      if (!(Math.abs(pivot) > pivotTolerance)) {
        data.set(kept);
        return false;
      }
      swapped[col] = best;
      if (best !== col) {
        for (let c = 0; c < k; c++) {
          const swap = data[col * capacity + c];
          data[col * capacity + c] = data[best * capacity + c];
          data[best * capacity + c] = swap;
        }
      }
      const pivotRow = col * capacity;
      data[pivotRow + col] = 1;
      for (let c = 0; c < k; c++) {
        data[pivotRow + c] /= pivot;
      }
      for (let r = 0; r < k; r++) {
        factors[r] = r === col ? 0 : -data[r * capacity + col];
        if (r !== col) {
          data[r * capacity + col] = 0;
        }
      }
      this.kernels.rank1(0, capacity, k, k, this.slot(0), 8 * pivotRow);
    }
    // the row swaps of K are column swaps of its inverse, undone in reverse order
    for (let col = k - 1; col >= 0; col--) {
      const other = swapped[col];
      if (other !== col) {
        for (let j = 0; j < k; j++) {
          const swap = data[j * capacity + col];
          data[j * capacity + col] = data[j * capacity + other];
          data[j * capacity + other] = swap;
        }
      }
    }
    this.size = k;
    return true;
  }

  /** -K^-1(j, i0) / pivot for every row j, into the first slot (the rank-1 factors). */
  private columnFactors(i0: number, pivot: number): Float64Array {
    const { size, capacity, data } = this;
    const factors = this.slots[0];
    for (let j = 0; j < size; j++) {
      factors[j] = -data[j * capacity + i0] / pivot;
    }
    return factors;
  }

  private slot(s: number): number {
    return 8 * (this.capacity * this.capacity + s * this.capacity);
  }

  /** New kernels with memory for `capacity`, and the views on it; the contents are not kept. */
  private layout(capacity: number): void {
    this.capacity = capacity;
    this.kernels = linalgKernels(8 * (capacity * capacity + SLOTS * capacity));
    const { buffer } = this.kernels.memory;
    this.data = new Float64Array(buffer, 0, capacity * capacity);
    this.slots = Array.from(
      { length: SLOTS },
      (_, s) => new Float64Array(buffer, this.slot(s), capacity)
    );
  }

  private reserve(k: number): void {
    if (k <= this.capacity) {
      return;
    }
    const { size, capacity, data } = this;
    const kept = new Float64Array(size * size);
    for (let j = 0; j < size; j++) {
      kept.set(data.subarray(j * capacity, j * capacity + size), j * size);
    }
    // an even stride keeps every row 16-byte aligned for the SIMD loads
    this.layout(2 * Math.ceil(Math.max(k, 2 * capacity) / 2));
    for (let j = 0; j < size; j++) {
      this.data.set(kept.subarray(j * size, (j + 1) * size), j * this.capacity);
    }
  }
}
