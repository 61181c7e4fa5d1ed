import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trackInteractions } from '../../src/engine/tracking';

describe('tracking', () => {
  it('follows every subset salient somewhere through all layers, normalised and averaged', () => {
    // n = 2, two layers, two samples; sums over samples of the raw interactions.
    const sums = [Float64Array.from([9, 2, 0.2, 0]), Float64Array.from([9, 4, 0, -6])];
    const salientAnywhere = [Uint8Array.from([0, 1, 0, 0]), Uint8Array.from([1, 0, 0, 1])];
    // mask 3 is ambiguous at layer 1, where it is salient; mask 2 at layer 0, where it is not
    const ambiguousAnywhere = [Uint8Array.from([0, 0, 1, 0]), Uint8Array.from([0, 0, 0, 1])];
    const tracked = trackInteractions({
      kind: 'and',
      sums,
      sampleCount: 2,
      divisors: [0.5, 2],
      salientAnywhere,
      ambiguousAnywhere
    });
    // mask 0 (the constant) is never an interaction; mask 2 is salient nowhere; strongest first.
    assert.deepEqual(
      tracked.map(t => [t.mask, t.order, t.strength, t.salientIn, t.ambiguousIn]),
      [
        [1, 1, [2, 1], [0], []],
        [3, 2, [0, -1.5], [1], [1]]
      ]
    );
    assert.ok(tracked.every(t => t.kind === 'and'));
  });
});
