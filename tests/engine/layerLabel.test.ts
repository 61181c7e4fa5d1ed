import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { layerLabel } from '../../src/engine/layerLabel';
import { TfjsRunner } from '../../src/engine/tfjsRunner';

it('labels a layer by its path and its type, unless the name already says the type', () => {
  // PyTorch: Sequential indices and module paths say nothing of the type
  assert.equal(layerLabel('1', 'ReLU'), '1 (ReLU)');
  assert.equal(layerLabel('net.1', 'ReLU'), 'net.1 (ReLU)');
  assert.equal(
    layerLabel('encoder.layers.0', 'TransformerEncoderLayer'),
    'encoder.layers.0 (TransformerEncoderLayer)'
  );
  // the output of forward() itself: the model's class
  assert.equal(layerLabel('output', 'Net'), 'output (Net)');
  // Keras' own names carry the type, in any case and with underscores
  assert.equal(layerLabel('dense_1', 'Dense'), 'dense_1');
  assert.equal(layerLabel('conv2d', 'Conv2D'), 'conv2d');
  assert.equal(layerLabel('max_pooling2d_1', 'MaxPooling2D'), 'max_pooling2d_1');
  // a Keras layer the user named
  assert.equal(layerLabel('logits', 'Dense'), 'logits (Dense)');
  // no type known (an ONNX file without layerwise metadata)
  assert.equal(layerLabel('hidden'), 'hidden');
});

it("the TF.js runner reports each layer's class", () => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu', name: 'dense_1' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'logits' }));
  const runner = new TfjsRunner(model);
  try {
    assert.deepEqual(
      runner.layers.map(l => [l.name, l.className]),
      [
        ['dense_1', 'Dense'],
        ['logits', 'Dense']
      ]
    );
  } finally {
    runner.dispose();
  }
});
