/**
 * The features a probe reads from a layer's output (method.md 2): the flattened output, or
 * for a sequence output [tokens, dim] the token the model's own head reads, or their mean.
 */
import type { AnalysisOptions } from '../protocol/options';

export type FeatureMode = AnalysisOptions['features'];

/** Pooling only applies to sequence outputs: one sample's shape is [tokens, dim]. */
export function isSequence(outputShape: number[]): boolean {
  return outputShape.length === 2 && outputShape[1] > 0;
}

/** Features per sample after pooling, given the flat size of one sample's output. */
export function pooledSize(flatSize: number, outputShape: number[], mode: FeatureMode): number {
  return mode !== 'flatten' && isSequence(outputShape) ? outputShape[1] : flatSize;
}

/** [batch, flatSize] -> [batch, pooledSize]; returns the input itself for 'flatten'. */
export function poolFeatures(
  flat: Float32Array,
  batch: number,
  outputShape: number[],
  mode: FeatureMode
): Float32Array {
  if (mode === 'flatten' || !isSequence(outputShape) || batch === 0) {
    return flat;
  }
  const flatSize = flat.length / batch;
  const dim = outputShape[1];
  const tokens = flatSize / dim;
  const out = new Float32Array(batch * dim);
  for (let s = 0; s < batch; s++) {
    const row = s * flatSize;
    if (mode === 'mean') {
      for (let t = 0; t < tokens; t++) {
        for (let d = 0; d < dim; d++) {
          out[s * dim + d] += flat[row + t * dim + d] / tokens;
        }
      }
    } else {
      const token = mode === 'first-token' ? 0 : tokens - 1;
      out.set(flat.subarray(row + token * dim, row + (token + 1) * dim), s * dim);
    }
  }
  return out;
}
