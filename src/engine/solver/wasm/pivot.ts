/**
 * The dual simplex's per-pivot work over all 2^n rows and 2^(n+1) columns in WebAssembly
 * SIMD (pivot.wat): the ratio test's column scan, the subset transforms, the price and fit
 * updates and the path's row breakpoint, on arrays that live in the kernels' memory.
 * ../dualSimplex.ts reads and writes those arrays like any other Float64Array; the
 * transforms refuse an array from elsewhere.
 */
import { instantiate } from './instantiate';
import { pivotWasm } from './pivotWasm';

interface PivotExports {
  scanColumns(
    alpha: number,
    price: number,
    blocked: number,
    count: number,
    direction: number,
    pivotTolerance: number,
    dualTolerance: number,
    bound: number,
    out: number
  ): number;
  zeta(x: number, size: number): void;
  supersetSum(x: number, size: number): void;
  addScaledPair(a: number, b: number, x: number, fa: number, fb: number, count: number): void;
  addComplement(out: number, x: number, size: number, total: number): void;
  rowBreakpoint(
    v0: number,
    dv: number,
    baseFit: number,
    slopeFit: number,
    tight: number,
    size: number,
    kappa0: number,
    dKappa: number,
    current: number,
    slopeTolerance: number,
    out: number
  ): void;
}

/** The path's next breakpoint: where a row's noise leaves its box. */
export interface Breakpoint {
  t: number;
  /** The row, or -1 if none before t = 1. */
  row: number;
  /** +1: the row's noise crosses +kappa; -1: -kappa. */
  direction: number;
}

/**
 * Arrays over the rows (2^n doubles each): the path's values v0 + t dv, the fits of its
 * point base + t slope, the tight rows' marks (nonzero where a row is tight), and scratch
 * for the pivot row and the edge's fit.
 */
const ROW_ARRAYS = [
  'v0',
  'dv',
  'baseFit',
  'slopeFit',
  'tight',
  'rho',
  'edgeAnd',
  'edgeOr',
  'scratch'
] as const;
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
  /** Candidate ids: columns from scanColumns, then whatever the caller appends. */
  readonly candidates: Int32Array;
  readonly rows: Record<(typeof ROW_ARRAYS)[number], Float64Array>;
  private readonly kernels: PivotExports;
  private readonly buffer: ArrayBuffer;
  /** The kernels' scalar results. */
  private readonly results: Float64Array;
  private readonly scanned = { bound: 0, columns: 0 };

  constructor(
    private readonly size: number,
    private readonly pivotTolerance: number
  ) {
    if (size < 2) {
      // the kernels take two doubles at a time
      throw new Error('the pivot kernels need at least one variable');
    }
    const doubles = ROW_ARRAYS.length * size + COLUMN_ARRAYS.length * 2 * size + 4;
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
    this.results = take(4);
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

  /** a += fa x and b += fb x, element by element (all three the workspace's, equally long). */
  addScaledPair(a: Float64Array, b: Float64Array, x: Float64Array, fa: number, fb: number): void {
    this.kernels.addScaledPair(
      this.offsetOf(a),
      this.offsetOf(b),
      this.offsetOf(x),
      fa,
      fb,
      x.length
    );
  }

  /** out(T) += total - x(N \\ T) for every T. */
  addComplement(out: Float64Array, x: Float64Array, total: number): void {
    this.kernels.addComplement(this.offsetOf(out), this.offsetOf(x), x.length, total);
  }

  /**
   * The path's next breakpoint from `current` for kappa(t) = kappa0 + t dKappa, over the rows
   * not marked tight (pivot.wat has the rule).
   */
  rowBreakpoint(
    kappa0: number,
    dKappa: number,
    current: number,
    slopeTolerance: number,
    out: Breakpoint
  ): void {
    const { v0, dv, baseFit, slopeFit, tight } = this.rows;
    this.kernels.rowBreakpoint(
      v0.byteOffset,
      dv.byteOffset,
      baseFit.byteOffset,
      slopeFit.byteOffset,
      tight.byteOffset,
      this.size,
      kappa0,
      dKappa,
      current,
      slopeTolerance,
      this.results.byteOffset
    );
    out.t = this.results[0];
    out.row = this.results[1];
    out.direction = this.results[2];
  }

  /**
   * The ratio test's column scan (pivot.wat): returns Harris' relaxed bound over the columns,
   * min (slack + dualTolerance) / |alpha|, and writes to candidates a superset of the columns
   * whose slack / |alpha| is within it; `columns` is set to their count.
   */
  scanColumns(direction: number, dualTolerance: number): { bound: number; columns: number } {
    const columns = this.kernels.scanColumns(
      this.alpha.byteOffset,
      this.price.byteOffset,
      this.blocked.byteOffset,
      2 * this.size,
      direction,
      this.pivotTolerance,
      dualTolerance,
      this.results.byteOffset,
      this.candidates.byteOffset
    );
    this.scanned.bound = this.results[0];
    this.scanned.columns = columns;
    return this.scanned;
  }

  private offsetOf(x: Float64Array): number {
    if (x.buffer !== this.buffer) {
      throw new Error('the pivot kernels work only on their own arrays');
    }
    return x.byteOffset;
  }
}
