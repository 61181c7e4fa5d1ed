/**
 * The WASM worker pool runs the same network as the in-process runner: every tapped layer
 * and the logits agree, whatever the batch is cut into.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { saveModelToDir } from '../../src/backend/modelLoader';
import { WasmPoolRunner } from '../../src/backend/wasmPoolRunner';
import { AnalysisInputError } from '../../src/engine/errors';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { uniformGenerator } from '../../src/engine/random';

const INPUTS = 6;

function network(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [INPUTS], name: 'h1' }),
      tf.layers.dense({ units: 5, activation: 'tanh', name: 'h2' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' })
    ]
  });
}

describe('WasmPoolRunner', () => {
  let dir: string;
  let model: tf.LayersModel;
  let modelJson: string;
  let weights: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'layerwise-wasm-pool-'));
    model = network();
    await saveModelToDir(model, dir);
    modelJson = await readFile(join(dir, 'model.json'), 'utf8');
    weights = await readFile(join(dir, 'weights.bin'));
  });

  after(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('matches the in-process runner on every layer, for odd batch sizes', async () => {
    const pool = await WasmPoolRunner.create(modelJson, weights, 'model.json', 2);
    const local = new TfjsRunner(model);
    try {
      assert.equal(pool.backend, 'wasm x2');
      assert.deepEqual(pool.inputShape, [INPUTS]);
      assert.equal(pool.classes, 3);
      assert.deepEqual(
        pool.layers.map(l => l.name),
        local.layers.map(l => l.name)
      );
      const random = uniformGenerator(3);
      for (const batch of [1, 2, 7]) {
        const inputs = Float32Array.from({ length: batch * INPUTS }, () => random() * 2 - 1);
        const want = await local.run(inputs.slice(), batch, ['h1', 'h2']);
        const got = await pool.run(inputs.slice(), batch, ['h1', 'h2']);
        assert.equal(got.features.length, 2);
        [...want.features, want.logits].forEach((expected, k) => {
          const actual = k < 2 ? got.features[k] : got.logits;
          assert.equal(actual.length, expected.length, `batch ${batch}, output ${k}`);
          expected.forEach((x, i) =>
            assert.ok(Math.abs(actual[i] - x) < 1e-5, `${actual[i]} vs ${x}`)
          );
        });
      }
    } finally {
      pool.dispose();
      local.dispose();
    }
    await assert.rejects(pool.run(new Float32Array(INPUTS), 1, ['h1']), /disposed/);
  });

  it('reports a model the threads cannot load, naming it', async () => {
    await assert.rejects(
      WasmPoolRunner.create('{"modelTopology": null}', new Uint8Array(0), 'broken.json', 2),
      (error: Error) => error instanceof AnalysisInputError && /broken\.json/.test(error.message)
    );
  });
});
