/**
 * The dual ratio test's column scan (pivot.wat) and the arrays it reads, which live in its
 * memory: the pivot row's products and the prices of every AND column (ids 0 .. 2^n - 1) and
 * OR column (2^n .. 2^(n+1) - 1), each signed part's basic mark, and the candidates' ids.
 * Everything else about the ratio test stays in ../dualSimplex.ts.
 */
import { instantiate } from './instantiate';
import { pivotWasm } from './pivotWasm';

interface RatioExports {
  relaxedBound(
    alpha: number,
    price: number,
    blocked: number,
    count: number,
    direction: number,
    pivotTolerance: number,
    dualTolerance: number
  ): number;
  candidates(
    alpha: number,
    price: number,
    blocked: number,
    count: number,
    direction: number,
    pivotTolerance: number,
    limit: number,
    out: number
  ): number;
}

export class ColumnScan {
  /** The pivot row times each column (AND, then OR). */
  readonly alpha: Float64Array;
  /** Each column's price A^T y. */
  readonly price: Float64Array;
  /** +1 or -1: that signed part is basic; NaN: never enters; 0: may enter. */
  readonly blocked: Float64Array;
  /** Candidate ids: columns from candidatesWithin, then whatever the caller appends. */
  readonly candidates: Int32Array;
  private readonly kernels: RatioExports;

  constructor(
    private readonly columns: number,
    candidateCapacity: number,
    private readonly pivotTolerance: number
  ) {
    const bytes = 24 * columns + 4 * candidateCapacity;
    const { exports, memory } = instantiate(pivotWasm, bytes);
    this.kernels = exports as unknown as RatioExports;
    const { buffer } = memory;
    this.alpha = new Float64Array(buffer, 0, columns);
    this.price = new Float64Array(buffer, 8 * columns, columns);
    this.blocked = new Float64Array(buffer, 16 * columns, columns);
    this.candidates = new Int32Array(buffer, 24 * columns, candidateCapacity);
  }

  /** Harris' relaxed bound over the columns: min (slack + dualTolerance) / |alpha|. */
  relaxedBound(direction: number, dualTolerance: number): number {
    return this.kernels.relaxedBound(
      this.alpha.byteOffset,
      this.price.byteOffset,
      this.blocked.byteOffset,
      this.columns,
      direction,
      this.pivotTolerance,
      dualTolerance
    );
  }

  /** Writes the columns with slack / |alpha| <= limit to candidates; returns their count. */
  candidatesWithin(direction: number, limit: number): number {
    return this.kernels.candidates(
      this.alpha.byteOffset,
      this.price.byteOffset,
      this.blocked.byteOffset,
      this.columns,
      direction,
      this.pivotTolerance,
      limit,
      this.candidates.byteOffset
    );
  }
}
