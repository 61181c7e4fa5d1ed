import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trackInteractions } from '../../src/engine/tracking';

describe('tracking', () => {
  it('follows every subset salient somewhere through all layers, normalised and averaged', () => {
    // n = 2, two layers, two samples; sums over samples of the raw interactions.
    const sums = [Float64Array.from([9, 2, 0.2, 0]), Float64Array.from([9, 4, 0, -6])];
    const salientAnywhere = [Uint8Array.from([0, 1, 0, 0]), Uint8Array.from([1, 0, 0, 1])];
    // mask 1 at layer 0: salient in 2 samples, in 5 of 5 and 2 of 5 optima; mask 3 at layer 1:
    // in 1 sample, 3 of 5 optima
    const agreementSums = [Float64Array.from([0, 1.4, 0, 0]), Float64Array.from([0, 0, 0, 0.6])];
    const agreementCounts = [Uint32Array.from([0, 2, 0, 0]), Uint32Array.from([0, 0, 0, 1])];
    const tracked = trackInteractions({
      kind: 'and',
      sums,
      sampleCount: 2,
      divisors: [0.5, 2],
      salientAnywhere,
      agreementSums,
      agreementCounts
    });
    // mask 0 (the constant) is never an interaction; mask 2 is salient nowhere; strongest first.
    assert.deepEqual(
      tracked.map(t => [t.mask, t.order, t.strength, t.salientIn, t.agreement]),
      [
        [1, 1, [2, 1], [0], [0.7, null]],
        [3, 2, [0, -1.5], [1], [null, 0.6]]
      ]
    );
    assert.ok(tracked.every(t => t.kind === 'and'));
  });

  it('lists the strongest peak first, ties by mask', () => {
    // n = 3, two layers: peaks over the layers 3 (mask 3), 2 (mask 2), 1 (masks 1, 4 and 5)
    const tracked = trackInteractions({
      kind: 'or',
      sums: [
        Float64Array.from([0, 1, -1, -3, 0, 1, 0, 0]),
        Float64Array.from([0, 0.5, 2, 0, 1, 0, 0, 0])
      ],
      sampleCount: 1,
      divisors: [1, 1],
      salientAnywhere: [Uint8Array.from([0, 1, 1, 1, 1, 1, 0, 0]), new Uint8Array(8)],
      agreementSums: [new Float64Array(8), new Float64Array(8)],
      agreementCounts: [new Uint32Array(8), new Uint32Array(8)]
    });
    assert.deepEqual(
      tracked.map(t => t.mask),
      [3, 2, 1, 4, 5]
    );
    const none = { kind: 'and' as const, sampleCount: 0, divisors: [], salientAnywhere: [] };
    assert.deepEqual(
      trackInteractions({ ...none, sums: [], agreementSums: [], agreementCounts: [] }),
      []
    );
  });
});
