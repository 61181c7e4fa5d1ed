/**
 * A parametric dual simplex method for the AND-OR LP (method.md 3) that never forms the
 * 2^n x 2^(n+1) constraint matrix.
 *
 * Variables: a free constant c; for every AND term (S != {}) and OR term (|S| >= 2) two
 * nonnegative parts (the term is sign * part, cost 1 each); per row T the noise
 * delta(T) in [-kappa, kappa] (cost 0). Rows: c + sum_{S subset of T} and(S) +
 * sum_{S meets T} or(S) + delta(T) = v(T).
 *
 * A basis holds c, k - 1 signed terms and the noise of every row except k tight rows, whose
 * noise sits at +kappa or -kappa. Everything about it follows from the k x k core K (tight
 * rows x basic terms): the terms solve K x = v - delta on the tight rows, the other rows'
 * noise is their residual, and the row duals y live on the tight rows (K^T y = cost). All
 * 2^n rows and 2^(n+1) term columns are handled at once through O(n 2^n) subset transforms.
 *
 * The method follows a path of problems (v(t), kappa(t)), t from 0 to 1, from one whose
 * optimal basis is known to the target. Cold: v fixed, kappa from (max v - min v) / 2, where
 * c alone is optimal, down to the target kappa. Warm: from a related problem solved before
 * (the duals do not depend on v or kappa, so its optimal basis is dual feasible here too).
 * The basis' primal point is affine in t, so the basis stays optimal until a row's noise
 * leaves its box or a basic part turns negative; that variable then leaves the basis and a
 * ratio test over all columns picks the entering one, keeping the dual feasible. On the games
 * measured the cold path took several times fewer pivots than the plain dual simplex at the
 * target kappa.
 */
import { BasisInverse } from './basisInverse';
import { PivotWorkspace, type Breakpoint } from './wasm/pivot';

/**
 * A basis and the problem it is optimal for: terms (id = kind * 2^n + mask, kind 0 AND,
 * 1 OR; id 0 the constant) with signs, tight rows with sides (+1: delta = +kappa).
 */
export interface StartBasis {
  values: Float64Array;
  kappa: number;
  terms: Int32Array;
  termSigns: Int8Array;
  rows: Int32Array;
  rowSides: Int8Array;
}

export interface DualSimplexResult {
  /** Primal terms of the last basis, dense by mask (and[0] is the constant). */
  and: Float64Array;
  or: Float64Array;
  /** Row duals of the last basis (zero off the tight rows); dual feasible throughout. */
  y: Float64Array;
  pivots: number;
  /** Whether the given start basis was used (else the cold start). */
  warm: boolean;
  /** Whether the path reached the target problem (else a pivot or time bound stopped it). */
  reached: boolean;
  /** The last basis; the problem it is optimal for is the target unless pivots ran out. */
  basis: StartBasis;
  /**
   * The optimum for each of `alternativeCosts`, reached from this one by the primal simplex
   * over the optimal face; null where it did not get there within its pivot bound (or the
   * main solve did not converge), so the caller solves that one afresh.
   */
  alternatives: (AlternativeOptimum | null)[];
}

export interface AlternativeOptimum {
  and: Float64Array;
  or: Float64Array;
  pivots: number;
}

const DUAL_TOLERANCE = 1e-9;
const PIVOT_TOLERANCE = 1e-7;
const SLOPE_TOLERANCE = 1e-12;
/**
 * Refactor K and recompute the primal and dual from scratch every max(this, 8 k) pivots (so
 * the O(k^3) refactor adds little to the pivots' O(k^2) updates), and whenever the tight
 * rows drift from their bounds or the basic parts' reduced costs from zero.
 */
const REFRESH_EVERY = 100;
const DRIFT_LIMIT = 1e-8;
/** Primal feasibility of an alternative optimum (v is normalised to a range of 1). */
const FEASIBILITY_TOLERANCE = 1e-9;
/** The primal re-solve for other tie-break costs may always take this many pivots. */
const MIN_REOPTIMIZE_PIVOTS = 50;
/** A start basis must be dual feasible to this tolerance. */
const WARM_TOLERANCE = 1e-7;

/** sum_{T meets S} x(T) for every S, in place (x one of the workspace's arrays). */
function meetSumsInPlace(workspace: PivotWorkspace, x: Float64Array): void {
  workspace.zeta(x);
  const full = x.length - 1;
  const total = x[full];
  for (let mask = 0; mask <= full >> 1; mask++) {
    const low = x[mask];
    x[mask] = total - x[full ^ mask];
    x[full ^ mask] = total - low;
  }
}

/** The entering variable: a term part (id >= 0, sign), or the noise of a tight row. */
interface Entering {
  id: number;
  sign: number;
  /** Position of the entering tight row, or -1. */
  tight: number;
  /** The dual step, both components of the lexicographic costs. */
  ratio: number;
  ratio2: number;
}

/** Everything the ratio test reads: the pivot row's products and the current duals. */
interface RatioInputs {
  /** The columns' products with the pivot row, prices and basic marks; the candidates. */
  workspace: PivotWorkspace;
  andAlpha: Float64Array;
  orAlpha: Float64Array;
  /** The pivot row over the rows (read on the tight rows). */
  rho: Float64Array;
  andPrice: Float64Array;
  orPrice: Float64Array;
  andPrice2: Float64Array;
  orPrice2: Float64Array;
  y: Float64Array;
  y2: Float64Array;
  secondCost: Float64Array;
  tight: IndexedList;
  /** Scratch: the tight rows that bind (positions) and their ratios. */
  rowAt: Int32Array;
  rowRatio: Float64Array;
}

/**
 * The dual ratio test over all signed term parts (column sign * atom, at lower bound 0,
 * reduced cost (1 - sign * price, h - sign * price2)) and the tight rows' boxed noise
 * (reduced cost side * (y, y2)), with lexicographic reduced costs: the least first
 * component, and among the ties the least second one. Ties are judged with Harris'
 * tolerance, and among the final ties the largest |alpha| is taken. Parts already basic are
 * skipped; the twin of a basic part is a candidate (the term changing sign). The columns are
 * scanned in WebAssembly (./wasm/pivot.wat), in one pass for Harris' relaxed bound and a few
 * candidates, which are then read here.
 */
function ratioTest(inputs: RatioInputs, direction: number, out: Entering): void {
  const { workspace, rho, y, tight } = inputs;
  const { candidates } = workspace;
  const rowBase = 2 * inputs.andAlpha.length;
  const scanned = workspace.scanColumns(direction, DUAL_TOLERANCE);
  let limit = scanned.bound;
  // A tight row's noise at +kappa keeps -y <= 0 and binds when direction * rho < 0; at
  // -kappa it binds when direction * rho > 0. The rows that bind are kept with their ratios.
  const { rowAt, rowRatio } = inputs;
  let binding = 0;
  for (let i = 0; i < tight.length; i++) {
    const row = tight.ids[i];
    const a = direction * rho[row];
    const magnitude = a < 0 ? -a : a;
    if (magnitude <= PIVOT_TOLERANCE || (a > 0 ? 1 : -1) === tight.signs[i]) {
      continue;
    }
    const reduced = tight.signs[i] * y[row];
    const slack = reduced > 0 ? reduced : 0;
    const bound = (slack + DUAL_TOLERANCE) / magnitude;
    if (bound < limit) {
      limit = bound;
    }
    rowAt[binding] = i;
    rowRatio[binding++] = slack / magnitude;
  }
  // the candidates: the scanned columns and the binding rows within the final bound
  const cost = scratchCost;
  let count = 0;
  for (let c = 0; c < scanned.columns; c++) {
    candidateCost(inputs, direction, candidates[c], cost);
    if ((cost.reduced > 0 ? cost.reduced : 0) / cost.magnitude <= limit) {
      candidates[count++] = candidates[c];
    }
  }
  for (let b = 0; b < binding; b++) {
    if (rowRatio[b] <= limit) {
      candidates[count++] = rowBase + rowAt[b];
    }
  }

  // The relaxed least ratio of the second component among the ties of the first.
  let limit2 = Infinity;
  for (let c = 0; c < count; c++) {
    candidateCost(inputs, direction, candidates[c], cost);
    const bound = (cost.reduced2 + DUAL_TOLERANCE) / cost.magnitude;
    if (bound < limit2) {
      limit2 = bound;
    }
  }

  out.id = -1;
  out.tight = -1;
  out.ratio = Infinity;
  let best = 0;
  for (let c = 0; c < count; c++) {
    const id = candidates[c];
    candidateCost(inputs, direction, id, cost);
    const { magnitude, reduced, reduced2 } = cost;
    if (magnitude <= best || reduced2 / magnitude > limit2) {
      continue;
    }
    best = magnitude;
    out.id = id >= rowBase ? -1 : id;
    out.tight = id >= rowBase ? id - rowBase : -1;
    out.sign = cost.sign;
    out.ratio = (reduced > 0 ? reduced : 0) / magnitude;
    out.ratio2 = reduced2 / magnitude;
  }
}

/** A candidate's pivot magnitude, sign (0 for a row) and reduced costs. */
interface CandidateCost {
  magnitude: number;
  sign: number;
  reduced: number;
  reduced2: number;
}

const scratchCost: CandidateCost = { magnitude: 0, sign: 0, reduced: 0, reduced2: 0 };

/** Candidate ids: term ids below 2^(n+1), then 2^(n+1) + the position of a tight row. */
function candidateCost(
  inputs: RatioInputs,
  direction: number,
  id: number,
  out: CandidateCost
): void {
  const { andAlpha, orAlpha, rho, andPrice, orPrice, andPrice2, orPrice2, y, y2 } = inputs;
  const size = andAlpha.length;
  if (id >= 2 * size) {
    const i = id - 2 * size;
    const row = inputs.tight.ids[i];
    const side = inputs.tight.signs[i];
    out.magnitude = Math.abs(rho[row]);
    out.sign = 0;
    out.reduced = side * y[row];
    out.reduced2 = side * y2[row];
    return;
  }
  const mask = id & (size - 1);
  const a = direction * (id >= size ? orAlpha : andAlpha)[mask];
  out.sign = a > 0 ? 1 : -1;
  out.magnitude = a < 0 ? -a : a;
  out.reduced = 1 - out.sign * (id >= size ? orPrice : andPrice)[mask];
  out.reduced2 = inputs.secondCost[id] - out.sign * (id >= size ? orPrice2 : andPrice2)[mask];
}

/**
 * One growable list of basic terms or tight rows with its reverse index; for the terms also
 * the ratio test's basic marks (marks[id]: the sign of the basic part, 0 if none; an id
 * marked NaN never enters and keeps its mark).
 */
class IndexedList {
  ids: Int32Array;
  signs: Int8Array;
  length = 0;
  readonly at: Int32Array;

  constructor(
    universe: number,
    private readonly marks?: Float64Array
  ) {
    this.ids = new Int32Array(16);
    this.signs = new Int8Array(16);
    this.at = new Int32Array(universe).fill(-1);
  }

  private mark(id: number, sign: number): void {
    if (this.marks && !Number.isNaN(this.marks[id])) {
      this.marks[id] = sign;
    }
  }

  push(id: number, sign: number): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(2 * this.length);
      const signs = new Int8Array(2 * this.length);
      ids.set(this.ids);
      signs.set(this.signs);
      this.ids = ids;
      this.signs = signs;
    }
    this.ids[this.length] = id;
    this.signs[this.length] = sign;
    this.at[id] = this.length++;
    this.mark(id, sign);
  }

  replace(position: number, id: number, sign: number): void {
    this.at[this.ids[position]] = -1;
    this.mark(this.ids[position], 0);
    this.ids[position] = id;
    this.signs[position] = sign;
    this.at[id] = position;
    this.mark(id, sign);
  }

  clear(): void {
    for (let i = 0; i < this.length; i++) {
      this.at[this.ids[i]] = -1;
      this.mark(this.ids[i], 0);
    }
    this.length = 0;
  }

  /** Removes the entry at `position`, moving the last entry into it. */
  remove(position: number): void {
    this.at[this.ids[position]] = -1;
    this.mark(this.ids[position], 0);
    const last = --this.length;
    if (position !== last) {
      this.ids[position] = this.ids[last];
      this.signs[position] = this.signs[last];
      this.at[this.ids[position]] = position;
    }
  }
}

export interface DualSimplexLimits {
  maxPivots: number;
  /** performance.now() after which the solve stops, as at the pivot bound. */
  deadline?: number;
}

/**
 * `secondCost`: the tie-break cost h by term id (./tieBreak.ts); the costs are the pairs
 * (1, h) compared lexicographically, so the optimum reached is the least sum h |term| among
 * all of least sum |term|.
 */
export function dualSimplex(
  v: Float64Array,
  kappa: number,
  secondCost: Float64Array,
  limits: DualSimplexLimits,
  start?: StartBasis,
  alternativeCosts: readonly Float64Array[] = []
): DualSimplexResult {
  // the tie-break costs in force: the caller's, then each alternative's
  const cost2 = Float64Array.from(secondCost);
  const size = v.length;
  const full = size - 1;
  // term id = kind * size + mask (kind 0: AND, 1: OR); id 0 is the constant
  const workspace = new PivotWorkspace(size, PIVOT_TOLERANCE);
  // the free constant, the empty OR term and the OR singletons (the AND singletons' twins)
  // never enter
  workspace.blocked[0] = NaN;
  for (let mask = 0; mask < size; mask = mask === 0 ? 1 : 2 * mask) {
    workspace.blocked[size + mask] = NaN;
  }
  const terms = new IndexedList(2 * size, workspace.blocked);
  const { v0, dv, baseFit, slopeFit, rho, edgeAnd, edgeOr, scratch } = workspace.rows;
  const tight = new IndexedList(size, workspace.rows.tight);
  const inverse = new BasisInverse();

  const coefficient = (id: number, row: number): number => {
    const mask = id & full;
    return id >= size ? ((mask & row) !== 0 ? 1 : 0) : (mask & row) === mask ? 1 : 0;
  };
  const entry = (i: number, j: number): number =>
    terms.signs[j] * coefficient(terms.ids[j], tight.ids[i]);

  // The path: v(t) = v0 + t dv, kappa(t) = kappa0 + t dKappa for t in [0, 1]. Primal: term
  // values base + t slope, fits likewise (fit = A x for all rows), so
  // delta(t) = (v0 - baseFit) + t (dv - slopeFit).
  v0.set(v);
  let kappa0 = kappa;
  let dKappa = 0;
  let base: Float64Array = new Float64Array(16);
  let slope: Float64Array = new Float64Array(16);
  // Dual: y on the tight rows, and the prices A^T y of every AND and OR column; y2 and its
  // prices for the tie-break costs.
  const y = new Float64Array(size);
  const andPrice = workspace.price.subarray(0, size);
  const orPrice = workspace.price.subarray(size);
  const y2 = new Float64Array(size);
  const andPrice2 = workspace.price2.subarray(0, size);
  const orPrice2 = workspace.price2.subarray(size);
  // Pivot row and its products with every column; the entering edge's fit change.
  const andAlpha = workspace.alpha.subarray(0, size);
  const orAlpha = workspace.alpha.subarray(size);
  let work: Float64Array = new Float64Array(16);
  let work2: Float64Array = new Float64Array(16);
  let edge: Float64Array = new Float64Array(16);
  let w: Float64Array = new Float64Array(16);
  let u: Float64Array = new Float64Array(16);
  let rowOfLeaving: Float64Array = new Float64Array(16);
  let nonzeroAt = new Int32Array(16);
  let nonzeroValue: Float64Array = new Float64Array(16);

  const reserve = (k: number): void => {
    if (base.length >= k) {
      return;
    }
    const grow = (array: Float64Array): Float64Array => {
      const next = new Float64Array(2 * k);
      next.set(array);
      return next;
    };
    base = grow(base);
    slope = grow(slope);
    work = grow(work);
    work2 = grow(work2);
    edge = grow(edge);
    w = grow(w);
    u = grow(u);
    rowOfLeaving = grow(rowOfLeaving);
    nonzeroValue = grow(nonzeroValue);
    const at = new Int32Array(2 * k);
    at.set(nonzeroAt);
    nonzeroAt = at;
  };

  /** A x for all rows, x given by position over the basic terms (plus an optional extra). */
  const fitOf = (
    x: Float64Array,
    out: Float64Array,
    extraId = -1,
    extraSign = 0,
    extraValue = 0
  ): void => {
    edgeAnd.fill(0);
    edgeOr.fill(0);
    for (let j = 0; j < terms.length; j++) {
      const id = terms.ids[j];
      (id >= size ? edgeOr : edgeAnd)[id & full] += terms.signs[j] * x[j];
    }
    if (extraId >= 0) {
      (extraId >= size ? edgeOr : edgeAnd)[extraId & full] += extraSign * extraValue;
    }
    // fit(T) = sum_{S subset of T} and(S) + sum_{S meets T} or(S), the second sum as
    // total - sum_{S subset of N\T} or(S); the total is the zeta transform's last entry, so
    // the empty row's OR part is exactly 0
    out.set(edgeAnd);
    workspace.zeta(out);
    scratch.set(edgeOr);
    scratch[0] = 0;
    workspace.zeta(scratch);
    workspace.addComplement(out, scratch, scratch[full]);
  };

  /** Duals on the tight rows for the basic costs in `work`, and their prices. */
  const pricesOf = (duals: Float64Array, andOut: Float64Array, orOut: Float64Array): void => {
    inverse.solveTransposed(work, work2);
    duals.fill(0);
    for (let i = 0; i < terms.length; i++) {
      duals[tight.ids[i]] = work2[i];
    }
    andOut.set(duals);
    workspace.supersetSum(andOut);
    orOut.set(duals);
    meetSumsInPlace(workspace, orOut);
  };

  /** The duals and prices of the tie-break costs in force, for the current basis. */
  const secondPrices = (): void => {
    for (let j = 0; j < terms.length; j++) {
      work[j] = cost2[terms.ids[j]];
    }
    pricesOf(y2, andPrice2, orPrice2);
  };

  /** Recomputes the primal and dual from K^-1, refactoring K first if asked. */
  const refresh = (refactor = true): boolean => {
    const k = terms.length;
    if (refactor && !inverse.factor(k, entry, PIVOT_TOLERANCE * 1e-3)) {
      return false;
    }
    for (let i = 0; i < k; i++) {
      work[i] = v0[tight.ids[i]] - tight.signs[i] * kappa0;
    }
    inverse.solve(work, base);
    for (let i = 0; i < k; i++) {
      work[i] = dv[tight.ids[i]] - tight.signs[i] * dKappa;
    }
    inverse.solve(work, slope);
    fitOf(base, baseFit);
    fitOf(slope, slopeFit);
    for (let j = 0; j < k; j++) {
      work[j] = j === 0 ? 0 : 1;
    }
    pricesOf(y, andPrice, orPrice);
    secondPrices();
    return true;
  };

  /**
   * Whether the current basis is dual feasible for the lexicographic costs: every reduced
   * cost (first, second) positive in its first component, or zero there and nonnegative in
   * its second.
   */
  const dualFeasible = (): boolean => {
    const signed = (reduced: number, reduced2: number): boolean =>
      reduced > WARM_TOLERANCE || (reduced > -WARM_TOLERANCE && reduced2 > -WARM_TOLERANCE);
    for (let mask = 1; mask < size; mask++) {
      for (const sign of [1, -1]) {
        if (!signed(1 - sign * andPrice[mask], cost2[mask] - sign * andPrice2[mask])) {
          return false;
        }
        if (
          (mask & (mask - 1)) !== 0 &&
          !signed(1 - sign * orPrice[mask], cost2[size + mask] - sign * orPrice2[mask])
        ) {
          return false;
        }
      }
    }
    for (let i = 0; i < tight.length; i++) {
      const row = tight.ids[i];
      if (!signed(tight.signs[i] * y[row], tight.signs[i] * y2[row])) {
        return false;
      }
    }
    return true;
  };

  const coldStart = (): void => {
    let max = -Infinity;
    let min = Infinity;
    let top = 0;
    for (let mask = 0; mask < size; mask++) {
      if (v[mask] > max) {
        max = v[mask];
        top = mask;
      }
      min = Math.min(min, v[mask]);
    }
    terms.clear();
    tight.clear();
    terms.push(0, 1);
    tight.push(top, 1);
    v0.set(v);
    dv.fill(0);
    kappa0 = Math.max(0.5 * (max - min), kappa);
    dKappa = kappa - kappa0;
    reserve(1);
    refresh();
  };

  // A basis optimal for another problem is dual feasible for this one too (duals do not
  // depend on v or kappa); the path then leads from that problem to this one.
  let warm = false;
  if (start && start.values.length === size && start.rows.length === start.terms.length) {
    for (let j = 0; j < start.terms.length; j++) {
      terms.push(start.terms[j], start.termSigns[j]);
      tight.push(start.rows[j], start.rowSides[j]);
    }
    v0.set(start.values);
    for (let mask = 0; mask < size; mask++) {
      dv[mask] = v[mask] - v0[mask];
    }
    kappa0 = start.kappa;
    dKappa = kappa - kappa0;
    reserve(terms.length + 1);
    warm =
      terms.ids[0] === 0 &&
      terms.length === new Set(terms.ids.subarray(0, terms.length)).size &&
      tight.length === new Set(tight.ids.subarray(0, tight.length)).size &&
      refresh() &&
      dualFeasible();
  }
  if (!warm) {
    coldStart();
  }
  let current = 0;
  const breakpoint: Breakpoint = { t: 0, row: -1, direction: 0 };
  const entering: Entering = { id: -1, sign: 0, tight: -1, ratio: Infinity, ratio2: 0 };
  let pivots = 0;
  let sinceRefresh = 0;

  /** Whether the current point (t = 0 of the path) keeps every part >= 0 and noise in its box. */
  const primalFeasible = (): boolean => {
    for (let j = 1; j < terms.length; j++) {
      if (base[j] < -FEASIBILITY_TOLERANCE) {
        return false;
      }
    }
    for (let row = 0; row < size; row++) {
      if (Math.abs(v0[row] - baseFit[row]) > kappa0 + FEASIBILITY_TOLERANCE) {
        return false;
      }
    }
    return true;
  };

  /** How far the tight rows are from their bounds and basic parts from zero reduced cost. */
  const drift = (): number => {
    let worst = Math.abs(andPrice[0]);
    for (let i = 0; i < tight.length; i++) {
      const row = tight.ids[i];
      const side = tight.signs[i];
      worst = Math.max(
        worst,
        Math.abs(v0[row] - baseFit[row] - side * kappa0),
        Math.abs(dv[row] - slopeFit[row] - side * dKappa)
      );
    }
    for (let j = 1; j < terms.length; j++) {
      const id = terms.ids[j];
      const sign = terms.signs[j];
      const price = id >= size ? orPrice[id & full] : andPrice[id];
      const price2 = id >= size ? orPrice2[id & full] : andPrice2[id];
      worst = Math.max(worst, Math.abs(price - sign), Math.abs(price2 - sign * cost2[id]));
    }
    return worst;
  };

  const ratioInputs: RatioInputs = {
    workspace,
    andAlpha,
    orAlpha,
    rho,
    andPrice,
    orPrice,
    andPrice2,
    orPrice2,
    y,
    y2,
    secondCost: cost2,
    tight,
    rowAt: new Int32Array(size),
    rowRatio: new Float64Array(size)
  };
  while (pivots < limits.maxPivots) {
    // the clock is read every 64 pivots: a pivot costs far less than the bound's resolution
    if (
      limits.deadline !== undefined &&
      (pivots & 63) === 0 &&
      performance.now() > limits.deadline
    ) {
      break;
    }
    const k = terms.length;
    if (sinceRefresh >= Math.max(REFRESH_EVERY, 8 * k)) {
      if (!refresh()) {
        break;
      }
      sinceRefresh = 0;
    } else if (drift() > DRIFT_LIMIT) {
      // the incremental updates drifted: recompute from K^-1, and refactor if that is off too
      refresh(false);
      if (drift() > DRIFT_LIMIT) {
        if (!refresh()) {
          break;
        }
        sinceRefresh = 0;
      }
    }

    // The next breakpoint: where a row's noise leaves its box or a basic part, base + t
    // slope, turns negative.
    workspace.rowBreakpoint(kappa0, dKappa, current, SLOPE_TOLERANCE, breakpoint);
    let next = breakpoint.t;
    let leavingRow = breakpoint.row;
    let direction = breakpoint.direction;
    let leavingTerm = -1;
    for (let j = 1; j < k; j++) {
      if (slope[j] < -SLOPE_TOLERANCE && base[j] < -next * slope[j]) {
        next = Math.max(-base[j] / slope[j], current);
        leavingRow = -1;
        leavingTerm = j;
        direction = -1;
      }
    }
    if (leavingRow < 0 && leavingTerm < 0) {
      current = 1;
      break;
    }
    current = next;
    pivots++;
    sinceRefresh++;

    // Pivot row rho = B^-T e_leaving over the rows; direction: +1 if the leaving variable
    // leaves at its upper bound.
    rho.fill(0);
    if (leavingRow >= 0) {
      // rho = e_T - K^-T b on the tight rows, b: the basic terms on row T; u = b^T K^-1
      for (let j = 0; j < k; j++) {
        rowOfLeaving[j] = terms.signs[j] * coefficient(terms.ids[j], leavingRow);
      }
      inverse.solveTransposed(rowOfLeaving, u);
      for (let i = 0; i < k; i++) {
        rho[tight.ids[i]] = -u[i];
      }
      rho[leavingRow] = 1;
    } else {
      inverse.row(leavingTerm, work2);
      for (let i = 0; i < k; i++) {
        rho[tight.ids[i]] = work2[i];
      }
    }
    andAlpha.set(rho);
    workspace.supersetSum(andAlpha);
    orAlpha.set(rho);
    meetSumsInPlace(workspace, orAlpha);

    ratioTest(ratioInputs, direction, entering);
    const enteringTerm = entering.id;
    const enteringSign = entering.sign;
    const enteringTight = entering.tight;
    if (enteringTight < 0 && enteringTerm < 0) {
      break;
    }

    // Dual step: y += step * direction * rho (rho lives on the tight and leaving rows), and
    // the prices follow; y2 likewise with the second component of the step.
    const dualStep = entering.ratio * direction;
    const dualStep2 = entering.ratio2 * direction;
    for (let i = 0; i < k; i++) {
      const row = tight.ids[i];
      y[row] += dualStep * rho[row];
      y2[row] += dualStep2 * rho[row];
    }
    if (leavingRow >= 0) {
      y[leavingRow] += dualStep;
      y2[leavingRow] += dualStep2;
    }
    workspace.addScaledPair(
      workspace.price,
      workspace.price2,
      workspace.alpha,
      dualStep,
      dualStep2
    );

    // Primal edge: the entering variable moves by one unit, the basic terms by -K^-1 of its
    // column on the tight rows (for entering noise at tight row t: K^-1 e_t).
    if (enteringTight < 0) {
      // The column is 0/+-1 and often sparse (an AND term of order m meets about 2^-m of
      // the rows): then only its nonzeros are read.
      let nonzeros = 0;
      for (let i = 0; i < k; i++) {
        const a = enteringSign * coefficient(enteringTerm, tight.ids[i]);
        work[i] = a;
        if (a !== 0) {
          nonzeroAt[nonzeros] = i;
          nonzeroValue[nonzeros++] = a;
        }
      }
      if (2 * nonzeros < k) {
        inverse.solveSparse(nonzeroAt, nonzeroValue, nonzeros, w);
      } else {
        inverse.solve(work, w);
      }
      for (let j = 0; j < k; j++) {
        edge[j] = -w[j];
      }
      fitOf(edge, rho, enteringTerm, enteringSign, 1);
    } else {
      for (let j = 0; j < k; j++) {
        edge[j] = -inverse.get(j, enteringTight);
      }
      fitOf(edge, rho);
    }
    // Steps along the edge that put the leaving variable at its new bound, separately for
    // the base and the slope parts of the primal point; `rho` now holds the edge's fit.
    let baseStep: number;
    let slopeStep: number;
    if (leavingRow >= 0) {
      const r = v0[leavingRow] - baseFit[leavingRow] - direction * kappa0;
      const q = dv[leavingRow] - slopeFit[leavingRow] - direction * dKappa;
      baseStep = r / rho[leavingRow];
      slopeStep = q / rho[leavingRow];
    } else {
      baseStep = -base[leavingTerm] / edge[leavingTerm];
      slopeStep = -slope[leavingTerm] / edge[leavingTerm];
    }
    workspace.addScaledPair(baseFit, slopeFit, rho, baseStep, slopeStep);
    for (let j = 0; j < k; j++) {
      base[j] += baseStep * edge[j];
      slope[j] += slopeStep * edge[j];
    }

    reserve(k + 1);
    if (leavingRow >= 0 && enteringTight < 0) {
      // K grows: the leaving row becomes tight, the entering term basic.
      let schur = enteringSign * coefficient(enteringTerm, leavingRow);
      for (let j = 0; j < k; j++) {
        schur -= rowOfLeaving[j] * w[j];
      }
      if (!inverse.grow(w, u, schur, PIVOT_TOLERANCE * 1e-3)) {
        break;
      }
      terms.push(enteringTerm, enteringSign);
      tight.push(leavingRow, direction);
      base[k] = baseStep;
      slope[k] = slopeStep;
    } else if (leavingRow >= 0) {
      // The leaving row replaces the entering tight row.
      inverse.replaceRow(enteringTight, u);
      tight.replace(enteringTight, leavingRow, direction);
    } else if (enteringTight < 0) {
      // The entering term replaces the leaving one.
      inverse.replaceColumn(leavingTerm, w);
      terms.replace(leavingTerm, enteringTerm, enteringSign);
      base[leavingTerm] = baseStep;
      slope[leavingTerm] = slopeStep;
    } else {
      // K shrinks: the leaving term goes to zero, the entering row's noise becomes basic.
      inverse.shrink(leavingTerm, enteringTight);
      terms.remove(leavingTerm);
      tight.remove(enteringTight);
      base[leavingTerm] = base[k - 1];
      slope[leavingTerm] = slope[k - 1];
    }
  }

  /** The basic terms at the path's point t, dense by mask. */
  const termsAt = (t: number): { and: Float64Array; or: Float64Array } => {
    const and = new Float64Array(size);
    const or = new Float64Array(size);
    for (let j = 0; j < terms.length; j++) {
      const id = terms.ids[j];
      (id >= size ? or : and)[id & full] += terms.signs[j] * (base[j] + t * slope[j]);
    }
    return { and, or };
  };
  const { and, or } = termsAt(current);
  const reachedValues = v0.map((value, mask) => value + current * dv[mask]);
  const basis: StartBasis = {
    values: reachedValues,
    kappa: kappa0 + current * dKappa,
    terms: terms.ids.slice(0, terms.length),
    termSigns: terms.signs.slice(0, terms.length),
    rows: tight.ids.slice(0, tight.length),
    rowSides: tight.signs.slice(0, tight.length)
  };

  /**
   * The primal simplex over the optimal face for the tie-break costs in cost2, from the
   * current optimal basis of the target problem: only the second component of the costs
   * changed, so the basis stays primal feasible and optimal for the first; a column enters
   * while its first reduced cost is zero and its second negative. The point follows each
   * pivot's edge; the first duals need no update (the entering column's first reduced cost is
   * zero, so they still price every basic column), the second ones are recomputed from K^-1.
   * Everything is recomputed as often as on the path and when it drifts. Returns the pivots
   * taken, or -1 where it gave up.
   */
  const reoptimize = (maxPivots: number): number => {
    if (!refresh(false)) {
      return -1;
    }
    let sinceRefresh = 0;
    for (let taken = 0; taken <= maxPivots; taken++) {
      if (limits.deadline !== undefined && performance.now() > limits.deadline) {
        return -1;
      }
      if (sinceRefresh >= Math.max(REFRESH_EVERY, 8 * terms.length)) {
        if (!refresh()) {
          return -1;
        }
        sinceRefresh = 0;
      } else if (taken > 0 && drift() > DRIFT_LIMIT && !refresh(false)) {
        return -1;
      }
      const k = terms.length;
      // pricing: the most negative second reduced cost on the face (Dantzig's rule)
      let enteringTerm = -1;
      let enteringSign = 0;
      let enteringTight = -1;
      let most = -DUAL_TOLERANCE;
      for (let id = 1; id < 2 * size; id++) {
        const mask = id & full;
        if (id >= size && (mask & (mask - 1)) === 0) {
          continue;
        }
        const price = id >= size ? orPrice[mask] : andPrice[mask];
        const price2 = id >= size ? orPrice2[mask] : andPrice2[mask];
        for (let sign = -1; sign <= 1; sign += 2) {
          const position = terms.at[id];
          if (position >= 0 && terms.signs[position] === sign) {
            continue;
          }
          const reduced2 = cost2[id] - sign * price2;
          if (Math.abs(1 - sign * price) <= DUAL_TOLERANCE && reduced2 < most) {
            most = reduced2;
            enteringTerm = id;
            enteringSign = sign;
          }
        }
      }
      for (let i = 0; i < k; i++) {
        const row = tight.ids[i];
        const reduced2 = tight.signs[i] * y2[row];
        if (Math.abs(y[row]) <= DUAL_TOLERANCE && reduced2 < most) {
          most = reduced2;
          enteringTerm = -1;
          enteringTight = i;
        }
      }
      if (enteringTerm < 0 && enteringTight < 0) {
        return taken;
      }
      if (taken === maxPivots) {
        return -1;
      }

      // The edge: the basic terms' change per unit of the entering variable, and the fit's
      // change on every row. A tight row's noise leaves its bound towards the other side.
      if (enteringTight < 0) {
        for (let i = 0; i < k; i++) {
          work[i] = enteringSign * coefficient(enteringTerm, tight.ids[i]);
        }
        inverse.solve(work, w);
        for (let j = 0; j < k; j++) {
          edge[j] = -w[j];
        }
        fitOf(edge, rho, enteringTerm, enteringSign, 1);
      } else {
        const side = tight.signs[enteringTight];
        for (let j = 0; j < k; j++) {
          edge[j] = side * inverse.get(j, enteringTight);
        }
        fitOf(edge, rho);
      }
      // Ratio test: basic parts stay >= 0, the other rows' noise v - fit in [-kappa, kappa];
      // a leaving row becomes tight on the side it reaches.
      let step = enteringTight >= 0 ? 2 * kappa : Infinity;
      let leavingTerm = -1;
      let leavingRow = -1;
      let leavingSide = 0;
      for (let j = 1; j < k; j++) {
        if (edge[j] < -PIVOT_TOLERANCE) {
          const ratio = Math.max(base[j], 0) / -edge[j];
          if (ratio < step) {
            step = ratio;
            leavingTerm = j;
            leavingRow = -1;
          }
        }
      }
      for (let row = 0; row < size; row++) {
        const rate = rho[row];
        if (tight.at[row] >= 0 || Math.abs(rate) <= PIVOT_TOLERANCE) {
          continue;
        }
        const noise = v0[row] - baseFit[row];
        const room = rate > 0 ? noise + kappa : kappa - noise;
        const ratio = Math.max(room, 0) / Math.abs(rate);
        if (ratio < step) {
          step = ratio;
          leavingTerm = -1;
          leavingRow = row;
          leavingSide = rate > 0 ? -1 : 1;
        }
      }
      if (step === Infinity) {
        return -1;
      }

      reserve(k + 1);
      if (leavingRow >= 0) {
        for (let j = 0; j < k; j++) {
          rowOfLeaving[j] = terms.signs[j] * coefficient(terms.ids[j], leavingRow);
        }
        inverse.solveTransposed(rowOfLeaving, u);
      }
      for (let row = 0; row < size; row++) {
        baseFit[row] += step * rho[row];
      }
      for (let j = 0; j < k; j++) {
        base[j] += step * edge[j];
      }
      if (leavingTerm < 0 && leavingRow < 0) {
        // the entering row's noise crossed its box: it stays tight, on the other side
        tight.signs[enteringTight] = -tight.signs[enteringTight];
      } else if (enteringTight < 0 && leavingRow >= 0) {
        let schur = enteringSign * coefficient(enteringTerm, leavingRow);
        for (let j = 0; j < k; j++) {
          schur -= rowOfLeaving[j] * w[j];
        }
        if (!inverse.grow(w, u, schur, PIVOT_TOLERANCE * 1e-3)) {
          return -1;
        }
        terms.push(enteringTerm, enteringSign);
        tight.push(leavingRow, leavingSide);
        base[k] = step;
      } else if (enteringTight < 0) {
        inverse.replaceColumn(leavingTerm, w);
        terms.replace(leavingTerm, enteringTerm, enteringSign);
        base[leavingTerm] = step;
      } else if (leavingRow >= 0) {
        inverse.replaceRow(enteringTight, u);
        tight.replace(enteringTight, leavingRow, leavingSide);
      } else {
        inverse.shrink(leavingTerm, enteringTight);
        terms.remove(leavingTerm);
        tight.remove(enteringTight);
        base[leavingTerm] = base[k - 1];
      }
      secondPrices();
      sinceRefresh++;
    }
    return -1;
  };

  const alternatives: (AlternativeOptimum | null)[] = alternativeCosts.map(() => null);
  if (current === 1 && alternativeCosts.length > 0) {
    // from here on the problem is the target itself, so refresh() gives its point directly
    v0.set(v);
    dv.fill(0);
    kappa0 = kappa;
    dKappa = 0;
    alternativeCosts.forEach((costs, a) => {
      cost2.set(costs);
      // Where the optimal face is wide the primal path creeps (steps of 1e-6); past half the
      // main solve's pivots a fresh solve is cheaper.
      const taken = reoptimize(Math.max(MIN_REOPTIMIZE_PIVOTS, Math.floor(pivots / 2)));
      if (taken >= 0 && primalFeasible()) {
        alternatives[a] = { ...termsAt(0), pivots: taken };
      }
    });
  }
  return { and, or, y, pivots, warm, reached: current === 1, basis, alternatives };
}
