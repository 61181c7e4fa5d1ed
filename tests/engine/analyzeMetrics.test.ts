/**
 * analyze() from solved interactions to metrics, against numbers worked out by hand: the
 * solver is replaced by one that returns planted interactions, so every salient set,
 * normalised strength, count and stability below follows from the tables in this file and
 * the normalisers c_l (the only inputs that come from the model).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { AndOrSolution, BatchSolver } from '../../src/engine/andOr';
import { analyze } from '../../src/engine/analyze';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';
import { AnalysisResult, type OrderMetrics } from '../../src/protocol/result';
import { andGateModel, gatesOf } from './fixtures';

const SIZE = 16;
type Terms = Record<number, number>;

/**
 * Clean interactions per layer (0: the probed 'gates', 1: the output 'out'). tau = 0.05 *
 * max |I|: 0.05 at layer 0 (AND {0,1,2} = 0.02 stays below), 0.1 at layer 1 (OR {0,2,3}
 * below). Salient AND: layer 0 {0}, {0,1}, {1,2}; layer 1 {0}, {1}, {0,1} (opposite sign to
 * layer 0), {0,2}, {1,2,3}. Salient OR: {2,3} at both layers.
 */
const CLEAN: { and: Terms; or: Terms }[] = [
  { and: { 0: 7, 1: 1, 3: 0.5, 6: -0.4, 7: 0.02 }, or: { 12: 0.3 } },
  { and: { 0: -1, 1: 2, 2: 0.9, 3: -0.6, 5: 0.8, 14: 1.5 }, or: { 12: 0.5, 13: 0.05 } }
];

/** DRAWS[k][l]: noise draw k at layer l. Layer 0's draws differ from layer 1's everywhere. */
const DRAWS: { and: Terms; or: Terms }[][] = [
  [
    { and: { 1: 0.9, 2: 5, 3: 0.4, 5: 1, 6: -0.3, 14: 0 }, or: { 12: 0.2 } },
    { and: { 1: 1, 2: 0.8, 3: -0.6, 5: 0.7, 6: 9, 14: 1 }, or: { 12: 0.4 } }
  ],
  [
    { and: { 1: 1.1, 2: 7, 3: 0.6, 5: 1, 6: -0.5, 14: 2 }, or: { 12: 0.4 } },
    { and: { 1: 3, 2: 1, 3: -0.6, 5: 0.9, 6: 9, 14: 2 }, or: { 12: 0.6 } }
  ]
];

function dense(terms: Terms): Float64Array {
  const vector = new Float64Array(SIZE);
  for (const [mask, value] of Object.entries(terms)) {
    vector[Number(mask)] = value;
  }
  return vector;
}

function solution(terms: { and: Terms; or: Terms }): AndOrSolution {
  return {
    and: dense(terms.and),
    or: dense(terms.or),
    delta: new Float64Array(SIZE),
    report: { solver: 'none', kappa: 0, objective: 0, gap: null, iterations: 0, seconds: 0 }
  };
}

/** Returns the planted solutions and keeps the clean problems (each layer's v) it was given. */
function plantedSolver(): { solve: BatchSolver; clean: ArrayLike<number>[] } {
  const clean: ArrayLike<number>[] = [];
  let draw = 0;
  const solve: BatchSolver = async (problems, _options, warm) => {
    assert.equal(problems.length, 2);
    if (warm === undefined) {
      clean.push(...problems);
      return CLEAN.map(solution);
    }
    return DRAWS[draw++].map(solution);
  };
  return { solve, clean };
}

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, what);
  } else {
    assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
  }
}

/** all, allReference, overlap and salientCount per order 1..4 (forget, new follow). */
type Expected = [number, number, number, number][];

function assertMetrics(rows: OrderMetrics[], expected: Expected, what: string): void {
  assert.deepEqual(
    rows.map(r => r.order),
    expected.map((_, i) => rows[0].order + i),
    what
  );
  rows.forEach((row, i) => {
    const [all, allReference, overlap, count] = expected[i];
    const where = `${what}, order ${row.order}`;
    close(row.all, all, `${where}: all`);
    close(row.allReference, allReference, `${where}: allReference`);
    close(row.overlap, overlap, `${where}: overlap`);
    close(row.forget, all - overlap, `${where}: forget`);
    close(row.new, allReference - overlap, `${where}: new`);
    assert.equal(row.salientCount, count, `${where}: salientCount`);
  });
}

describe('analyze: metrics, counts, normalisation and stability from planted interactions', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the numbers worked out by hand', async () => {
    // every subset of the 4 binary inputs, 4 times; label: the sign of the network's v
    const masks = Array.from({ length: 64 }, (_, i) => i % SIZE);
    const training = {
      data: Float32Array.from(masks.flatMap(mask => [0, 1, 2, 3].map(i => (mask >> i) & 1))),
      count: masks.length,
      labels: masks.map(mask => {
        const [h0, h1, h2] = gatesOf(mask);
        return 2 * h0 - 3 * h1 + 0.5 * h2 + 0.25 > 0 ? 1 : 0;
      })
    };
    const { solve, clean } = plantedSolver();
    const result = await analyze({
      runner: new TfjsRunner(andGateModel()),
      samples: { data: new Float32Array([1, 1, 1, 1]), count: 1 },
      labels: [1],
      training,
      options: AnalysisOptions.parse({
        variables: [[0], [1], [2], [3]],
        baseline: { kind: 'zero' },
        layers: ['gates', 'out'],
        solver: { kind: 'none' },
        probe: { maxEpochs: 20 },
        stability: { enabled: true, draws: 2, sigma: 0.02 }
      }),
      source: 'planted',
      toolVersion: '0',
      solveBatch: solve
    });
    AnalysisResult.parse(result);
    assert.deepEqual(
      result.layers.map(l => l.name),
      ['gates', 'out']
    );

    // c_l = |v_l(x_N) - v_l(x_{})| of the one sample; the output's is 0.5 (fixtures.ts)
    const [c0, c1] = clean.map(v => Math.abs(v[SIZE - 1] - v[0]));
    close(c1, 0.5, 'c_out');
    assert.ok(Math.abs(c0 - c1) > 0.05, `the layers need different c_l: ${c0}, ${c1}`);
    close(result.layers[0].normaliser, c0, 'c_gates');
    assert.deepEqual(
      result.perSample[0].map(cell => [
        cell.tau,
        cell.and.map(i => i.mask),
        cell.or.map(i => i.mask)
      ]),
      [
        [0.05, [1, 3, 6], [12]],
        [0.1, [1, 14, 2, 5, 3], [12]]
      ]
    );

    // Layer 0 against the final layer: a = I_0 / c0, b = I_1 / c1.
    // order 1: {0} salient in both (1/c0 vs 2/c1, shared: the smaller), {1} only in the final.
    // order 2: {0,1} in both with opposite signs (shared 0), {0,2} final only, {1,2} layer 0 only.
    // order 3: {1,2,3} final only.
    const gatesVsFinal: Expected = [
      [1 / c0, 2.9 / c1, Math.min(1 / c0, 2 / c1), 1],
      [0.9 / c0, 1.4 / c1, 0, 2],
      [0, 1.5 / c1, 0, 0],
      [0, 0, 0, 0]
    ];
    assertMetrics(result.metrics.final[0].and, gatesVsFinal, 'final, gates, AND');
    // the previous-layer row of 'out' compares the same pair, but counts the later layer
    const outVsPrevious: Expected = gatesVsFinal.map(([all, ref, overlap], i) => [
      all,
      ref,
      overlap,
      [2, 2, 1, 0][i]
    ]);
    assertMetrics(result.metrics.previous[1].and, outVsPrevious, 'previous, out, AND');
    // the first layer has no previous one: everything it holds is new
    assertMetrics(
      result.metrics.previous[0].and,
      [
        [0, 1 / c0, 0, 1],
        [0, 0.9 / c0, 0, 2],
        [0, 0, 0, 0],
        [0, 0, 0, 0]
      ],
      'previous, gates, AND'
    );
    assertMetrics(
      result.metrics.final[1].and,
      [
        [2.9 / c1, 2.9 / c1, 2.9 / c1, 2],
        [1.4 / c1, 1.4 / c1, 1.4 / c1, 2],
        [1.5 / c1, 1.5 / c1, 1.5 / c1, 1],
        [0, 0, 0, 0]
      ],
      'final, out, AND'
    );
    // OR {2,3}: 0.3 / c0 and 0.5 / c1, salient at both layers
    const orOverlap = Math.min(0.3 / c0, 0.5 / c1);
    assertMetrics(
      result.metrics.final[0].or,
      [
        [0.3 / c0, 0.5 / c1, orOverlap, 1],
        [0, 0, 0, 0],
        [0, 0, 0, 0]
      ],
      'final, gates, OR'
    );

    // Stability: |mean| / std (population) of each salient subset's two draws, averaged per
    // order. Layer 0: {0} 1.0 / 0.1; {0,1} 0.5 / 0.1 and {1,2} 0.4 / 0.1 -> 4.5.
    // Layer 1: {0} 2 / 1 and {1} 0.9 / 0.1 -> 5.5; {0,1} does not vary (skipped), {0,2}
    // 0.8 / 0.1; {1,2,3} 1.5 / 0.5. OR {2,3}: 0.3 / 0.1 and 0.5 / 0.1.
    const stability = new Map(
      (result.stability ?? []).map(s => [`${s.kind} ${s.layer}`, s.stability.map(o => o.value)])
    );
    const expectedStability: [string, (number | null)[]][] = [
      ['and gates', [10, 4.5, null, null]],
      ['or gates', [3, null, null]],
      ['and out', [5.5, 8, 3, null]],
      ['or out', [5, null, null]]
    ];
    assert.equal(stability.size, expectedStability.length);
    for (const [key, values] of expectedStability) {
      const actual = stability.get(key);
      assert.ok(actual, key);
      assert.equal(actual.length, values.length, key);
      values.forEach((value, i) => close(actual[i], value, `stability ${key}, order ${i + 1}`));
    }

    // Tracking: the mean normalised strength at each layer, salient where it is
    const tracked = new Map(result.tracking.map(t => [`${t.kind} ${t.mask}`, t]));
    for (const [key, strength, salientIn] of [
      ['and 1', [1 / c0, 2 / c1], [0, 1]],
      ['and 3', [0.5 / c0, -0.6 / c1], [0, 1]],
      ['and 6', [-0.4 / c0, 0], [0]],
      ['and 14', [0, 1.5 / c1], [1]],
      ['or 12', [0.3 / c0, 0.5 / c1], [0, 1]]
    ] as [string, number[], number[]][]) {
      const entry = tracked.get(key);
      assert.ok(entry, key);
      entry.strength.forEach((s, l) => close(s, strength[l], `tracking ${key}, layer ${l}`));
      assert.deepEqual(entry.salientIn, salientIn, key);
    }
    assert.equal(tracked.has('and 7'), false, 'never salient, not tracked');
  });
});
