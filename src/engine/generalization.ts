/**
 * Cross-model generalisation (method.md 6): for two models on the same task and variables,
 * IoU = |A^m & B^m| / |A^m | B^m| of their salient sets per order m, averaged over samples,
 * skipping samples where the union is empty.
 */
import type { AnalysisResult, InteractionKind } from '../protocol/result';
import { AnalysisInputError } from './errors';
import { popcount } from './subsets';

export interface OrderIoU {
  kind: InteractionKind;
  order: number;
  /** null where every sample's union is empty. */
  iou: number | null;
  /** Samples that entered the average. */
  samples: number;
}

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

function layerPosition(result: AnalysisResult, layer: string | undefined): number {
  if (layer === undefined) {
    return result.layers.length - 1;
  }
  const position = result.layers.findIndex(l => l.name === layer);
  if (position < 0) {
    throw new AnalysisInputError(
      `layer '${layer}' is not in the result; its layers are: ${result.layers.map(l => l.name).join(', ')}`
    );
  }
  return position;
}

/**
 * Cross-model IoU of two analyses of the same samples and variables, at the given layers
 * (default: each model's final layer), AND and OR separately.
 */
export function crossModelIoU(
  a: AnalysisResult,
  b: AnalysisResult,
  layers: { a?: string; b?: string } = {}
): OrderIoU[] {
  if (a.variables.n !== b.variables.n) {
    throw new AnalysisInputError(
      `the results have ${a.variables.n} and ${b.variables.n} variables`
    );
  }
  if (JSON.stringify(a.options.variables) !== JSON.stringify(b.options.variables)) {
    throw new AnalysisInputError('the results were computed with different input variables');
  }
  const indicesA = a.samples.map(s => s.index).join(',');
  if (indicesA !== b.samples.map(s => s.index).join(',')) {
    throw new AnalysisInputError('the results were computed on different samples');
  }
  const la = layerPosition(a, layers.a);
  const lb = layerPosition(b, layers.b);
  const n = a.variables.n;
  const rows: OrderIoU[] = [];
  for (const kind of ['and', 'or'] as const) {
    const masksA = a.perSample.map(sample => sample[la][kind].map(i => i.mask));
    const masksB = b.perSample.map(sample => sample[lb][kind].map(i => i.mask));
    for (const row of iouByOrder(masksA, masksB, n, kind === 'and' ? 1 : 2)) {
      rows.push({ kind, ...row });
    }
  }
  return rows;
}
