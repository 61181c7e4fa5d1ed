/**
 * `layerwise analyze` on an .onnx model: the exported MLP fixture (tests/fixtures/onnx) runs
 * on ONNX Runtime end to end, and exports that are broken or not ONNX end in a clear message.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpy, toFloat32, writeNpy } from '../../src/backend/npy';
import { AnalysisResult } from '../../src/protocol/result';
import type { AnalysisSpecInput } from '../../src/protocol/spec';
import { assertUserError, runCli } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'onnx');
const INPUTS = 4;
const CLASSES = 3;
const TRAINING = 40;

const dir = mkdtempSync(join(tmpdir(), 'layerwise-analyze-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let logits: Float32Array;

before(async () => {
  for (const name of ['mlp.onnx', 'fixed_batch.onnx', 'mlp_input.npy']) {
    copyFileSync(join(FIXTURES, name), join(dir, name));
  }
  writeFileSync(join(dir, 'garbage.onnx'), '{"modelTopology": {}}');
  logits = toFloat32(await readNpy(join(FIXTURES, 'mlp_logits.npy')));
  let state = 5;
  const training = Float32Array.from({ length: TRAINING * INPUTS }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
  await writeNpy(join(dir, 'train_x.npy'), { shape: [TRAINING, INPUTS], data: training });
  await writeNpy(join(dir, 'train_y.npy'), {
    shape: [TRAINING],
    data: Int32Array.from({ length: TRAINING }, (_, i) => i % CLASSES)
  });
});

function spec(name: string, model: string): string {
  const body: AnalysisSpecInput = {
    model,
    samples: 'mlp_input.npy',
    maxSamples: 3,
    training: { inputs: 'train_x.npy', labels: 'train_y.npy' },
    variables: [[0], [1], [2], [3]],
    layers: ['1'],
    baseline: { kind: 'zero' },
    options: { probe: { maxEpochs: 20, patience: 5 } }
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

describe('layerwise analyze with an .onnx model', () => {
  it('runs on ONNX Runtime and writes result.json and report.html', async () => {
    const out = join(dir, 'out');
    const run = await runCli([
      'analyze',
      spec('mlp', 'mlp.onnx'),
      '--out',
      out,
      '--backend',
      'cpu'
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      join(out, 'result.json'),
      join(out, 'report.html')
    ]);
    assert.match(run.stderr, /model: onnx on onnxruntime-cpu/);
    assert.match(run.stderr, /\[passes\] 100% \(48\/48\)/, '2^4 masked passes for 3 samples');
    assert.match(run.stderr, /on onnxruntime-cpu/);

    const result = AnalysisResult.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind]),
      [
        ['1', 'probe'],
        ['2', 'output']
      ]
    );
    assert.equal(result.runtime.runner, 'onnx');
    assert.equal(result.runtime.backend, 'onnxruntime-cpu');
    assert.equal(result.model.source, join(dir, 'mlp.onnx'));
    assert.equal(result.samples.length, 3);
    // Without labels the target is the predicted class: the argmax of PyTorch's logits.
    result.samples.forEach((sample, s) => {
      const z = Array.from(logits.subarray(CLASSES * s, CLASSES * (s + 1)));
      assert.equal(sample.target, z.indexOf(Math.max(...z)), `target of sample ${s}`);
    });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /onnxruntime-cpu/);
  });

  it('refuses a file that is not an ONNX model, and an export that cannot run', async () => {
    const out = join(dir, 'bad');
    assertUserError(
      await runCli(['analyze', spec('garbage', 'garbage.onnx'), '--out', out, '--backend', 'cpu']),
      /garbage\.onnx: not an ONNX model/
    );
    assertUserError(
      await runCli([
        'analyze',
        spec('fixed', 'fixed_batch.onnx'),
        '--out',
        out,
        '--backend',
        'cpu'
      ]),
      /fixed_batch\.onnx: .*batch of 3/
    );
    assertUserError(
      await runCli(['analyze', spec('absent', 'absent.onnx'), '--out', out, '--backend', 'cpu']),
      /absent\.onnx: no such file/
    );
  });
});
