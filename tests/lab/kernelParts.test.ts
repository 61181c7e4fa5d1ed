import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Chunk, Exported } from '../../src/protocol/kernelMessages';
import { addChunk, assemble, KernelPluginError, type Parts } from '../../src/lab/kernelParts';

function chunk(part: Chunk['part'], offset: number, totalBytes: number, final: boolean): Chunk {
  return {
    type: 'chunk',
    requestId: 'r',
    part,
    index: 0,
    offset,
    totalBytes,
    final,
    ...(part.startsWith('array:') ? { dtype: 'float32' as const, shape: [2] } : {})
  };
}

function exported(parts: Exported['parts']): Exported {
  return { type: 'exported', requestId: 'r', parts, warnings: ['one-hot labels'] };
}

test('chunks are placed at their offsets, in any order, and parts decoded', () => {
  const parts: Parts = new Map();
  const json = new TextEncoder().encode('{"a":1}');
  addChunk(parts, chunk('model.json', 0, json.length, true), [json]);
  const floats = new Float32Array([1.5, -2]);
  const bytes = new Uint8Array(floats.buffer);
  // DataView buffers (what JupyterLab hands over) and out-of-order chunks.
  addChunk(parts, chunk('array:samples', 4, 8, true), [new DataView(bytes.buffer, 4, 4)]);
  addChunk(parts, chunk('array:samples', 0, 8, false), [bytes.slice(0, 4).buffer]);
  const result = assemble(
    exported([
      { part: 'model.json', bytes: json.length, chunks: 1, source: 'model' },
      { part: 'array:samples', bytes: 8, chunks: 2, source: 'x_test', dtype: 'float32', shape: [2] }
    ]),
    parts
  );
  assert.equal(result.modelJson, '{"a":1}');
  assert.equal(result.weights, null);
  const samples = result.arrays.samples!;
  assert.equal(samples.name, 'x_test');
  assert.deepEqual(samples.shape, [2]);
  assert.deepEqual(Array.from(new Float32Array(samples.data.slice().buffer)), [1.5, -2]);
  assert.deepEqual(result.warnings, ['one-hot labels']);
});

test('a part with missing bytes or too many bytes is refused', () => {
  const parts: Parts = new Map();
  addChunk(parts, chunk('weights.bin', 0, 8, true), [new Uint8Array(4)]);
  assert.throws(
    () =>
      assemble(exported([{ part: 'weights.bin', bytes: 8, chunks: 1, source: 'model' }]), parts),
    /incomplete \(4 of 8 bytes\)/
  );
  assert.throws(
    () => addChunk(parts, chunk('weights.bin', 6, 8, true), [new Uint8Array(4)]),
    KernelPluginError
  );
  assert.throws(() => addChunk(parts, chunk('weights.bin', 0, 8, true), []), /without its bytes/);
});
