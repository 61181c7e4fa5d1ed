import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  autoPatchSize,
  estimateCost,
  featureVariable,
  imageGeometry,
  inputKind,
  patchVariable,
  salientPatches,
  tokenVariable
} from '../../src/lab/model/variables';

test('input kinds from the sample shape', () => {
  assert.equal(inputKind([20]), 'tabular');
  assert.equal(inputKind([20], 'float32'), 'tabular');
  assert.equal(inputKind([12], 'int32'), 'sequence');
  assert.equal(inputKind([8, 8]), 'image');
  assert.equal(inputKind([28, 28, 1]), 'image');
  assert.equal(inputKind([32, 32, 3]), 'image');
  assert.equal(inputKind([12, 64]), 'image');
  assert.equal(inputKind([12, 2]), 'sequence');
  assert.equal(inputKind([10, 20, 30]), 'sequence');
  assert.equal(inputKind([3, 32, 32]), 'image');
});

test('automatic patch sizes divide the image and give about six patches a side', () => {
  assert.equal(autoPatchSize(8, 8), 2);
  assert.equal(autoPatchSize(28, 28), 4);
  assert.equal(autoPatchSize(32, 32), 4);
  assert.equal(autoPatchSize(6, 6), 1);
  for (const [h, w] of [
    [8, 8],
    [28, 28],
    [32, 32],
    [24, 36]
  ]) {
    const p = autoPatchSize(h, w);
    assert.equal(h % p, 0);
    assert.equal(w % p, 0);
  }
});

test('a patch holds every pixel and channel of its cell, row-major, channels last', () => {
  const g = imageGeometry([4, 4, 2], 2);
  assert.deepEqual([g.rows, g.cols], [2, 2]);
  const v = patchVariable(g, 1);
  assert.equal(v.name, 'r1c2');
  assert.deepEqual(v.indices, [4, 5, 6, 7, 12, 13, 14, 15]);
  const all = new Set<number>();
  for (let k = 0; k < 4; k++) {
    patchVariable(g, k).indices.forEach(i => all.add(i));
  }
  assert.equal(all.size, 32);
});

test('channels-first images (PyTorch) index channel planes', () => {
  const g = imageGeometry([2, 4, 6], 2);
  assert.deepEqual([g.height, g.width, g.channels, g.channelsFirst], [4, 6, 2, true]);
  assert.deepEqual([g.rows, g.cols], [2, 3]);
  const v = patchVariable(g, 4);
  assert.equal(v.name, 'r2c2');
  // Rows 2-3, columns 2-3 of plane 0 (offset 0) and plane 1 (offset 24).
  assert.deepEqual(
    [...v.indices].sort((a, b) => a - b),
    [14, 15, 20, 21, 38, 39, 44, 45]
  );
  const all = new Set<number>();
  for (let k = 0; k < 6; k++) {
    patchVariable(g, k).indices.forEach(i => all.add(i));
  }
  assert.equal(all.size, 48);
  assert.equal(imageGeometry([32, 32, 3], 4).channelsFirst, false);
});

test('salient patches are the ones that differ from the background', () => {
  const g = imageGeometry([4, 4], 2);
  const image = new Float32Array(16);
  image[0] = 1;
  image[15] = 0.6;
  image[14] = 0.6;
  assert.deepEqual(salientPatches(image, g, 2), [0, 3]);
  assert.deepEqual(salientPatches(image, g, 1), [3]);
});

test('features and tokens', () => {
  assert.deepEqual(featureVariable(2, ['a', 'b', 'c']), { name: 'c', indices: [2] });
  assert.deepEqual(featureVariable(3), { name: 'x3', indices: [3] });
  assert.deepEqual(tokenVariable(2, 3).indices, [6, 7, 8]);
});

test('cost grows like 2^n per sample', () => {
  const small = estimateCost(4, 2, 3);
  assert.equal(small.passes, 32);
  assert.equal(small.problems, 6);
  const big = estimateCost(12, 2, 3);
  assert.equal(big.passes, 2 * 4096);
  // each sample's share: the start-up and the probes do not grow with the samples
  const perSample = (n: number) =>
    ((estimateCost(n, 30, 3).seconds ?? 0) - (estimateCost(n, 2, 3).seconds ?? 0)) / 28;
  assert.ok(perSample(12) > perSample(4) * 3);
  const noisy = estimateCost(12, 2, 3, { draws: 4 });
  assert.equal(noisy.passes, 5 * 2 * 4096);
  assert.equal(noisy.problems, 5 * 6);
});

/** `time npx layerwise demo` / `analyze examples/demo/spec-n12.json`: wall seconds by n. */
const DEMO_WALL_SECONDS: [number, number][] = [
  [10, 12.6],
  [12, 72.7]
];

test("the time guess is within 2x of the demo's measured wall times", () => {
  // `time npx layerwise demo` (30 samples, 7 layers, two threads), bench/RESULTS.md session 8
  for (const [n, measured] of DEMO_WALL_SECONDS) {
    const guess = estimateCost(n, 30, 7, { threads: 2 }).seconds ?? 0;
    assert.ok(guess > measured / 2 && guess < measured * 2, `n = ${n}: ${guess} s`);
  }
  // one thread (unknown) guesses longer than two
  const one = estimateCost(10, 30, 7).seconds ?? 0;
  assert.ok(one > (estimateCost(10, 30, 7, { threads: 2 }).seconds ?? 0) * 1.5);
});
