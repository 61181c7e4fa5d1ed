/**
 * What the engine needs of a model: run a batch of flat inputs and return the outputs of the
 * tapped layers and the network's logits. The TF.js and ONNX Runtime runners implement it;
 * everything after the forward passes (probes, solver, metrics) is shared.
 */

export interface LayerDescriptor {
  name: string;
  /** Position in the model's layer list (forward order). */
  index: number;
  /** Layers with weights (dense, conv, ...) are the default choice for analysis. */
  hasWeights: boolean;
  /** Output shape of one sample, without the batch dimension. */
  outputShape: number[];
  /** The layer's type (Keras class, PyTorch module class), where the model says it. */
  className?: string;
}

export interface ForwardOutputs {
  /** One array per requested layer, [batch, featureSize] row-major, float32. */
  features: Float32Array[];
  /** [batch, classes] pre-softmax logits (or one column for a sigmoid output). */
  logits: Float32Array;
}

export interface ModelRunner {
  readonly runner: 'tfjs' | 'onnx';
  /** The execution backend, recorded in every result (e.g. tensorflow, wasm, cpu). */
  readonly backend: string;
  /** Shape of one input sample, without the batch dimension. */
  readonly inputShape: number[];
  readonly classes: number;
  readonly layers: LayerDescriptor[];
  /** What the user should know about how the model runs, e.g. an export's tracing caveats. */
  readonly warnings: readonly string[];
  /** inputs: [batch, prod(inputShape)] row-major. */
  run(inputs: Float32Array, batch: number, layerNames: string[]): Promise<ForwardOutputs>;
  dispose(): void;
}
