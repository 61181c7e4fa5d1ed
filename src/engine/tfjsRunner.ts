/**
 * A ModelRunner over a TF.js LayersModel: one multi-output model taps the requested layers and
 * the pre-activation logits, so every masked input goes through the network once.
 */
import * as tf from '@tensorflow/tfjs';
import { AnalysisInputError } from './errors';
import type { ForwardOutputs, LayerDescriptor, ModelRunner } from './runner';

export interface TfjsRunnerOptions {
  /** Most samples per predict call: bounds the memory of one forward pass. */
  maxBatch?: number;
}

/** Activations whose pre-activation values are the logits (method.md 1). */
const PROBABILITY_ACTIVATIONS = new Set(['softmax', 'sigmoid']);
/** Config keys that only make sense on a model's first layer. */
const INPUT_CONFIG_KEYS = ['batchInputShape', 'inputShape', 'inputDim', 'batchSize'];

type LayerConstructor = new (config: tf.serialization.ConfigDict) => tf.layers.Layer;

/**
 * A model whose outputs are the requested layers' and the logits, each tensor once (a linear
 * output layer is its own logits; tf.model cannot return one tensor twice); `slots[i]` is the
 * output that answers request i, the logits last.
 */
interface TappedModel {
  model: tf.LayersModel;
  slots: number[];
}

function withoutBatch(shape: tf.Shape | tf.Shape[]): number[] {
  const first = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
  return first.slice(1).map(d => (d === null ? -1 : d));
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function singleOutput(layer: tf.layers.Layer): tf.SymbolicTensor {
  try {
    const out = layer.output;
    if (Array.isArray(out)) {
      throw new AnalysisInputError(
        `layer '${layer.name}' has several outputs; it cannot be tapped`
      );
    }
    return out;
  } catch (error) {
    if (error instanceof AnalysisInputError) {
      throw error;
    }
    throw new AnalysisInputError(
      `layer '${layer.name}' is used more than once in the model; it cannot be tapped`
    );
  }
}

function singleInput(layer: tf.layers.Layer): tf.SymbolicTensor {
  const input = layer.input;
  if (Array.isArray(input)) {
    throw new AnalysisInputError(`the output layer '${layer.name}' has several inputs`);
  }
  return input;
}

export class TfjsRunner implements ModelRunner {
  readonly runner = 'tfjs' as const;
  readonly backend: string;
  readonly inputShape: number[];
  readonly classes: number;
  readonly layers: LayerDescriptor[];
  readonly warnings: readonly string[] = [];
  /** How the logits were obtained: the output itself or the output layer's pre-activation. */
  readonly logitsSource: 'output' | 'pre-activation';

  private readonly inputDtype: tf.DataType;
  private readonly logits: tf.SymbolicTensor;
  private readonly linearClone: tf.layers.Layer | null;
  private readonly byName = new Map<string, tf.layers.Layer>();
  private readonly tapped = new Map<string, TappedModel>();
  private readonly maxBatch: number;

  constructor(
    private readonly model: tf.LayersModel,
    options: TfjsRunnerOptions = {}
  ) {
    this.backend = tf.getBackend();
    this.maxBatch = options.maxBatch ?? 1024;
    if (model.inputs.length !== 1) {
      throw new AnalysisInputError(`the model has ${model.inputs.length} inputs; one is supported`);
    }
    this.inputDtype = model.inputs[0].dtype;
    this.inputShape = withoutBatch(model.inputs[0].shape);
    if (this.inputShape.some(d => d < 0)) {
      throw new AnalysisInputError(
        `the model's input shape [${this.inputShape.join(', ')}] has an unknown dimension; export it with a fixed input shape`
      );
    }

    const outputLayer = model.outputs[0].sourceLayer as tf.layers.Layer;
    const candidates = model.layers.filter(
      l => l.getClassName() !== 'InputLayer' && l !== outputLayer
    );
    candidates.push(outputLayer);
    this.layers = candidates.map(layer => {
      this.byName.set(layer.name, layer);
      return {
        name: layer.name,
        index: model.layers.indexOf(layer),
        hasWeights: layer.weights.length > 0,
        outputShape: withoutBatch(layer.outputShape),
        className: layer.getClassName()
      };
    });

    const preActivation = this.preActivationLogits(outputLayer);
    this.logits = preActivation?.logits ?? model.outputs[0];
    this.linearClone = preActivation?.clone ?? null;
    this.logitsSource = preActivation ? 'pre-activation' : 'output';
    const shape = this.logits.shape;
    if (shape.length !== 2 || shape[1] === null) {
      throw new AnalysisInputError(
        `the model's output has shape [${shape.map((d, i) => d ?? (i === 0 ? 'batch' : '?')).join(', ')}]; a classifier's [batch, classes] is needed`
      );
    }
    this.classes = shape[1] === 1 ? 2 : shape[1];
  }

  /**
   * A softmax/sigmoid output layer's logits, recovered exactly: its input for a Softmax layer,
   * else a copy of the layer with a linear activation and the same weights.
   */
  private preActivationLogits(
    layer: tf.layers.Layer
  ): { logits: tf.SymbolicTensor; clone: tf.layers.Layer | null } | null {
    if (layer.getClassName() === 'Softmax') {
      return { logits: singleInput(layer), clone: null };
    }
    const config = layer.getConfig();
    if (typeof config.activation !== 'string' || !PROBABILITY_ACTIVATIONS.has(config.activation)) {
      return null;
    }
    const cloneConfig: tf.serialization.ConfigDict = {
      ...config,
      activation: 'linear',
      name: `${layer.name}__layerwise_logits`
    };
    for (const key of INPUT_CONFIG_KEYS) {
      delete cloneConfig[key];
    }
    const clone = new (layer.constructor as LayerConstructor)(cloneConfig);
    const logits = clone.apply(singleInput(layer)) as tf.SymbolicTensor;
    clone.setWeights(layer.getWeights());
    return { logits, clone };
  }

  private tapModel(layerNames: string[]): TappedModel {
    const key = layerNames.join('\u0000');
    let tapped = this.tapped.get(key);
    if (!tapped) {
      const wanted = layerNames.map(name => {
        const layer = this.byName.get(name);
        if (!layer) {
          throw new AnalysisInputError(
            `unknown layer '${name}'; the model's layers are: ${this.layers.map(l => l.name).join(', ')}`
          );
        }
        return singleOutput(layer);
      });
      wanted.push(this.logits);
      const outputs = [...new Set(wanted)];
      tapped = {
        model: tf.model({ inputs: this.model.inputs, outputs }),
        slots: wanted.map(output => outputs.indexOf(output))
      };
      this.tapped.set(key, tapped);
    }
    return tapped;
  }

  async run(inputs: Float32Array, batch: number, layerNames: string[]): Promise<ForwardOutputs> {
    const size = product(this.inputShape);
    if (inputs.length !== batch * size) {
      throw new AnalysisInputError(
        `expected ${batch} inputs of ${size} values (${batch * size}), got ${inputs.length} values`
      );
    }
    const { model, slots } = this.tapModel(layerNames);
    const results: Float32Array[] = [];
    for (let start = 0; start < batch; start += this.maxBatch) {
      const count = Math.min(this.maxBatch, batch - start);
      const outs = tf.tidy(() => {
        const x = tf.tensor(
          inputs.subarray(start * size, (start + count) * size),
          [count, ...this.inputShape],
          this.inputDtype
        );
        const predicted = model.predict(x, { batchSize: count });
        const ys = Array.isArray(predicted) ? predicted : [predicted];
        return ys.map(y => tf.cast(y, 'float32').reshape([count, -1]));
      });
      try {
        const data = await Promise.all(outs.map(t => t.data<'float32'>()));
        data.forEach((values, i) => {
          if (start === 0) {
            results.push(new Float32Array((values.length / count) * batch));
          }
          results[i].set(values, (values.length / count) * start);
        });
      } finally {
        tf.dispose(outs);
      }
    }
    const features = slots.map(slot => results[slot]);
    const logits = features.pop() as Float32Array;
    return { features, logits };
  }

  dispose(): void {
    this.linearClone?.dispose();
    this.tapped.clear();
  }
}
