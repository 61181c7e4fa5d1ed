import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxStrength, salienceThresholds, salientMasks } from '../../src/engine/salience';
import { subsetOrders } from '../../src/engine/subsets';
import { seededRandom } from './solverGames';

describe('salience (method.md 4)', () => {
  it('maxStrength: the largest |I_and(S)|, |I_or(S)| over S != {}', () => {
    // and({}) = -9 is the constant term and must not count
    const and = [-9, 0.5, -2, 1];
    const or = [7, 0, 0, -1.5];
    assert.equal(maxStrength(and, or), 2);
    assert.equal(maxStrength([3, 1, 1, -1], [0, 0, 0, -4]), 4);
  });

  it('per-sample: tau = tauFactor * each sample and layer its own maximum', () => {
    const maxima = [
      [1, 4],
      [3, 2]
    ];
    assert.deepEqual(salienceThresholds(maxima, { mode: 'per-sample', tauFactor: 0.5 }), [
      [0.5, 2],
      [1.5, 1]
    ]);
  });

  it('per-layer: one tau per layer, tauFactor * the maximum over all samples', () => {
    const maxima = [
      [1, 4, 0.5],
      [3, 2, 0.25],
      [2, 1, 0.125]
    ];
    const perLayer = [1.5, 2, 0.25];
    assert.deepEqual(salienceThresholds(maxima, { mode: 'per-layer', tauFactor: 0.5 }), [
      perLayer,
      perLayer,
      perLayer
    ]);
  });

  it('no samples, no thresholds', () => {
    for (const mode of ['per-sample', 'per-layer'] as const) {
      assert.deepEqual(salienceThresholds([], { mode, tauFactor: 0.05 }), []);
    }
  });

  it('per-layer tau is never below the per-sample tau (sampleRecord relies on it)', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 50; trial++) {
      const samples = 1 + Math.floor(random() * 5);
      const layers = 1 + Math.floor(random() * 4);
      const maxima = Array.from({ length: samples }, () =>
        Array.from({ length: layers }, () => random() * 10)
      );
      const tauFactor = random();
      const perSample = salienceThresholds(maxima, { mode: 'per-sample', tauFactor });
      const perLayer = salienceThresholds(maxima, { mode: 'per-layer', tauFactor });
      for (let s = 0; s < samples; s++) {
        for (let l = 0; l < layers; l++) {
          assert.ok(perLayer[s][l] >= perSample[s][l], `sample ${s}, layer ${l}`);
          // and it is reached: the sample with the largest maximum has both taus equal
          const largest = Math.max(...maxima.map(row => row[l]));
          assert.equal(perLayer[s][l], tauFactor * largest);
        }
      }
    }
  });

  it('salientMasks: |I(S)| > tau strictly, S != {}, order >= minOrder, ascending', () => {
    const orders = subsetOrders(3);
    // masks:          {}   {0}  {1}   {01}  {2}  {02}  {12}  {012}
    const values = [5, 0.2, -0.3, 0.1, 0.1, -0.5, 0.25, 1];
    assert.deepEqual(salientMasks(values, 0.2, orders, 1), [2, 5, 6, 7]);
    assert.deepEqual(salientMasks(values, 0.2, orders, 2), [5, 6, 7]);
    assert.deepEqual(salientMasks(values, 1, orders, 1), []);
  });
});
