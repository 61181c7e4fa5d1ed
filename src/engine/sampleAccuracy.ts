/**
 * Each probe's accuracy on the analysed samples, unmasked, against their labels. The
 * probe's held-out accuracy is measured on a split of its own training rows, so it is near
 * 1.0 at every layer of a model that fits its training data; the samples the analysis
 * explains (a test split, typically) show whether the probe reads them too.
 */
import { poolFeatures, type FeatureMode } from './featurePooling';
import { forwardInChunks, type Between } from './forwardPasses';
import type { ProbeModel } from './probe';
import type { LayerDescriptor, ModelRunner } from './runner';
import { predictedClass } from './scalarOutput';

/** How many rows of [rows, columns] row-major logits predict their label. */
export function correctCount(
  logits: ArrayLike<number>,
  columns: number,
  labels: ArrayLike<number>
): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    correct += predictedClass(logits, r * columns, columns) === labels[r] ? 1 : 0;
  }
  return correct;
}

/** Per probe (in `probed` order), the share of the samples whose label it predicts. */
export async function sampleAccuracies(
  runner: ModelRunner,
  probed: { descriptor: LayerDescriptor; probe: ProbeModel }[],
  samples: { data: Float32Array; count: number },
  labels: ArrayLike<number>,
  settings: { features: FeatureMode; batchSize: number },
  between: Between
): Promise<number[]> {
  const inputSize = samples.data.length / samples.count;
  const correct = probed.map(() => 0);
  await forwardInChunks(
    runner,
    samples.count,
    settings.batchSize,
    probed.map(l => l.descriptor.name),
    (start, rows) => samples.data.subarray(start * inputSize, (start + rows) * inputSize),
    async (outputs, start, rows) => {
      const chunkLabels = Array.from({ length: rows }, (_, r) => labels[start + r]);
      for (let i = 0; i < probed.length; i++) {
        const { descriptor, probe } = probed[i];
        const features = poolFeatures(
          outputs.features[i],
          rows,
          descriptor.outputShape,
          settings.features
        );
        const logits = await probe.logits(features, rows);
        correct[i] += correctCount(logits, probe.probe.columns, chunkLabels);
      }
    },
    between
  );
  return correct.map(c => c / samples.count);
}
