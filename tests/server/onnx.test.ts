/**
 * ONNX models through the backend: an .onnx upload checked on arrival, a job on the exported
 * MLP fixture (tests/fixtures/onnx) run on ONNX Runtime, and exports that cannot run failing
 * their job with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpy, toFloat32 } from '../../src/backend/npy';
import { AnalysisResult, ErrorBody, UploadInfo, apiRoutes } from '../../src/protocol/api';
import { Client, floats, startBackend, type Backend } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'onnx');
const INPUTS = 4;
const CLASSES = 3;
const TRAINING = 40;

let backend: Backend;
let client: Client;
let dataDir: string;
let samples: Float32Array;
let logits: Float32Array;
let arrays: { samples: string; labels: string; trainingInputs: string; trainingLabels: string };

const fixture = (name: string) => readFile(path.join(FIXTURES, name));

function post(route: string, body: Uint8Array): Promise<Response> {
  return client.request(route, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/octet-stream' }
  });
}

async function expectError(response: Response, status: number, code: string, fragment: RegExp) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const body = ErrorBody.parse(JSON.parse(text));
  assert.equal(body.error.code, code);
  assert.match(body.error.message, fragment);
  assert.doesNotMatch(text, /\n\s+at |\.ts:\d+/);
}

/** The fixture's target classes: the argmax of PyTorch's own logits. */
function argmaxRows(values: Float32Array, columns: number): number[] {
  return Array.from({ length: values.length / columns }, (_, row) => {
    const z = Array.from(values.subarray(row * columns, (row + 1) * columns));
    return z.indexOf(Math.max(...z));
  });
}

function onnxJob(onnx: string, source: string, options: Record<string, unknown> = {}) {
  return {
    name: source,
    model: { format: 'onnx', onnx, source },
    samples: arrays.samples,
    sampleLabels: arrays.labels,
    training: { inputs: arrays.trainingInputs, labels: arrays.trainingLabels },
    options: {
      variables: [[0], [1], [2], [3]],
      layers: ['0', '1'],
      probe: { maxEpochs: 20, patience: 5 },
      ...options
    }
  };
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-onnx-'));
  backend = await startBackend(['--data-dir', dataDir]);
  client = new Client(backend.url, backend.token);
  samples = toFloat32(await readNpy(path.join(FIXTURES, 'mlp_input.npy')));
  logits = toFloat32(await readNpy(path.join(FIXTURES, 'mlp_logits.npy')));
  const count = samples.length / INPUTS;
  arrays = {
    samples: await client.uploadArray('float32', [count, INPUTS], samples),
    labels: await client.uploadArray(
      'int32',
      [count],
      Int32Array.from(argmaxRows(logits, CLASSES))
    ),
    trainingInputs: await client.uploadArray(
      'float32',
      [TRAINING, INPUTS],
      floats(TRAINING * INPUTS, 11)
    ),
    trainingLabels: await client.uploadArray(
      'int32',
      [TRAINING],
      Int32Array.from({ length: TRAINING }, (_, i) => i % CLASSES)
    )
  };
});

after(async () => {
  await backend.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ONNX uploads', () => {
  it('stores an .onnx file as an onnx upload', async () => {
    const bytes = await fixture('mlp.onnx');
    const info = UploadInfo.parse(
      await client.json(
        apiRoutes.uploadOnnx(),
        {
          method: 'POST',
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' }
        },
        201
      )
    );
    assert.deepEqual([info.kind, info.bytes, info.dtype], ['onnx', bytes.length, null]);
    assert.equal(
      await client.upload(apiRoutes.uploadOnnx(), bytes),
      info.id,
      'same bytes, same id'
    );
    const asWeights = await client.upload(apiRoutes.uploadWeights(), bytes);
    assert.notEqual(asWeights, info.id, 'the kind is part of the id');
  });

  it("answers bytes that are not an ONNX model with 400 'bad-model'", async () => {
    const notOnnx = [
      new TextEncoder().encode('{"modelTopology": {}}'),
      Uint8Array.from([0x0a, 0xff, 0xff, 0x03, 0x01]),
      new Uint8Array(0)
    ];
    for (const body of notOnnx) {
      await expectError(
        await post(apiRoutes.uploadOnnx(), body),
        400,
        'bad-model',
        /not an ONNX model/
      );
    }
  });
});

describe('ONNX jobs', () => {
  it('analyses an exported model on ONNX Runtime', async () => {
    const onnx = await client.upload(apiRoutes.uploadOnnx(), await fixture('mlp.onnx'));
    const request = onnxJob(onnx, 'mlp.onnx');
    const job = await client.waitFor((await client.createJob(request)).id, 60_000);
    assert.equal(job.state, 'done', job.error ?? '');
    const result = AnalysisResult.parse(await client.json(apiRoutes.jobResult(job.id)));
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind]),
      [
        ['0', 'probe'],
        ['1', 'probe'],
        ['2', 'output']
      ]
    );
    assert.equal(result.runtime.runner, 'onnx');
    assert.equal(result.runtime.backend, 'onnxruntime-cpu');
    assert.equal(result.model.source, 'mlp.onnx');
    assert.deepEqual(result.model.inputShape, [INPUTS]);
    assert.equal(result.model.classes, CLASSES);
    // v(x_N) of the output layer is the log-odds of PyTorch's own logits for the target class.
    const output = result.layers.length - 1;
    result.samples.forEach((sample, s) => {
      const z = Array.from(logits.subarray(CLASSES * s, CLASSES * (s + 1)));
      const others = z.filter((_, c) => c !== sample.target);
      const top = Math.max(...others);
      const v =
        z[sample.target] - top - Math.log(others.reduce((sum, x) => sum + Math.exp(x - top), 0));
      assert.ok(
        Math.abs(result.perSample[s][output].vFull - v) < 1e-4,
        `v(x_N) of sample ${s}: ${result.perSample[s][output].vFull} vs ${v}`
      );
    });

    const again = await client.createJob(request);
    assert.equal(again.state, 'done');
    assert.equal(again.cached, true);
    assert.equal(again.resultKey, job.resultKey);
  });

  it('checks that the model upload is an onnx upload', async () => {
    const post = (body: object) =>
      client.request(apiRoutes.jobs(), {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' }
      });
    await expectError(
      await post(onnxJob('e'.repeat(64), 'absent.onnx')),
      400,
      'unknown-upload',
      /model.onnx: no upload/
    );
    await expectError(
      await post(onnxJob(arrays.samples, 'array.onnx')),
      400,
      'wrong-upload',
      /model.onnx: upload \w+ is a array, not a onnx/
    );
    await expectError(
      await post({ ...onnxJob(arrays.samples, 'x'), model: { format: 'keras', onnx: 'x' } }),
      400,
      'invalid-request',
      /format must be 'tfjs-layers' \(the default\) or 'onnx'/
    );
  });

  it('fails the job, naming the problem, when the export cannot run', async () => {
    const cases: [string, RegExp][] = [
      ['fixed_batch.onnx', /fixed_batch\.onnx: .*batch of 3/],
      ['missing_output.onnx', /missing_output\.onnx: the graph has no output 'tap:gone'/]
    ];
    for (const [name, message] of cases) {
      const onnx = await client.upload(apiRoutes.uploadOnnx(), await fixture(name));
      const job = await client.waitFor((await client.createJob(onnxJob(onnx, name))).id);
      assert.equal(job.state, 'failed', `${name}: ${job.state}`);
      assert.match(job.error ?? '', message);
      assert.doesNotMatch(job.error ?? '', /internal error|\n\s+at /);
    }
  });
});
