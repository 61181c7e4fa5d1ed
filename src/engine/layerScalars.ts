/**
 * v_l(x_S) for every analysed layer and every subset S of one sample (method.md 1, 2): the
 * 2^n masked inputs go through the runner once, chunk by chunk, and each chunk's features
 * become scalars at once (probe log-odds, or the network's own log-odds at the output), so
 * features are never held for all subsets.
 */
import { poolFeatures, type FeatureMode } from './featurePooling';
import { checkFinite, forwardInChunks, type Between } from './forwardPasses';
import type { MaskedSampler } from './masking';
import type { ProbeModel } from './probe';
import type { LayerDescriptor, ModelRunner } from './runner';
import { logOdds } from './scalarOutput';
import { membersOf } from './subsets';

export interface AnalysedLayer {
  descriptor: LayerDescriptor;
  /** null for the output layer, whose scalar is the network's own log-odds. */
  probe: ProbeModel | null;
}

export interface ScalarSettings {
  features: FeatureMode;
  batchSize: number;
}

export class LayerScalars {
  private readonly probed: AnalysedLayer[];
  private readonly names: string[];
  private readonly outputName: string;

  /** `layers`: probe layers in forward order, then the output layer last. */
  constructor(
    private readonly runner: ModelRunner,
    private readonly layers: AnalysedLayer[],
    private readonly settings: ScalarSettings
  ) {
    this.probed = layers.filter(l => l.probe !== null);
    this.names = this.probed.map(l => l.descriptor.name);
    this.outputName = layers[layers.length - 1].descriptor.name;
  }

  /**
   * values[l][mask] for every layer (in `layers` order). `sampleLabel` names the sample in
   * error messages; `onChunk` gets the number of passes done in each chunk.
   */
  async values(
    sampler: MaskedSampler,
    n: number,
    target: number,
    sampleLabel: string,
    between: Between,
    onChunk: (passes: number) => void
  ): Promise<Float64Array[]> {
    const size = 2 ** n;
    const values = this.layers.map(() => new Float64Array(size));
    const where = (start: number) => (row: number) =>
      `${sampleLabel} with variables {${membersOf(start + row).join(', ')}} present`;
    await forwardInChunks(
      this.runner,
      size,
      this.settings.batchSize,
      this.names,
      (start, rows) => sampler.batch(start, rows),
      async (outputs, start, rows) => {
        checkFinite(outputs, rows, this.names, this.outputName, where(start));
        for (let i = 0; i < this.probed.length; i++) {
          const layer = this.probed[i];
          const probe = layer.probe as ProbeModel;
          const features = poolFeatures(
            outputs.features[i],
            rows,
            layer.descriptor.outputShape,
            this.settings.features
          );
          const logits = await probe.logits(features, rows);
          const columns = probe.probe.columns;
          for (let r = 0; r < rows; r++) {
            values[i][start + r] = logOdds(logits, r * columns, columns, target);
          }
        }
        const columns = outputs.logits.length / rows;
        const output = values[values.length - 1];
        for (let r = 0; r < rows; r++) {
          output[start + r] = logOdds(outputs.logits, r * columns, columns, target);
        }
        onChunk(rows);
      },
      between
    );
    return values;
  }
}
