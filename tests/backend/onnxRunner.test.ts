/**
 * The ONNX Runtime runner on the committed fixtures of tests/fixtures/make_onnx_fixtures.py:
 * models exported from PyTorch by the kernel plugin, with PyTorch's own outputs to match.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readNpy, toFloat32 } from '../../src/backend/npy';
import { loadOnnxRunner, OnnxRunner } from '../../src/backend/onnxRunner';
import { readMetadataProps } from '../../src/backend/onnxMetadata';
import { analyze } from '../../src/engine/analyze';
import { AnalysisInputError } from '../../src/engine/errors';
import { AnalysisOptions } from '../../src/protocol/options';
import { AnalysisResult } from '../../src/protocol/result';

const FIXTURES = join(__dirname, '..', 'fixtures', 'onnx');
const fixture = (name: string) => join(FIXTURES, name);
const TOLERANCE = 1e-5;

async function array(name: string): Promise<Float32Array> {
  return toFloat32(await readNpy(fixture(`${name}.npy`)));
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs), 1e-12);
  actual.forEach((x, i) => {
    assert.ok(
      Math.abs(x - expected[i]) <= TOLERANCE * scale,
      `${what}[${i}]: ${x} vs ${expected[i]}`
    );
  });
}

async function rejectsWith(load: Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(load, (error: Error) => {
    assert.ok(error instanceof AnalysisInputError, `not an AnalysisInputError: ${error.message}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `'${fragment}' not in: ${error.message}`);
    }
    return true;
  });
}

describe('OnnxRunner', () => {
  it('describes an exported model from its metadata', async () => {
    const runner = await loadOnnxRunner(fixture('mlp.onnx'));
    try {
      assert.equal(runner.runner, 'onnx');
      assert.equal(runner.backend, 'onnxruntime-cpu');
      assert.deepEqual(runner.inputShape, [4]);
      assert.equal(runner.inputDtype, 'float32');
      assert.equal(runner.classes, 3);
      // the module classes the kernel plugin wrote into the metadata
      assert.deepEqual(
        runner.layers.map(l => [l.name, l.hasWeights, l.outputShape, l.className]),
        [
          ['0', true, [6], 'Linear'],
          ['1', false, [6], 'ReLU'],
          ['2', true, [3], 'Linear']
        ]
      );
    } finally {
      runner.dispose();
    }
  });

  it("matches PyTorch's outputs for every tapped layer, in any chunking", async () => {
    const input = await array('mlp_input');
    const expected = await Promise.all(['mlp_0', 'mlp_1', 'mlp_logits'].map(array));
    for (const maxBatch of [1024, 2]) {
      const runner = await loadOnnxRunner(fixture('mlp.onnx'), { maxBatch });
      try {
        const out = await runner.run(input, 5, ['0', '1']);
        assertClose(out.features[0], expected[0], `layer 0 (maxBatch ${maxBatch})`);
        assertClose(out.features[1], expected[1], `layer 1 (maxBatch ${maxBatch})`);
        assertClose(out.logits, expected[2], `logits (maxBatch ${maxBatch})`);
        const some = await runner.run(input.subarray(16), 1, ['1']);
        assert.equal(some.features.length, 1);
        assertClose(some.features[0], expected[1].subarray(24), 'layer 1 alone');
      } finally {
        runner.dispose();
      }
    }
  });

  it('feeds int64 token ids to a transformer and refuses fractional ids', async () => {
    const runner = await loadOnnxRunner(fixture('text.onnx'));
    try {
      assert.equal(runner.inputDtype, 'int64');
      assert.deepEqual(runner.inputShape, [5]);
      assert.deepEqual(
        runner.layers.map(l => [l.name, l.outputShape]),
        [
          ['embed', [5, 8]],
          ['encoder.layers.0', [5, 8]],
          ['head', [3]]
        ]
      );
      const ids = await array('text_input');
      const out = await runner.run(ids, 4, ['embed', 'encoder.layers.0']);
      assertClose(out.features[0], await array('text_embed'), 'embed');
      assertClose(out.features[1], await array('text_encoder'), 'encoder.layers.0');
      assertClose(out.logits, await array('text_logits'), 'logits');

      const fractional = ids.slice();
      fractional[7] = 2.5;
      await rejectsWith(runner.run(fractional, 4, []), 'integer token ids', 'row 1', '2.5');
    } finally {
      runner.dispose();
    }
  });

  it('takes an ONNX file without layerwise metadata: first output = logits', async () => {
    const bytes = await readFile(fixture('plain.onnx'));
    assert.equal(readMetadataProps(bytes).size, 0);
    const runner = await OnnxRunner.create(bytes, 'plain.onnx');
    try {
      assert.deepEqual(runner.inputShape, [3]);
      assert.equal(runner.classes, 2);
      assert.deepEqual(
        runner.layers.map(l => [l.name, l.outputShape, l.className]),
        [
          ['hidden', [5], undefined],
          ['scores', [2], undefined]
        ]
      );
      const out = await runner.run(await array('plain_input'), 3, ['hidden']);
      assertClose(out.features[0], await array('plain_hidden'), 'hidden');
      assertClose(out.logits, await array('plain_scores'), 'scores');
    } finally {
      runner.dispose();
    }
  });

  it('refuses unknown layers and inputs of the wrong size', async () => {
    const runner = await loadOnnxRunner(fixture('mlp.onnx'));
    try {
      await rejectsWith(
        runner.run(new Float32Array(8), 2, ['fc9']),
        "unknown layer 'fc9'",
        '0, 1, 2'
      );
      await rejectsWith(runner.run(new Float32Array(7), 2, []), 'expected 2 inputs of 4 values');
    } finally {
      runner.dispose();
    }
  });

  it('fails at load, naming the output, when the metadata names a missing output', async () => {
    await rejectsWith(
      loadOnnxRunner(fixture('missing_output.onnx')),
      "no output 'tap:gone'",
      "layer 'gone'"
    );
  });

  it('fails at load when the graph only takes the batch size it was traced with', async () => {
    await rejectsWith(
      loadOnnxRunner(fixture('fixed_batch.onnx')),
      'fixed_batch.onnx',
      'batch of 3'
    );
  });

  it('refuses files that are not ONNX models', async () => {
    await rejectsWith(
      OnnxRunner.create(new TextEncoder().encode('{"modelTopology": {}}'), 'model.json'),
      'model.json'
    );
    const truncated = (await readFile(fixture('mlp.onnx'))).subarray(0, 700);
    await rejectsWith(OnnxRunner.create(truncated, 'cut.onnx'), 'cut.onnx');
    await rejectsWith(loadOnnxRunner(fixture('absent.onnx')), 'no such file');
  });

  it('runs an analysis of the output layer through the engine', async () => {
    await tf.setBackend('cpu');
    const runner = await loadOnnxRunner(fixture('mlp.onnx'));
    try {
      const input = await array('mlp_input');
      const logits = await array('mlp_logits');
      const result = await analyze({
        runner,
        samples: { data: input.slice(0, 8), count: 2 },
        options: AnalysisOptions.parse({
          variables: [[0], [1], [2], [3]],
          baseline: { kind: 'zero' },
          layers: ['2']
        }),
        source: 'mlp.onnx',
        toolVersion: 'test'
      });
      const checked = AnalysisResult.parse(JSON.parse(JSON.stringify(result)));
      assert.equal(checked.runtime.runner, 'onnx');
      // the Sequential index stays the id; the label says what the layer is
      assert.deepEqual(
        checked.layers.map(l => [l.name, l.label]),
        [['2', '2 (Linear)']]
      );
      for (let s = 0; s < 2; s++) {
        const z = Array.from(logits.subarray(3 * s, 3 * s + 3));
        const y = checked.samples[s].target;
        const others = z.filter((_, c) => c !== y);
        const top = Math.max(...others);
        const v = z[y] - top - Math.log(others.reduce((sum, x) => sum + Math.exp(x - top), 0));
        assert.ok(Math.abs(checked.perSample[s][0].vFull - v) < 1e-4, `v(x_N) of sample ${s}`);
      }
    } finally {
      runner.dispose();
    }
  });
});
