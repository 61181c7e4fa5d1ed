/**
 * Result keys: a TF.js model's key keeps the form it had before ONNX models existed, the result
 * schema is part of every key (an old result is never served to a newer panel), and an ONNX
 * model's key depends on its upload, not on its display name.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { CreateJobRequest, type CreateJobRequestInput } from '../../src/protocol/api';
import { canonicalJson } from '../../src/backend/canonicalJson';
import { resultKey } from '../../src/backend/server/resultKey';
import { SCHEMA_VERSION } from '../../src/protocol/result';

const id = (digit: string) => digit.repeat(64);

const base = {
  samples: id('3'),
  sampleLabels: id('4'),
  options: { variables: [[0], [1], [2]] }
};

const key = (input: CreateJobRequestInput) => resultKey(CreateJobRequest.parse(input), '1.2.3');

it("keys TF.js models as before ONNX models existed, with or without 'format'", () => {
  const request = CreateJobRequest.parse({
    ...base,
    model: { modelJson: id('1'), weights: id('2'), source: 'net' }
  });
  assert.equal(request.model.format, 'tfjs-layers');
  const before = createHash('sha256')
    .update(
      canonicalJson({
        tool: '1.2.3',
        schema: SCHEMA_VERSION,
        model: { format: 'tfjs-layers', modelJson: id('1'), weights: id('2') },
        samples: id('3'),
        sampleLabels: id('4'),
        training: null,
        options: request.options
      })
    )
    .digest('hex');
  assert.equal(resultKey(request, '1.2.3'), before);
  assert.equal(
    key({ ...base, model: { format: 'tfjs-layers', modelJson: id('1'), weights: id('2') } }),
    before
  );
});

it('keys ONNX models by their upload', () => {
  const onnx = (upload: string, source?: string) =>
    key({ ...base, model: { format: 'onnx', onnx: upload, source } });
  assert.equal(onnx(id('1'), 'a.onnx'), onnx(id('1'), 'b.onnx'), 'the name is not part of it');
  assert.notEqual(onnx(id('1')), onnx(id('5')));
  assert.notEqual(onnx(id('1')), key({ ...base, model: { modelJson: id('1'), weights: id('1') } }));
});

it('keys the same analysis anew under another result schema, so no old result is served', () => {
  const request = CreateJobRequest.parse({
    ...base,
    model: { modelJson: id('1'), weights: id('2') }
  });
  assert.notEqual(
    resultKey(request, '1.2.3', SCHEMA_VERSION),
    resultKey(request, '1.2.3', SCHEMA_VERSION - 1)
  );
  assert.equal(resultKey(request, '1.2.3'), resultKey(request, '1.2.3', SCHEMA_VERSION));
});
