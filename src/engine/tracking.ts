/**
 * Per-interaction tracking (method.md 5): every subset salient at some layer in some sample,
 * with its normalised, sample-averaged signed strength at every layer.
 */
import type { InteractionKind, TrackedInteraction } from '../protocol/result';
import { popcount } from './subsets';

export interface TrackingInput {
  kind: InteractionKind;
  /** sums[l][mask]: sum over samples of the raw interaction at layer l (dense, 2^n). */
  sums: Float64Array[];
  sampleCount: number;
  /** Divisor of each layer's strengths (c_l, or 1 where c_l is 0). */
  divisors: number[];
  /** salientAnywhere[l][mask]: 1 where the subset is salient at layer l in some sample. */
  salientAnywhere: Uint8Array[];
  /**
   * agreementSums[l][mask]: over the samples where it is salient at layer l (and alternatives
   * were solved), the sum of the share of optima that have it salient; agreementCounts: how
   * many samples that sum holds.
   */
  agreementSums: Float64Array[];
  agreementCounts: Uint32Array[];
}

export function trackInteractions(input: TrackingInput): TrackedInteraction[] {
  const { sums, salientAnywhere, agreementSums, agreementCounts, divisors, kind } = input;
  const size = sums[0]?.length ?? 0;
  const samples = Math.max(1, input.sampleCount);
  const tracked: TrackedInteraction[] = [];
  for (let mask = 1; mask < size; mask++) {
    const salientIn: number[] = [];
    salientAnywhere.forEach((flags, l) => {
      if (flags[mask]) {
        salientIn.push(l);
      }
    });
    if (salientIn.length === 0) {
      continue;
    }
    tracked.push({
      kind,
      mask,
      order: popcount(mask),
      strength: sums.map((layer, l) => layer[mask] / samples / divisors[l]),
      salientIn,
      agreement: agreementSums.map((layer, l) =>
        agreementCounts[l][mask] > 0 ? layer[mask] / agreementCounts[l][mask] : null
      )
    });
  }
  const peak = (t: TrackedInteraction) => Math.max(...t.strength.map(Math.abs));
  return tracked.sort((a, b) => peak(b) - peak(a) || a.mask - b.mask);
}
