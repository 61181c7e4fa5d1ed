/**
 * The explicit inverse of the dual simplex's core matrix K (tight rows x basic terms, k x k,
 * entries 0/+-1), kept up to date in O(k^2) per pivot. Rows of the inverse follow the basic
 * terms' order, columns the tight rows' order; element (j, i) is at j * capacity + i.
 */
export class BasisInverse {
  size = 0;
  private capacity: number;
  private data: Float64Array;

  constructor(initialCapacity = 16) {
    this.capacity = initialCapacity;
    this.data = new Float64Array(initialCapacity * initialCapacity);
  }

  get(j: number, i: number): number {
    return this.data[j * this.capacity + i];
  }

  /** x = K^-1 b (b over tight rows, x over basic terms). */
  solve(b: Float64Array, x: Float64Array): void {
    const { size, capacity, data } = this;
    for (let j = 0; j < size; j++) {
      let total = 0;
      const row = j * capacity;
      for (let i = 0; i < size; i++) {
        total += data[row + i] * b[i];
      }
      x[j] = total;
    }
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
    const { size, capacity, data } = this;
    y.fill(0, 0, size);
    for (let j = 0; j < size; j++) {
      const factor = c[j];
      if (factor !== 0) {
        const row = j * capacity;
        for (let i = 0; i < size; i++) {
          y[i] += factor * data[row + i];
        }
      }
    }
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
    const { capacity, data } = this;
    for (let j = 0; j < k; j++) {
      const scaled = w[j] / schur;
      const row = j * capacity;
      for (let i = 0; i < k; i++) {
        data[row + i] += scaled * u[i];
      }
      data[row + k] = -scaled;
    }
    const last = k * capacity;
    for (let i = 0; i < k; i++) {
      data[last + i] = -u[i] / schur;
    }
    data[last + k] = 1 / schur;
    this.size = k + 1;
    return true;
  }

  /** Basic term j0 is replaced by a term with column a (over tight rows); w = K^-1 a. */
  replaceColumn(j0: number, w: Float64Array): void {
    const { size, capacity, data } = this;
    const pivotRow = j0 * capacity;
    const pivot = w[j0];
    for (let i = 0; i < size; i++) {
      data[pivotRow + i] /= pivot;
    }
    for (let j = 0; j < size; j++) {
      const factor = w[j];
      if (j !== j0 && factor !== 0) {
        const row = j * capacity;
        for (let i = 0; i < size; i++) {
          data[row + i] -= factor * data[pivotRow + i];
        }
      }
    }
  }

  /** Tight row i0 is replaced by a row b (over basic terms); u = b^T K^-1. */
  replaceRow(i0: number, u: Float64Array): void {
    const { size, capacity, data } = this;
    const pivot = u[i0];
    for (let j = 0; j < size; j++) {
      const row = j * capacity;
      const scaled = data[row + i0] / pivot;
      data[row + i0] = scaled;
      for (let i = 0; i < size; i++) {
        if (i !== i0) {
          data[row + i] -= u[i] * scaled;
        }
      }
    }
  }

  /**
   * K loses basic term j0 and tight row i0 (K^-1(j0, i0) must be nonzero). The last term and
   * the last row move into the freed positions, as the caller's lists must do too.
   */
  shrink(j0: number, i0: number): void {
    const { size, capacity, data } = this;
    const pivot = data[j0 * capacity + i0];
    for (let j = 0; j < size; j++) {
      if (j !== j0) {
        const row = j * capacity;
        const factor = data[row + i0] / pivot;
        if (factor !== 0) {
          for (let i = 0; i < size; i++) {
            data[row + i] -= factor * data[j0 * capacity + i];
          }
        }
      }
    }
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
   * Inverts K from scratch (Gauss-Jordan, partial pivoting); entry(i, j) gives K(tight row
   * i, basic term j). Returns false if K is numerically singular.
   */
  factor(k: number, entry: (i: number, j: number) => number, pivotTolerance: number): boolean {
    const width = 2 * k;
    const work = new Float64Array(k * width);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        work[i * width + j] = entry(i, j);
      }
      work[i * width + k + i] = 1;
    }
    for (let col = 0; col < k; col++) {
      let best = col;
      for (let r = col + 1; r < k; r++) {
        if (Math.abs(work[r * width + col]) > Math.abs(work[best * width + col])) {
          best = r;
        }
      }
      const pivot = work[best * width + col];
      if (!(Math.abs(pivot) > pivotTolerance)) {
        return false;
      }
      if (best !== col) {
        for (let c = 0; c < width; c++) {
          const swap = work[col * width + c];
          work[col * width + c] = work[best * width + c];
          work[best * width + c] = swap;
        }
      }
      for (let c = 0; c < width; c++) {
        work[col * width + c] /= pivot;
      }
      for (let r = 0; r < k; r++) {
        const factor = work[r * width + col];
        if (r !== col && factor !== 0) {
          for (let c = col; c < width; c++) {
            work[r * width + c] -= factor * work[col * width + c];
          }
        }
      }
    }
    // work's right half is (K^-1) with rows over basic terms and columns over tight rows
    this.reserve(k);
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < k; i++) {
        this.data[j * this.capacity + i] = work[j * width + k + i];
      }
    }
    this.size = k;
    return true;
  }

  private reserve(k: number): void {
    if (k <= this.capacity) {
      return;
    }
    const capacity = Math.max(k, 2 * this.capacity);
    const data = new Float64Array(capacity * capacity);
    for (let j = 0; j < this.size; j++) {
      data.set(this.data.subarray(j * this.capacity, j * this.capacity + this.size), j * capacity);
    }
    this.capacity = capacity;
    this.data = data;
  }
}
