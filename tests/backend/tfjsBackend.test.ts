import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/backend/cli/errors';
import {
  nativeBindingPath,
  resolvePreference,
  selectBackend,
  type BackendKind
} from '../../src/backend/tfjsBackend';

const nativeBuilt = (() => {
  const binding = nativeBindingPath('tensorflow');
  return binding !== null && existsSync(binding);
})();
const NOT_BUILT =
  'the tfjs-node binding is not built here (scripts/build-tfjs-native.sh); native backend skipped';

function nativeModulesLoaded(): string[] {
  return Object.keys(require.cache).filter(path => /tfjs-node|tfjs_binding/.test(path));
}

/** conv -> dense -> logits with seeded weights, so every backend gets the same network. */
function smallModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 2],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 2 })
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 8,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 })
      }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })
    ]
  });
}

function forward(model: tf.LayersModel, inputs: Float32Array, batch: number): Float32Array {
  return tf.tidy(() => {
    const output = model.predict(tf.tensor4d(inputs, [batch, 6, 6, 2]), { batchSize: batch });
    return (output as tf.Tensor).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);
}

describe('resolvePreference', () => {
  it('takes an explicit preference over LAYERWISE_BACKEND, and the variable over auto', () => {
    assert.equal(resolvePreference('wasm', { LAYERWISE_BACKEND: 'cpu' }), 'wasm');
    assert.equal(resolvePreference('auto', { LAYERWISE_BACKEND: 'cpu' }), 'cpu');
    assert.equal(resolvePreference(undefined, { LAYERWISE_BACKEND: ' tensorflow ' }), 'tensorflow');
    assert.equal(resolvePreference(undefined, {}), 'auto');
  });

  it('rejects unknown names with a usage error that lists the choices', () => {
    assert.throws(
      () => resolvePreference(undefined, { LAYERWISE_BACKEND: 'gpu' }),
      (error: Error) =>
        error instanceof UserError &&
        error.exitCode === 2 &&
        /'gpu' \(from LAYERWISE_BACKEND\).*auto, tensorflow-gpu, tensorflow, wasm, cpu/.test(
          error.message
        )
    );
    assert.throws(() => resolvePreference('webgl', {}), /unknown tfjs backend 'webgl';/);
  });
});

describe('selectBackend', () => {
  it('uses the pure-JS cpu backend when forced, without loading native code', async () => {
    const selected = await selectBackend('cpu', { env: {} });
    assert.equal(selected.backend, 'cpu');
    assert.equal(selected.tfjsName, 'cpu');
    assert.equal(selected.tf.getBackend(), 'cpu');
    assert.deepEqual(selected.notes, []);
    assert.deepEqual(nativeModulesLoaded(), []);
  });

  it('uses wasm when forced through LAYERWISE_BACKEND, without loading native code', async () => {
    const selected = await selectBackend(undefined, { env: { LAYERWISE_BACKEND: 'wasm' } });
    assert.equal(selected.backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(selected.tf.engine() === tf.engine(), 'the engine and the selection share one tfjs');
    assert.deepEqual(nativeModulesLoaded(), []);
  });

  it('passes over tensorflow-gpu with a note when it is not installed or no GPU is visible', async t => {
    const notes: string[] = [];
    const selected = await selectBackend('tensorflow-gpu', {
      env: { CUDA_VISIBLE_DEVICES: '-1' },
      onNote: line => notes.push(line)
    });
    assert.notEqual(selected.backend, 'tensorflow-gpu');
    assert.match(
      notes[0] ?? '',
      /^backend tensorflow-gpu unavailable: @tensorflow\/tfjs-node-gpu (is not installed|: no GPU is visible)$/
    );
    assert.deepEqual(selected.notes, notes);
    const expected: BackendKind = nativeBuilt ? 'tensorflow' : 'wasm';
    if (!nativeBuilt) {
      t.diagnostic(NOT_BUILT);
    }
    assert.equal(selected.backend, expected);
    assert.equal(selected.tf.getBackend(), selected.tfjsName);
  });

  it(
    'uses the native tensorflow backend when its binding is built',
    { skip: !nativeBuilt && NOT_BUILT },
    async () => {
      const selected = await selectBackend('tensorflow', { env: {} });
      assert.equal(selected.backend, 'tensorflow');
      assert.equal(selected.tfjsName, 'tensorflow');
      assert.deepEqual(selected.notes, []);
    }
  );

  it(
    'falls back to wasm with a build hint when the binding is not built',
    { skip: nativeBuilt && 'the binding is built here' },
    async () => {
      const selected = await selectBackend('tensorflow', { env: {} });
      assert.equal(selected.backend, 'wasm');
      assert.match(selected.notes.join('\n'), /run scripts\/build-tfjs-native\.sh/);
    }
  );
});

describe('forward pass of a small conv net, against the cpu backend', () => {
  const batch = 5;
  let model: tf.LayersModel;
  let inputs: Float32Array;
  let reference: Float32Array;

  before(async () => {
    await selectBackend('cpu', { env: {} });
    model = smallModel();
    inputs = tf.tidy(
      () => tf.randomNormal([batch, 6, 6, 2], 0, 1, 'float32', 7).dataSync() as Float32Array
    );
    reference = forward(model, inputs, batch);
  });
  after(() => model.dispose());

  it('has outputs that are not all ~0', () => {
    assert.ok(reference.some(value => Math.abs(value) > 1e-3));
  });

  for (const kind of ['wasm', 'tensorflow'] as const) {
    const skip = kind === 'tensorflow' && !nativeBuilt && NOT_BUILT;
    it(`gives the same outputs (1e-4) on ${kind}`, { skip }, async () => {
      const selected = await selectBackend(kind, { env: {} });
      assert.equal(selected.backend, kind);
      const diff = maxAbsDiff(forward(model, inputs, batch), reference);
      assert.ok(diff <= 1e-4, `${kind} differs from cpu by ${diff}`);
    });
  }
});
