/**
 * The dual simplex's per-pivot work over all 2^n rows and 2^(n+1) columns in WebAssembly
 * SIMD (pivot.wat): the subset transforms and the ratio test's column scan, on arrays that
 * live in the kernels' memory. ../dualSimplex.ts reads and writes those arrays like any other
 * Float64Array; the transforms refuse an array from elsewhere.
 */
import { instantiate } from './instantiate';
import { pivotWasm } from './pivotWasm';

interface PivotExports {
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
  zeta(x: number, size: number): void;
  supersetSum(x: number, size: number): void;
}

/** Arrays over the rows (2^n doubles each). */
const ROW_ARRAYS = ['rho', 'edgeAnd', 'edgeOr', 'scratch', 'baseFit', 'slopeFit'] as const;
/** Arrays over the columns, AND then OR (2^(n+1) doubles each). */
const COLUMN_ARRAYS = ['alpha', 'price', 'price2', 'blocked'] as const;

export class PivotWorkspace {
  /** The pivot row's product with each column (AND, then OR). */
  readonly alpha: Float64Array;
  /** Each column's price A^T y, and A^T y2 for the tie-break costs. */
  readonly price: Float64Array;
  readonly price2: Float64Array;
  /** +1 or -1: that signed part is basic; NaN: never enters; 0: may enter. */
  readonly blocked: Float64Array;
  /** Candidate ids: columns from candidatesWithin, then whatever the caller appends. */
  readonly candidates: Int32Array;
  /** Scratch over the rows for ../dualSimplex.ts: the pivot row and the edge's fit, ... */
  readonly rows: Record<(typeof ROW_ARRAYS)[number], Float64Array>;
  private readonly kernels: PivotExports;
  private readonly buffer: ArrayBuffer;

  constructor(
    private readonly size: number,
    private readonly pivotTolerance: number
  ) {
    const doubles = ROW_ARRAYS.length * size + COLUMN_ARRAYS.length * 2 * size;
    const candidateCount = 3 * size;
    const { exports, memory } = instantiate(pivotWasm, 8 * doubles + 4 * candidateCount);
    this.kernels = exports as unknown as PivotExports;
    this.buffer = memory.buffer;
    let offset = 0;
    const take = (length: number): Float64Array => {
      const array = new Float64Array(this.buffer, offset, length);
      offset += 8 * length;
      return array;
    };
    this.alpha = take(2 * size);
    this.price = take(2 * size);
    this.price2 = take(2 * size);
    this.blocked = take(2 * size);
    this.rows = Object.fromEntries(ROW_ARRAYS.map(name => [name, take(size)])) as Record<
      (typeof ROW_ARRAYS)[number],
      Float64Array
    >;
    this.candidates = new Int32Array(this.buffer, offset, candidateCount);
  }

  /** v(T) = sum_{S subset of T} x(S), in place; bit for bit ../kernels.ts' zetaInPlace. */
  zeta(x: Float64Array): void {
    this.kernels.zeta(this.offsetOf(x), x.length);
  }

  /** g(S) = sum_{T superset of S} x(T), in place; bit for bit supersetSumInPlace. */
  supersetSum(x: Float64Array): void {
    this.kernels.supersetSum(this.offsetOf(x), x.length);
  }

  /** Harris' relaxed bound over the columns: min (slack + dualTolerance) / |alpha|. */
  relaxedBound(direction: number, dualTolerance: number): number {
    return this.kernels.relaxedBound(
      this.alpha.byteOffset,
      this.price.byteOffset,
      this.blocked.byteOffset,
      2 * this.size,
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
      2 * this.size,
      direction,
      this.pivotTolerance,
      limit,
      this.candidates.byteOffset
    );
  }

  private offsetOf(x: Float64Array): number {
    if (x.buffer !== this.buffer) {
      throw new Error('the pivot kernels work only on their own arrays');
    }
    return x.byteOffset;
  }
}
