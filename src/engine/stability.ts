/**
 * Instability (method.md 6): Gaussian noise in the model's input space is added to the whole
 * sample before masking, K times; each salient (clean) interaction's stability is
 * |mean_eps I(S)| / std_eps I(S), averaged over the salient subsets of each order and then
 * over samples.
 */
import { mixSeed, normalGenerator } from './random';
import { popcount } from './subsets';

/** The noisy copy of a sample for one draw; seeded by (seed, sample, draw). */
export function noisySample(
  sample: Float32Array,
  sigma: number,
  seed: number,
  sampleIndex: number,
  draw: number
): Float32Array {
  const normal = normalGenerator(mixSeed(seed, sampleIndex, draw));
  return Float32Array.from(sample, x => x + sigma * normal());
}

/** One sample's clean salient subsets (one kind, one layer) and their values in each draw. */
export interface NoisyInteractions {
  masks: ArrayLike<number>;
  /** draws[k][j]: the interaction of masks[j] under noise draw k. */
  draws: ArrayLike<number>[];
}

/**
 * Stability per order minOrder..n; null where no sample has a salient subset of that order
 * whose values vary across draws. The spread is the population standard deviation.
 */
export function stabilityByOrder(
  samples: NoisyInteractions[],
  n: number,
  minOrder: number
): { order: number; value: number | null }[] {
  const total = new Float64Array(n + 1);
  const counted = new Float64Array(n + 1);
  for (const sample of samples) {
    const sums = new Float64Array(n + 1);
    const terms = new Float64Array(n + 1);
    const k = sample.draws.length;
    for (let j = 0; j < sample.masks.length; j++) {
      const m = popcount(sample.masks[j]);
      let mean = 0;
      for (const draw of sample.draws) {
        mean += draw[j] / k;
      }
      let variance = 0;
      for (const draw of sample.draws) {
        variance += (draw[j] - mean) ** 2 / k;
      }
      const std = Math.sqrt(variance);
      if (m >= minOrder && std > 0) {
        sums[m] += Math.abs(mean) / std;
        terms[m] += 1;
      }
    }
    for (let m = minOrder; m <= n; m++) {
      if (terms[m] > 0) {
        total[m] += sums[m] / terms[m];
        counted[m] += 1;
      }
    }
  }
  const rows: { order: number; value: number | null }[] = [];
  for (let m = Math.max(1, minOrder); m <= n; m++) {
    rows.push({ order: m, value: counted[m] > 0 ? total[m] / counted[m] : null });
  }
  return rows;
}
