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
 * The method follows kappa down from (max v - min v) / 2, where c alone is optimal, to the
 * target: the basis' primal point is affine in kappa, so it stays optimal until a row's noise
 * leaves [-kappa, kappa] or a basic part turns negative; that variable then leaves the basis
 * and a ratio test over all columns picks the entering one, keeping the dual feasible. On
 * the games measured this took far fewer pivots than the dual simplex at the target kappa.
 */
import { BasisInverse } from './basisInverse';
import { supersetSumInPlace, zetaInPlace } from './kernels';

export interface DualSimplexResult {
  /** Primal terms of the last basis at `kappa`, dense by mask (and[0] is the constant). */
  and: Float64Array;
  or: Float64Array;
  /** Row duals of the last basis (zero off the tight rows); dual feasible throughout. */
  y: Float64Array;
  /** The kappa the last basis is optimal for: the target unless the pivots ran out. */
  kappa: number;
  pivots: number;
  /** Basic terms (constant included) of the last basis. */
  basisSize: number;
}

const DUAL_TOLERANCE = 1e-9;
const PIVOT_TOLERANCE = 1e-7;
const SLOPE_TOLERANCE = 1e-12;
/**
 * Refactor K and recompute the primal and dual from scratch every max(this, k) pivots (the
 * O(k^3) refactor then costs about as much as the pivots' O(k^2) updates), or on drift.
 */
const REFRESH_EVERY = 100;
const DRIFT_LIMIT = 1e-9;

/** sum_{T meets S} x(T) for every S, in place. */
function meetSumsInPlace(x: Float64Array): void {
  zetaInPlace(x);
  const full = x.length - 1;
  const total = x[full];
  for (let mask = 0; mask <= full >> 1; mask++) {
    const low = x[mask];
    x[mask] = total - x[full ^ mask];
    x[full ^ mask] = total - low;
  }
}

/** target += factor * source. */
function addScaled(target: Float64Array, source: Float64Array, factor: number): void {
  for (let i = 0; i < target.length; i++) {
    target[i] += factor * source[i];
  }
}

/**
 * fit(T) = sum_{S subset of T} and(S) + sum_{S meets T} or(S) for every T; and and or are
 * overwritten.
 */
function fitInto(and: Float64Array, or: Float64Array, out: Float64Array): void {
  const full = and.length - 1;
  or[0] = 0;
  let orTotal = 0;
  for (let mask = 1; mask <= full; mask++) {
    orTotal += or[mask];
  }
  zetaInPlace(and);
  zetaInPlace(or);
  for (let mask = 0; mask <= full; mask++) {
    out[mask] = and[mask] + orTotal - or[full ^ mask];
  }
}

interface Breakpoint {
  kappa: number;
  row: number;
  /** +1: the row's noise crosses +kappa; -1: -kappa. */
  direction: number;
}

/**
 * The largest kappa in (floor, current] at which a non-tight row's noise
 * delta(kappa) = (v - baseFit) + kappa * slopeFit leaves [-kappa, kappa]: upwards at
 * r / (1 - q), downwards at -r / (1 + q). Rows already outside count at `current`.
 */
function rowBreakpoint(
  v: Float64Array,
  baseFit: Float64Array,
  slopeFit: Float64Array,
  tightAt: Int32Array,
  floor: number,
  current: number,
  out: Breakpoint
): void {
  let next = floor;
  out.row = -1;
  for (let mask = 0; mask < v.length; mask++) {
    if (tightAt[mask] >= 0) {
      continue;
    }
    const r = v[mask] - baseFit[mask];
    const q = slopeFit[mask];
    if (1 - q > SLOPE_TOLERANCE && r > next * (1 - q)) {
      next = Math.min(r / (1 - q), current);
      out.row = mask;
      out.direction = 1;
    }
    if (1 + q > SLOPE_TOLERANCE && -r > next * (1 + q)) {
      next = Math.min(-r / (1 + q), current);
      out.row = mask;
      out.direction = -1;
    }
  }
  out.kappa = next;
}

interface Entering {
  id: number;
  sign: number;
  ratio: number;
}

/**
 * The dual ratio test over all signed term parts (column sign * atom, at lower bound 0,
 * reduced cost 1 - sign * price): Harris' two passes, i.e. the largest |alpha| among the
 * parts whose ratio is within the tolerance-relaxed minimum. Parts already basic are
 * skipped; the twin of a basic part is a candidate (the term changing sign).
 */
function termRatioTest(
  andAlpha: Float64Array,
  orAlpha: Float64Array,
  andPrice: Float64Array,
  orPrice: Float64Array,
  direction: number,
  termAt: Int32Array,
  termSigns: Int8Array,
  out: Entering
): void {
  const size = andAlpha.length;
  let limit = Infinity;
  for (let kind = 0; kind < 2; kind++) {
    const alpha = kind === 0 ? andAlpha : orAlpha;
    const price = kind === 0 ? andPrice : orPrice;
    for (let mask = kind === 0 ? 1 : 3; mask < size; mask++) {
      const a = direction * alpha[mask];
      const magnitude = a < 0 ? -a : a;
      if (magnitude <= PIVOT_TOLERANCE || (kind === 1 && (mask & (mask - 1)) === 0)) {
        continue;
      }
      const sign = a > 0 ? 1 : -1;
      const position = termAt[kind * size + mask];
      if (position >= 0 && termSigns[position] === sign) {
        continue;
      }
      const reduced = 1 - sign * price[mask];
      const bound = ((reduced > 0 ? reduced : 0) + DUAL_TOLERANCE) / magnitude;
      if (bound < limit) {
        limit = bound;
      }
    }
  }
  out.id = -1;
  out.ratio = Infinity;
  let best = 0;
  for (let kind = 0; kind < 2; kind++) {
    const alpha = kind === 0 ? andAlpha : orAlpha;
    const price = kind === 0 ? andPrice : orPrice;
    for (let mask = kind === 0 ? 1 : 3; mask < size; mask++) {
      const a = direction * alpha[mask];
      const magnitude = a < 0 ? -a : a;
      if (magnitude <= best || magnitude <= PIVOT_TOLERANCE) {
        continue;
      }
      if (kind === 1 && (mask & (mask - 1)) === 0) {
        continue;
      }
      const sign = a > 0 ? 1 : -1;
      const position = termAt[kind * size + mask];
      if (position >= 0 && termSigns[position] === sign) {
        continue;
      }
      const reduced = 1 - sign * price[mask];
      const ratio = (reduced > 0 ? reduced : 0) / magnitude;
      if (ratio <= limit) {
        best = magnitude;
        out.id = kind * size + mask;
        out.sign = sign;
        out.ratio = ratio;
      }
    }
  }
}

/** One growable list of basic terms or tight rows with its reverse index. */
class IndexedList {
  ids: Int32Array;
  signs: Int8Array;
  length = 0;
  readonly at: Int32Array;

  constructor(universe: number) {
    this.ids = new Int32Array(16);
    this.signs = new Int8Array(16);
    this.at = new Int32Array(universe).fill(-1);
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
  }

  replace(position: number, id: number, sign: number): void {
    this.at[this.ids[position]] = -1;
    this.ids[position] = id;
    this.signs[position] = sign;
    this.at[id] = position;
  }

  /** Removes the entry at `position`, moving the last entry into it. */
  remove(position: number): void {
    this.at[this.ids[position]] = -1;
    const last = --this.length;
    if (position !== last) {
      this.ids[position] = this.ids[last];
      this.signs[position] = this.signs[last];
      this.at[this.ids[position]] = position;
    }
  }
}

export function dualSimplex(v: Float64Array, kappa: number, maxPivots: number): DualSimplexResult {
  const size = v.length;
  const full = size - 1;
  // term id = kind * size + mask (kind 0: AND, 1: OR); id 0 is the constant
  const terms = new IndexedList(2 * size);
  const tight = new IndexedList(size);
  const inverse = new BasisInverse();

  const coefficient = (id: number, row: number): number => {
    const mask = id & full;
    return id >= size ? ((mask & row) !== 0 ? 1 : 0) : (mask & row) === mask ? 1 : 0;
  };
  const entry = (i: number, j: number): number =>
    terms.signs[j] * coefficient(terms.ids[j], tight.ids[i]);

  // Primal: term values base - kappa * slope; fits likewise (fit = A x for all rows), so
  // delta(T) = v(T) - baseFit(T) + kappa * slopeFit(T).
  let base: Float64Array = new Float64Array(16);
  let slope: Float64Array = new Float64Array(16);
  const baseFit = new Float64Array(size);
  const slopeFit = new Float64Array(size);
  // Dual: y on the tight rows, and the prices A^T y of every AND and OR column.
  const y = new Float64Array(size);
  const andPrice = new Float64Array(size);
  const orPrice = new Float64Array(size);
  // Pivot row and its products with every column; the entering edge's fit change.
  const rho = new Float64Array(size);
  const andAlpha = new Float64Array(size);
  const orAlpha = new Float64Array(size);
  const edgeAnd = new Float64Array(size);
  const edgeOr = new Float64Array(size);
  let work: Float64Array = new Float64Array(16);
  let work2: Float64Array = new Float64Array(16);
  let edge: Float64Array = new Float64Array(16);

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
    fitInto(edgeAnd, edgeOr, out);
  };

  const refresh = (): boolean => {
    const k = terms.length;
    if (!inverse.factor(k, entry, PIVOT_TOLERANCE * 1e-3)) {
      return false;
    }
    for (let i = 0; i < k; i++) {
      work[i] = v[tight.ids[i]];
    }
    inverse.solve(work, base);
    for (let i = 0; i < k; i++) {
      work[i] = tight.signs[i];
    }
    inverse.solve(work, slope);
    fitOf(base, baseFit);
    fitOf(slope, slopeFit);
    for (let j = 0; j < k; j++) {
      work[j] = j === 0 ? 0 : 1;
    }
    inverse.solveTransposed(work, work2);
    y.fill(0);
    for (let i = 0; i < k; i++) {
      y[tight.ids[i]] = work2[i];
    }
    andPrice.set(y);
    supersetSumInPlace(andPrice);
    orPrice.set(y);
    meetSumsInPlace(orPrice);
    return true;
  };

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
  terms.push(0, 1);
  tight.push(top, 1);
  refresh();
  let current = Math.max(0.5 * (max - min), kappa);
  const breakpoint: Breakpoint = { kappa: 0, row: -1, direction: 0 };
  const entering: Entering = { id: -1, sign: 0, ratio: Infinity };
  let pivots = 0;
  let sinceRefresh = 0;

  while (pivots < maxPivots) {
    const k = terms.length;
    let drift = 0;
    for (let i = 0; i < k; i++) {
      const row = tight.ids[i];
      drift = Math.max(
        drift,
        Math.abs(v[row] - baseFit[row]),
        Math.abs(slopeFit[row] - tight.signs[i])
      );
    }
    if (drift > DRIFT_LIMIT || sinceRefresh >= Math.max(REFRESH_EVERY, k)) {
      if (!refresh()) {
        break;
      }
      sinceRefresh = 0;
    }

    // The next breakpoint below `current`: delta(kappa) = r + kappa q leaves [-kappa, kappa]
    // at r / (1 - q) (upwards) or -r / (1 + q); a part base - kappa slope turns negative
    // at base / slope.
    rowBreakpoint(v, baseFit, slopeFit, tight.at, kappa, current, breakpoint);
    let next = breakpoint.kappa;
    let leavingRow = breakpoint.row;
    let direction = breakpoint.direction;
    let leavingTerm = -1;
    for (let j = 1; j < k; j++) {
      if (slope[j] < -SLOPE_TOLERANCE && base[j] < next * slope[j]) {
        next = Math.min(base[j] / slope[j], current);
        leavingRow = -1;
        leavingTerm = j;
        direction = -1;
      }
    }
    if (leavingRow < 0 && leavingTerm < 0) {
      current = kappa;
      break;
    }
    current = next;
    pivots++;
    sinceRefresh++;

    // Pivot row rho = B^-T e_leaving over the rows; direction: +1 if the leaving variable
    // leaves at its upper bound.
    rho.fill(0);
    if (leavingRow >= 0) {
      for (let j = 0; j < k; j++) {
        work[j] = terms.signs[j] * coefficient(terms.ids[j], leavingRow);
      }
      inverse.solveTransposed(work, work2);
      for (let i = 0; i < k; i++) {
        rho[tight.ids[i]] = -work2[i];
      }
      rho[leavingRow] = 1;
    } else {
      inverse.row(leavingTerm, work2);
      for (let i = 0; i < k; i++) {
        rho[tight.ids[i]] = work2[i];
      }
    }
    andAlpha.set(rho);
    supersetSumInPlace(andAlpha);
    orAlpha.set(rho);
    meetSumsInPlace(orAlpha);

    // Ratio test over the term parts (Harris: among the ratios within the tolerance-
    // relaxed minimum, the largest pivot), then over the tight rows' boxed noise.
    termRatioTest(andAlpha, orAlpha, andPrice, orPrice, direction, terms.at, terms.signs, entering);
    const enteringTerm = entering.id;
    const enteringSign = entering.sign;
    let step = entering.ratio;
    // A tight row's noise at +kappa keeps -y <= 0 and binds when direction * rho < 0; at
    // -kappa it binds when direction * rho > 0. At a breakpoint the leaving variable is
    // only just infeasible, so passing a boxed breakpoint never pays: the first one enters.
    let enteringTight = -1;
    for (let i = 0; i < k; i++) {
      const row = tight.ids[i];
      const a = direction * rho[row];
      if (Math.abs(a) <= PIVOT_TOLERANCE || (a > 0 ? 1 : -1) === tight.signs[i]) {
        continue;
      }
      const ratio = Math.max(tight.signs[i] * y[row], 0) / Math.abs(a);
      if (ratio < step || (ratio === step && enteringTight < 0 && enteringTerm < 0)) {
        step = ratio;
        enteringTight = i;
      }
    }
    if (enteringTight < 0 && enteringTerm < 0) {
      break;
    }

    // Dual step: y += step * direction * rho, and the prices follow.
    const dualStep = step * direction;
    addScaled(y, rho, dualStep);
    addScaled(andPrice, andAlpha, dualStep);
    addScaled(orPrice, orAlpha, dualStep);

    // Primal edge: the entering variable moves by one unit, the basic terms by -K^-1 of its
    // column on the tight rows (for entering noise at tight row t: K^-1 e_t).
    if (enteringTight < 0) {
      for (let i = 0; i < k; i++) {
        work[i] = enteringSign * coefficient(enteringTerm, tight.ids[i]);
      }
      inverse.solve(work, work2);
      for (let j = 0; j < k; j++) {
        edge[j] = -work2[j];
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
      baseStep = (v[leavingRow] - baseFit[leavingRow]) / rho[leavingRow];
      slopeStep = (direction - slopeFit[leavingRow]) / rho[leavingRow];
    } else {
      baseStep = -base[leavingTerm] / edge[leavingTerm];
      slopeStep = -slope[leavingTerm] / edge[leavingTerm];
    }
    addScaled(baseFit, rho, baseStep);
    addScaled(slopeFit, rho, slopeStep);
    for (let j = 0; j < k; j++) {
      base[j] += baseStep * edge[j];
      slope[j] += slopeStep * edge[j];
    }

    reserve(k + 1);
    if (leavingRow >= 0 && enteringTight < 0) {
      // K grows: the leaving row becomes tight, the entering term basic.
      for (let j = 0; j < k; j++) {
        work[j] = terms.signs[j] * coefficient(terms.ids[j], leavingRow);
      }
      for (let i = 0; i < k; i++) {
        work2[i] = enteringSign * coefficient(enteringTerm, tight.ids[i]);
      }
      const corner = enteringSign * coefficient(enteringTerm, leavingRow);
      if (!inverse.grow(work2, work, corner, PIVOT_TOLERANCE * 1e-3)) {
        break;
      }
      terms.push(enteringTerm, enteringSign);
      tight.push(leavingRow, direction);
      base[k] = baseStep;
      slope[k] = slopeStep;
    } else if (leavingRow >= 0) {
      // The leaving row replaces the entering tight row (u = b^T K^-1 is -rho there, and
      // rho was overwritten, so recompute it).
      for (let j = 0; j < k; j++) {
        work[j] = terms.signs[j] * coefficient(terms.ids[j], leavingRow);
      }
      inverse.solveTransposed(work, work2);
      inverse.replaceRow(enteringTight, work2);
      tight.replace(enteringTight, leavingRow, direction);
    } else if (enteringTight < 0) {
      // The entering term replaces the leaving one.
      for (let i = 0; i < k; i++) {
        work[i] = enteringSign * coefficient(enteringTerm, tight.ids[i]);
      }
      inverse.solve(work, work2);
      inverse.replaceColumn(leavingTerm, work2);
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

  const and = new Float64Array(size);
  const or = new Float64Array(size);
  for (let j = 0; j < terms.length; j++) {
    const id = terms.ids[j];
    (id >= size ? or : and)[id & full] += terms.signs[j] * (base[j] - current * slope[j]);
  }
  return { and, or, y, kappa: current, pivots, basisSize: terms.length };
}
