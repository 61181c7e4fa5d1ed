/**
 * Cross-model generalisation (method.md 6): for two models on the same task and variables,
 * IoU = |A^m & B^m| / |A^m | B^m| of their salient sets per order m, averaged over samples,
 * skipping samples where the union is empty.
 */
import { AnalysisInputError } from './errors';
import { popcount } from './subsets';

/** IoU per order from salient masks: a[s], b[s] are sample s's salient subsets. */
export function iouByOrder(
  a: number[][],
  b: number[][],
  n: number,
  minOrder: number
): { order: number; iou: number | null; samples: number }[] {
  if (a.length !== b.length) {
    throw new AnalysisInputError(`the two results have ${a.length} and ${b.length} samples`);
  }
  const total = new Float64Array(n + 1);
  const counted = new Float64Array(n + 1);
  for (let s = 0; s < a.length; s++) {
    const inA = new Set(a[s]);
    const inB = new Set(b[s]);
    const union = new Float64Array(n + 1);
    const both = new Float64Array(n + 1);
    for (const mask of new Set([...inA, ...inB])) {
      const m = popcount(mask);
      union[m] += 1;
      both[m] += inA.has(mask) && inB.has(mask) ? 1 : 0;
    }
    for (let m = 1; m <= n; m++) {
      if (union[m] > 0) {
        total[m] += both[m] / union[m];
        counted[m] += 1;
      }
    }
  }
  const rows = [];
  for (let m = Math.max(1, minOrder); m <= n; m++) {
    rows.push({
      order: m,
      iou: counted[m] > 0 ? total[m] / counted[m] : null,
      samples: counted[m]
    });
  }
  return rows;
}
