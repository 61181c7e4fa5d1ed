/**
 * Salient interactions (method.md 4): |I(S)| > tau, S != {}, with
 * tau = tauFactor * max_{S != {}} max(|I_and(S)|, |I_or(S)|), per sample and layer or, as an
 * option, one tau per layer from the maximum over all analysed samples.
 */
import type { SalienceOptions } from '../protocol/options';

/** max over S != {} of max(|and(S)|, |or(S)|). */
export function maxStrength(and: ArrayLike<number>, or: ArrayLike<number>): number {
  let max = 0;
  for (let mask = 1; mask < and.length; mask++) {
    max = Math.max(max, Math.abs(and[mask]), Math.abs(or[mask]));
  }
  return max;
}

/**
 * taus[s][l] from maxima[s][l] (each sample's maxStrength at each layer). Per-layer taus are
 * never below the per-sample ones, so per-sample salient sets contain the per-layer ones.
 */
export function salienceThresholds(maxima: number[][], options: SalienceOptions): number[][] {
  if (options.mode === 'per-sample') {
    return maxima.map(row => row.map(max => options.tauFactor * max));
  }
  const layers = maxima[0]?.length ?? 0;
  const perLayer = Array.from({ length: layers }, (_, l) =>
    maxima.reduce((max, row) => Math.max(max, row[l]), 0)
  );
  return maxima.map(() => perLayer.map(max => options.tauFactor * max));
}

/**
 * The salient subsets of a dense interaction vector, ascending by mask: S != {} with order >=
 * minOrder (OR terms start at order 2) and |I(S)| > tau.
 */
export function salientMasks(
  values: ArrayLike<number>,
  tau: number,
  orders: Uint8Array,
  minOrder: number
): number[] {
  const masks: number[] = [];
  for (let mask = 1; mask < values.length; mask++) {
    if (orders[mask] >= minOrder && Math.abs(values[mask]) > tau) {
      masks.push(mask);
    }
  }
  return masks;
}
