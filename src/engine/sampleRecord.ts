/**
 * What the analysis keeps of one sample once its (sample, layer) problems are solved: the
 * values of every layer's interactions on the subsets salient at some layer under the
 * per-sample tau. Per-layer taus are never smaller, so every later salience decision, metric,
 * tracking entry and stability term can be read from this record; dense 2^n vectors are
 * dropped after each sample.
 */
import type { AndOrSolution } from './andOr';
import type { InteractionKind, SolveReport } from '../protocol/result';
import { maxStrength } from './salience';

/** One kind's interactions on a common list of subsets. */
export interface SparseInteractions {
  /** Ascending subset masks. */
  masks: Int32Array;
  /** values[l][j]: the raw interaction of masks[j] at layer l. */
  values: Float64Array[];
  /** draws[l][k][j]: the same under noise draw k (stability only). */
  draws: Float64Array[][];
}

export interface SampleRecord {
  vFull: number[];
  vEmpty: number[];
  reports: SolveReport[];
  /** max over S != {} of |I_and(S)|, |I_or(S)| at each layer. */
  maxima: number[];
  and: SparseInteractions;
  or: SparseInteractions;
}

/** OR terms start at order 2: order-1 OR terms are merged into AND (method.md 3). */
export const MIN_ORDER: Record<InteractionKind, number> = { and: 1, or: 2 };

function sparse(
  dense: Float64Array[],
  taus: number[],
  orders: Uint8Array,
  minOrder: number
): SparseInteractions {
  const masks: number[] = [];
  for (let mask = 1; mask < orders.length; mask++) {
    if (orders[mask] >= minOrder && dense.some((v, l) => Math.abs(v[mask]) > taus[l])) {
      masks.push(mask);
    }
  }
  return {
    masks: Int32Array.from(masks),
    values: dense.map(v => Float64Array.from(masks, mask => v[mask])),
    draws: dense.map(() => [])
  };
}

/** The record of one sample from its solutions at every layer and its scalars. */
export function recordSample(
  values: Float64Array[],
  solutions: AndOrSolution[],
  tauFactor: number,
  orders: Uint8Array
): SampleRecord {
  const maxima = solutions.map(s => maxStrength(s.and, s.or));
  const taus = maxima.map(max => tauFactor * max);
  return {
    vFull: values.map(v => v[v.length - 1]),
    vEmpty: values.map(v => v[0]),
    reports: solutions.map(s => s.report),
    maxima,
    and: sparse(
      solutions.map(s => s.and),
      taus,
      orders,
      MIN_ORDER.and
    ),
    or: sparse(
      solutions.map(s => s.or),
      taus,
      orders,
      MIN_ORDER.or
    )
  };
}

/** Adds one noise draw's solutions to a record, on the record's subsets. */
export function addDraw(record: SampleRecord, solutions: AndOrSolution[]): void {
  for (const kind of ['and', 'or'] as const) {
    const { masks, draws } = record[kind];
    solutions.forEach((solution, l) => {
      draws[l].push(Float64Array.from(masks, mask => solution[kind][mask]));
    });
  }
}
