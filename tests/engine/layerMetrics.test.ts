import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareLayers, sharedStrength, type ComparedSample } from '../../src/engine/layerMetrics';
import { uniformGenerator } from '../../src/engine/random';

const close = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null) {
    assert.equal(a, b, what);
  } else {
    assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  }
};

// n = 2. Sample 1: subsets {0}, {1}, {0,1}; sample 2: {0,1} only.
const handMade: ComparedSample[] = [
  {
    masks: [1, 2, 3],
    earlier: [1.0, -0.5, 0.3],
    later: [0.4, -0.2, 2.0],
    earlierSalient: [true, true, false],
    laterSalient: [true, false, true]
  },
  { masks: [3], earlier: [-1], later: [-0.5], earlierSalient: [true], laterSalient: [true] }
];

describe('layer metrics', () => {
  it('shared strength keeps the common sign and the smaller magnitude', () => {
    assert.equal(sharedStrength(1, 0.4), 0.4);
    assert.equal(sharedStrength(-0.5, -0.2), -0.2);
    assert.equal(sharedStrength(-0.5, 0.2), 0);
    assert.equal(sharedStrength(0, 0.2), 0);
  });

  it('matches hand-computed values (exact form)', () => {
    const [m1, m2] = compareLayers(handMade, 2, 1, 'exact', 'earlier');
    // order 1: sample 1 gives all 1.5, all_ref 0.4, overlap 0.4; sample 2 nothing; /2
    close(m1.all, 0.75, 'all1');
    close(m1.allReference, 0.2, 'ref1');
    close(m1.overlap, 0.2, 'overlap1');
    close(m1.forget, 0.55, 'forget1');
    close(m1.new, 0, 'new1');
    close(m1.completeness, 1, 'completeness1');
    close(m1.redundancy, 0.55 / 0.75, 'redundancy1');
    close(m1.salientCount, 1, 'count1');
    // order 2: all (0 + 1)/2, all_ref (2 + 0.5)/2, overlap (0 + 0.5)/2
    close(m2.all, 0.5, 'all2');
    close(m2.allReference, 1.25, 'ref2');
    close(m2.overlap, 0.25, 'overlap2');
    close(m2.forget, 0.25, 'forget2');
    close(m2.new, 1.0, 'new2');
    close(m2.completeness, 0.2, 'completeness2');
    close(m2.redundancy, 0.5, 'redundancy2');
    close(m2.salientCount, 0.5, 'count2');
  });

  it('the literal form sums |I - shared| over each salient set, as the paper prints it', () => {
    const [m1, m2] = compareLayers(handMade, 2, 1, 'literal', 'earlier');
    // order 1 forget: |1 - 0.4| + |-0.5 - (-0.2)| = 0.9 (exact form: 1.1), /2
    close(m1.forget, 0.45, 'forget1');
    close(m1.new, 0, 'new1');
    // order 2 new: |2 - 0.3| + |-0.5 - (-0.5)| = 1.7 (exact form: 2.0), /2
    close(m2.new, 0.85, 'new2');
    close(m2.forget, 0.25, 'forget2');
    // all and all_ref are the same sums in both forms
    close(m1.all, 0.75, 'all1');
    close(m1.allReference, 0.2, 'ref1');
    close(m2.all, 0.5, 'all2');
    close(m2.allReference, 1.25, 'ref2');
    close(m2.overlap, 0.25, 'overlap2');
  });

  it('counts the later layer and handles a missing earlier layer', () => {
    const rows = compareLayers(
      [{ ...handMade[0], earlier: null, earlierSalient: null }],
      2,
      1,
      'exact',
      'later'
    );
    close(rows[0].all, 0, 'all');
    close(rows[0].allReference, 0.4, 'ref');
    close(rows[0].new, 0.4, 'new');
    close(rows[0].completeness, 0, 'completeness');
    assert.equal(rows[0].redundancy, null);
    close(rows[1].salientCount, 1, 'count');
    // no earlier layer: nothing of it is salient, whichever layer is counted
    const earlier = compareLayers(
      [{ ...handMade[0], earlier: null, earlierSalient: null }],
      2,
      1,
      'exact',
      'earlier'
    );
    assert.deepEqual(
      earlier.map(row => row.salientCount),
      [0, 0]
    );
  });

  it('OR rows start at the given order', () => {
    const rows = compareLayers(handMade, 2, 2, 'exact', 'earlier');
    assert.deepEqual(
      rows.map(r => r.order),
      [2]
    );
  });

  it('all = overlap + forget and all_ref = overlap + new exactly, on random sets', () => {
    const uniform = uniformGenerator(11);
    const n = 6;
    for (let trial = 0; trial < 20; trial++) {
      const samples: ComparedSample[] = Array.from({ length: 5 }, () => {
        const masks = Array.from({ length: 63 }, (_, i) => i + 1);
        return {
          masks,
          earlier: masks.map(() => (uniform() - 0.5) * 3),
          later: masks.map(() => (uniform() - 0.5) * 3),
          earlierSalient: masks.map(() => uniform() < 0.4),
          laterSalient: masks.map(() => uniform() < 0.4)
        };
      });
      for (const row of compareLayers(samples, n, 1, 'exact', 'earlier')) {
        assert.equal(row.overlap + row.forget, row.all, `trial ${trial} order ${row.order}`);
        assert.equal(row.overlap + row.new, row.allReference, `trial ${trial} order ${row.order}`);
      }
    }
  });
});
