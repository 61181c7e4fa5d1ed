/**
 * Emergence and forgetting between two layers (method.md 5), per order, AND and OR
 * separately, per sample then averaged over samples. Strengths are normalised by c_l.
 *
 * A comparison has an earlier layer and a later one. Against the final layer (the paper's),
 * the earlier is the analysed layer l and the later the final layer L. Against the previous
 * analysed layer, the earlier is the previous layer and the later is l, so the names keep
 * their meaning: `forget` is what the earlier layer holds and the later has lost, `new` is
 * what the later layer holds and the earlier lacked.
 */
import type { AnalysisOptions } from '../protocol/options';
import type { OrderMetrics } from '../protocol/result';
import { popcount } from './subsets';

export type MetricsForm = AnalysisOptions['metricsForm'];

/** One sample's interactions (one kind) at both layers, on a common list of subsets. */
export interface ComparedSample {
  /** Every subset salient at either layer must be listed; others may be. */
  masks: ArrayLike<number>;
  /** Normalised values at the earlier layer; null: no earlier layer (nothing salient). */
  earlier: ArrayLike<number> | null;
  later: ArrayLike<number> | null;
  earlierSalient: ArrayLike<boolean> | null;
  laterSalient: ArrayLike<boolean> | null;
}

/** 0 for opposite signs, else sign * min(|a|, |b|). */
export function sharedStrength(a: number, b: number): number {
  if (a === 0 || b === 0 || a > 0 !== b > 0) {
    return 0;
  }
  return Math.sign(a) * Math.min(Math.abs(a), Math.abs(b));
}

/**
 * OrderMetrics for orders minOrder..n. `salientCount` counts the salient subsets of the
 * layer the row describes (`countOf`): the earlier layer against the final layer, the later
 * one against the previous layer.
 */
export function compareLayers(
  samples: ComparedSample[],
  n: number,
  minOrder: number,
  form: MetricsForm,
  countOf: 'earlier' | 'later'
): OrderMetrics[] {
  const all = new Float64Array(n + 1);
  const allReference = new Float64Array(n + 1);
  const overlap = new Float64Array(n + 1);
  const forgetLiteral = new Float64Array(n + 1);
  const newLiteral = new Float64Array(n + 1);
  const count = new Float64Array(n + 1);
  for (const sample of samples) {
    for (let k = 0; k < sample.masks.length; k++) {
      const mask = sample.masks[k];
      const m = popcount(mask);
      if (mask === 0 || m < minOrder) {
        continue;
      }
      const a = sample.earlier ? sample.earlier[k] : 0;
      const b = sample.later ? sample.later[k] : 0;
      const inEarlier = sample.earlierSalient ? sample.earlierSalient[k] : false;
      const inLater = sample.laterSalient ? sample.laterSalient[k] : false;
      const shared = sharedStrength(a, b);
      if (inEarlier) {
        all[m] += Math.abs(a);
        forgetLiteral[m] += Math.abs(a - shared);
      }
      if (inLater) {
        allReference[m] += Math.abs(b);
        newLiteral[m] += Math.abs(b - shared);
      }
      if (inEarlier && inLater) {
        overlap[m] += Math.abs(shared);
      }
      if (countOf === 'earlier' ? inEarlier : inLater) {
        count[m] += 1;
      }
    }
  }
  const samplesCount = Math.max(1, samples.length);
  const rows: OrderMetrics[] = [];
  for (let m = Math.max(1, minOrder); m <= n; m++) {
    const overlapM = overlap[m] / samplesCount;
    // exact: forget = all - overlap, new = all_ref - overlap, and all, all_ref re-summed from
    // them so the identities hold bit for bit in floating point (a change below one ulp);
    // literal: the paper's printed sums of |I - shared| over each salient set.
    const forget =
      form === 'exact' ? all[m] / samplesCount - overlapM : forgetLiteral[m] / samplesCount;
    const fresh =
      form === 'exact' ? allReference[m] / samplesCount - overlapM : newLiteral[m] / samplesCount;
    const allM = form === 'exact' ? overlapM + forget : all[m] / samplesCount;
    const referenceM = form === 'exact' ? overlapM + fresh : allReference[m] / samplesCount;
    rows.push({
      order: m,
      all: allM,
      allReference: referenceM,
      overlap: overlapM,
      forget,
      new: fresh,
      completeness: referenceM > 0 ? overlapM / referenceM : null,
      redundancy: allM > 0 ? forget / allM : null,
      salientCount: count[m] / samplesCount,
      spread: null
    });
  }
  return rows;
}
