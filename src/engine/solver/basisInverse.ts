/**
 * The explicit inverse of the dual simplex's core matrix K (tight rows x basic terms, k x k,
 * entries 0/+-1), kept up to date in O(k^2) per pivot. Rows of the inverse follow the basic
 * terms' order, columns the tight rows' order; element (j, i) is at j * capacity + i.
 *
 * The O(k^2) loops take two rows of the inverse per pass, so each element of the vector they
 * share is loaded once for both: a pivot's time at n = 10 is about a third in these loops.
 * Each element's arithmetic is the same as row by row.
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
    let j = 0;
    for (; j + 1 < size; j += 2) {
      const row0 = j * capacity;
      const row1 = row0 + capacity;
      let total0 = 0;
      let total1 = 0;
      for (let i = 0; i < size; i++) {
        const bi = b[i];
        total0 += data[row0 + i] * bi;
        total1 += data[row1 + i] * bi;
      }
      x[j] = total0;
      x[j + 1] = total1;
    }
    if (j < size) {
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
    let pending = -1;
    for (let j = 0; j < size; j++) {
      if (c[j] === 0) {
        continue;
      }
      if (pending < 0) {
        pending = j;
        continue;
      }
      const factor0 = c[pending];
      const factor1 = c[j];
      const row0 = pending * capacity;
      const row1 = j * capacity;
      for (let i = 0; i < size; i++) {
        y[i] = y[i] + factor0 * data[row0 + i] + factor1 * data[row1 + i];
      }
      pending = -1;
    }
    if (pending >= 0) {
      const factor = c[pending];
      const row = pending * capacity;
      for (let i = 0; i < size; i++) {
        y[i] += factor * data[row + i];
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
    let j = 0;
    for (; j + 1 < k; j += 2) {
      const scaled0 = w[j] / schur;
      const scaled1 = w[j + 1] / schur;
      const row0 = j * capacity;
      const row1 = row0 + capacity;
      for (let i = 0; i < k; i++) {
        const ui = u[i];
        data[row0 + i] += scaled0 * ui;
        data[row1 + i] += scaled1 * ui;
      }
      data[row0 + k] = -scaled0;
      data[row1 + k] = -scaled1;
    }
    if (j < k) {
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
    this.subtractMultiples(j0, j => w[j]);
  }

  /** Tight row i0 is replaced by a row b (over basic terms); u = b^T K^-1. */
  replaceRow(i0: number, u: Float64Array): void {
    const { size, capacity, data } = this;
    const pivot = u[i0];
    // column i0 is overwritten after each pass, so the passes need not skip it
    let j = 0;
    for (; j + 1 < size; j += 2) {
      const row0 = j * capacity;
      const row1 = row0 + capacity;
      const scaled0 = data[row0 + i0] / pivot;
      const scaled1 = data[row1 + i0] / pivot;
      for (let i = 0; i < size; i++) {
        const ui = u[i];
        data[row0 + i] -= ui * scaled0;
        data[row1 + i] -= ui * scaled1;
      }
      data[row0 + i0] = scaled0;
      data[row1 + i0] = scaled1;
    }
    if (j < size) {
      const row = j * capacity;
      const scaled = data[row + i0] / pivot;
      for (let i = 0; i < size; i++) {
        data[row + i] -= u[i] * scaled;
      }
      data[row + i0] = scaled;
    }
  }

  /**
   * K loses basic term j0 and tight row i0 (K^-1(j0, i0) must be nonzero). The last term and
   * the last row move into the freed positions, as the caller's lists must do too.
   */
  shrink(j0: number, i0: number): void {
    const { size, capacity, data } = this;
    const pivot = data[j0 * capacity + i0];
    this.subtractMultiples(j0, j => data[j * capacity + i0] / pivot);
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

  /**
   * Row j -= factorOf(j) * row `pivot` for every row j but the pivot's own; factorOf(j) is read
   * before row j changes. Rows with a zero factor are skipped, the others taken in pairs.
   */
  private subtractMultiples(pivot: number, factorOf: (j: number) => number): void {
    const { size, capacity, data } = this;
    const pivotRow = pivot * capacity;
    let pending = -1;
    let pendingFactor = 0;
    for (let j = 0; j < size; j++) {
      const factor = j === pivot ? 0 : factorOf(j);
      if (factor === 0) {
        continue;
      }
      if (pending < 0) {
        pending = j;
        pendingFactor = factor;
        continue;
      }
      const row0 = pending * capacity;
      const row1 = j * capacity;
      for (let i = 0; i < size; i++) {
        const p = data[pivotRow + i];
        data[row0 + i] -= pendingFactor * p;
        data[row1 + i] -= factor * p;
      }
      pending = -1;
    }
    if (pending >= 0) {
      const row = pending * capacity;
      for (let i = 0; i < size; i++) {
        data[row + i] -= pendingFactor * data[pivotRow + i];
      }
    }
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
