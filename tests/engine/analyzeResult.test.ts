/**
 * The parts of analyze's result that restate its own data: the samples table, variable names,
 * the probed layers' order, salient lists against tau, the metrics' salient counts against
 * those lists, the tracking order, stability on and off, and the progress a caller is shown.
 * Each is checked against the result's other fields or against the model run directly.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze, type AnalysisProgress, type AnalyzeInput } from '../../src/engine/analyze';
import { noisySample } from '../../src/engine/stability';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions, type AnalysisOptionsInput } from '../../src/protocol/options';
import type { AnalysisResult, Interaction } from '../../src/protocol/result';

const SAMPLES = Float32Array.from([1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0]);

/**
 * On 0/1 inputs, logit 1 - logit 0 = 2 AND(x0, x1) + 3 OR(x2, x3) - 2.75: one AND and one
 * stronger OR interaction, so both kinds have salient subsets and the tracking's order is not
 * the AND-then-OR order it is built in.
 */
function andOrModel(head: 'softmax' | 'linear' = 'softmax'): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4], units: 2, activation: 'relu', name: 'gates' }));
  model.add(tf.layers.dense({ units: 2, activation: head, name: 'out' }));
  // gates: relu(x0 + x1 - 1) = AND(x0, x1), relu(1 - x2 - x3) = 1 - OR(x2, x3)
  model.layers[0].setWeights([
    tf.tensor2d([1, 0, 1, 0, 0, -1, 0, -1], [4, 2]),
    tf.tensor1d([-1, 1])
  ]);
  model.layers[1].setWeights([tf.tensor2d([0, 2, 0, -3], [2, 2]), tf.tensor1d([0, 0.25])]);
  return model;
}

function input(options: Partial<AnalysisOptionsInput>, model: tf.LayersModel = andOrModel()) {
  return {
    runner: new TfjsRunner(model),
    samples: { data: SAMPLES, count: 3 },
    labels: [1, 1, 0],
    sampleIndices: [7, 3, 11],
    training: {
      data: Float32Array.from({ length: 80 }, (_, i) => (i * 7) % 3),
      count: 20,
      labels: Array.from({ length: 20 }, (_, i) => i % 2)
    },
    options: AnalysisOptions.parse({
      variables: [[0], [1], [2], [3]],
      baseline: { kind: 'zero' },
      probe: { maxEpochs: 5 },
      ...options
    }),
    source: 'test',
    toolVersion: '0.0.0'
  } satisfies AnalyzeInput;
}

function countBits(mask: number): number {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
}

function countByOrder(interactions: Interaction[], n: number): number[] {
  const counts = new Array<number>(n + 1).fill(0);
  for (const { order } of interactions) {
    counts[order] += 1;
  }
  return counts;
}

describe('analyze: the result restates its data faithfully', () => {
  let result: AnalysisResult;
  const events: AnalysisProgress[] = [];
  let wallSeconds = 0;

  before(async () => {
    await tf.setBackend('cpu');
    const started = performance.now();
    result = await analyze(
      // batches of 2 forward passes: the samples and their masked inputs come in several chunks
      input({ layers: ['out', 'gates'], stability: { enabled: true, draws: 2 }, batchSize: 2 }),
      event => events.push(event)
    );
    wallSeconds = (performance.now() - started) / 1000;
  });

  it('lists the samples with their indices, labels, targets and the classes the model predicts', () => {
    const model = andOrModel();
    const predicted = tf.tidy(() =>
      Array.from((model.predict(tf.tensor2d(SAMPLES, [3, 4])) as tf.Tensor).argMax(1).dataSync())
    );
    assert.deepEqual(result.samples, [
      { index: 7, label: 1, target: 1, predicted: predicted[0] },
      { index: 3, label: 1, target: 1, predicted: predicted[1] },
      { index: 11, label: 0, target: 0, predicted: predicted[2] }
    ]);
  });

  it('probes the layers in forward order, the output last, and names variables x0..', () => {
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind]),
      [
        ['gates', 'probe'],
        ['out', 'output']
      ]
    );
    assert.deepEqual(result.variables, { n: 4, names: ['x0', 'x1', 'x2', 'x3'] });
  });

  it('lists exactly the interactions above tau, strongest first', () => {
    let listed = 0;
    for (const row of result.perSample) {
      for (const cell of row) {
        for (const kind of ['and', 'or'] as const) {
          const list = cell[kind];
          listed += list.length;
          for (const [i, interaction] of list.entries()) {
            assert.ok(Math.abs(interaction.value) > cell.tau);
            if (i > 0) {
              const before = list[i - 1];
              assert.ok(
                Math.abs(before.value) > Math.abs(interaction.value) ||
                  (Math.abs(before.value) === Math.abs(interaction.value) &&
                    before.mask < interaction.mask)
              );
            }
          }
        }
      }
    }
    assert.ok(listed >= 5, `${listed} salient interactions`);
  });

  it("counts in each metric row the salient subsets the samples' lists hold", () => {
    const n = result.variables.n;
    for (const [l, layer] of result.layers.entries()) {
      for (const kind of ['and', 'or'] as const) {
        // mean over samples of the salient subsets of each order at this layer
        const expected = new Array<number>(n + 1).fill(0);
        for (const row of result.perSample) {
          countByOrder(row[l][kind], n).forEach((c, m) => (expected[m] += c / 3));
        }
        for (const table of [result.metrics.final[l], result.metrics.previous[l]]) {
          assert.equal(table.layer, layer.name);
          for (const metric of table[kind]) {
            assert.ok(
              Math.abs(metric.salientCount - expected[metric.order]) < 1e-12,
              `${layer.name} ${kind} order ${metric.order}: ${metric.salientCount} against ${expected[metric.order]}`
            );
          }
        }
      }
    }
  });

  it("states each interaction's share of optima and the mean IoU from the optima's salient sets", () => {
    let shared = 0;
    for (const row of result.perSample) {
      for (const cell of row) {
        const ambiguity = cell.ambiguity;
        assert.ok(ambiguity, 'every solve of n = 4 reaches its optimum and its 4 alternatives');
        assert.equal(ambiguity.optima, 5);
        assert.equal(ambiguity.salient.length, 4);
        const keys = (sets: { and: number[]; or: number[] }) =>
          new Set([...sets.and.map(m => `and ${m}`), ...sets.or.map(m => `or ${m}`)]);
        const canonical = keys({
          and: cell.and.map(i => i.mask),
          or: cell.or.map(i => i.mask)
        });
        const others = ambiguity.salient.map(keys);
        for (const kind of ['and', 'or'] as const) {
          for (const interaction of cell[kind]) {
            const key = `${kind} ${interaction.mask}`;
            assert.equal(interaction.optimaSalient, 1 + others.filter(o => o.has(key)).length);
            shared += interaction.optimaSalient! > 1 ? 1 : 0;
          }
        }
        const ious = others.flatMap(other => {
          const both = [...other].filter(key => canonical.has(key)).length;
          const union = canonical.size + other.size - both;
          return union > 0 ? [both / union] : [];
        });
        const mean = ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : null;
        assert.equal(ambiguity.meanIoU, mean);
      }
    }
    assert.ok(shared > 0, 'some interaction is salient in several optima');
  });

  it('tracks interactions strongest first, ties by mask', () => {
    const peak = (strength: number[]) => Math.max(...strength.map(Math.abs));
    assert.ok(result.tracking.length > 2);
    // built AND first: an OR interaction stands before an AND one only once sorted
    const kinds = result.tracking.map(t => t.kind);
    assert.ok(kinds.includes('or') && kinds.indexOf('or') < kinds.lastIndexOf('and'), `${kinds}`);
    for (let i = 1; i < result.tracking.length; i++) {
      const [a, b] = [result.tracking[i - 1], result.tracking[i]];
      assert.ok(
        peak(a.strength) > peak(b.strength) ||
          (peak(a.strength) === peak(b.strength) && a.mask < b.mask),
        `entry ${i}`
      );
    }
  });

  it('gives stability per layer and kind when asked', () => {
    assert.deepEqual(
      result.stability?.map(s => [s.layer, s.kind]),
      [
        ['gates', 'and'],
        ['gates', 'or'],
        ['out', 'and'],
        ['out', 'or']
      ]
    );
  });

  it('reports progress that ends where it says and a run time it took', () => {
    const last = (stage: AnalysisProgress['stage']) => events.filter(e => e.stage === stage).at(-1);
    assert.deepEqual(last('features'), { stage: 'features', done: 20, total: 20 });
    assert.deepEqual(
      events.filter(e => e.stage === 'probes'),
      [{ stage: 'probes', done: 1, total: 1 }]
    );
    // 3 samples x 2 layers x (1 + 2 noise draws)
    assert.deepEqual(last('solves'), { stage: 'solves', done: 18, total: 18 });
    assert.deepEqual(
      events.filter(e => e.stage === 'metrics'),
      [
        { stage: 'metrics', done: 0, total: 1 },
        { stage: 'metrics', done: 1, total: 1 }
      ]
    );
    // the stages in their order, solves counted only once every pass is done
    const stages = ['features', 'probes', 'passes', 'solves', 'metrics'];
    const order = events.map(e => stages.indexOf(e.stage));
    assert.ok(
      order.every((o, i) => o >= 0 && (i === 0 || o >= order[i - 1])),
      `${events.map(e => e.stage)}`
    );
    assert.ok(order.includes(2));
    for (const event of events) {
      assert.ok(event.done >= 0 && event.done <= event.total, JSON.stringify(event));
    }
    assert.ok(
      result.runtime.seconds > 0 && result.runtime.seconds <= wallSeconds,
      `${result.runtime.seconds} s of ${wallSeconds} s`
    );
  });

  it('takes variable names given, leaves stability and ambiguity out unless asked, and finds nothing salient at tau = max |I|', async () => {
    const other = await analyze(
      input({
        layers: ['out'],
        variableNames: ['a', 'b', 'c', 'd'],
        salience: { tauFactor: 1 },
        solver: { tieBreak: 'none' }
      })
    );
    assert.deepEqual(other.variables.names, ['a', 'b', 'c', 'd']);
    assert.equal(other.stability, null);
    for (const row of other.perSample) {
      assert.equal(row[0].ambiguity, null);
    }
    for (const metric of [...other.metrics.final[0].and, ...other.metrics.final[0].or]) {
      assert.equal(metric.spread, null);
    }
    // salient means |I| > tau, strictly: at tau = max |I| no interaction is
    const cell = other.perSample[0][0];
    assert.ok(cell.tau > 0);
    for (const row of other.perSample) {
      assert.deepEqual([row[0].and, row[0].or], [[], []]);
    }
    for (const table of [other.metrics.final[0], other.metrics.previous[0]]) {
      for (const metric of [...table.and, ...table.or]) {
        assert.equal(metric.salientCount, 0);
      }
    }
  });

  it('measures stability on the clean salient subsets, as computed here from the noisy passes', async () => {
    const [sigma, seed, draws, labels] = [0.3, 5, 4, [1, 1]];
    // x2 = x3 = 0.2 in the second sample: OR-side terms of 0.6 against its largest, 2
    const samples = Float32Array.of(1, 1, 1, 1, 1, 1, 0.2, 0.2);
    const model = andOrModel();
    // the same network without its softmax: the logits the analysis reads
    const logits = andOrModel('linear');
    const other = await analyze({
      ...input(
        {
          layers: ['out'],
          solver: { kind: 'none' },
          // one tau for the layer, 0.25 x the largest |I| of any sample (3): the second
          // sample's 0.6 terms are kept in its record (its own tau is 0.5) but not salient
          salience: { tauFactor: 0.25, mode: 'per-layer' },
          stability: { enabled: true, sigma, seed, draws }
        },
        model
      ),
      samples: { data: samples, count: 2 },
      labels,
      sampleIndices: null
    });
    // v(S) = z_target - z_other on the sample with absent inputs at the zero baseline, and its
    // Harsanyi interactions by the subset sum (solver 'none')
    const interactions = (x: Float32Array, target: number): number[] => {
      const masked = Array.from({ length: 16 }, (_, mask) =>
        Array.from(x, (value, i) => ((mask >> i) & 1 ? value : 0))
      );
      const z = tf.tidy(() =>
        (logits.predict(tf.tensor2d(masked)) as tf.Tensor).arraySync()
      ) as number[][];
      const v = z.map(row => row[target] - row[1 - target]);
      return v.map((_, mask) => {
        let sum = 0;
        for (let t = mask; ; t = (t - 1) & mask) {
          const sign = (countBits(mask) - countBits(t)) % 2 ? -1 : 1;
          sum += sign * v[t];
          if (t === 0) break;
        }
        return sum;
      });
    };
    const perOrder = [0, 0, 0, 0, 0].map(() => ({ total: 0, samples: 0 }));
    const cleans = [0, 1].map(s => interactions(samples.subarray(4 * s, 4 * s + 4), labels[s]));
    const tau = 0.25 * Math.max(...cleans.flatMap(clean => clean.slice(1).map(Math.abs)));
    // kept in the second sample's record (above its own tau) yet not salient
    const ownTau = 0.25 * Math.max(...cleans[1].slice(1).map(Math.abs));
    assert.ok(cleans[1].some(value => Math.abs(value) > ownTau && Math.abs(value) <= tau));
    for (let s = 0; s < 2; s++) {
      const x = samples.subarray(4 * s, 4 * s + 4);
      const clean = cleans[s];
      const noisy = Array.from({ length: draws }, (_, k) =>
        interactions(noisySample(x, sigma, seed, s, k), labels[s])
      );
      const sums = [0, 0, 0, 0, 0];
      const terms = [0, 0, 0, 0, 0];
      for (let mask = 1; mask < 16; mask++) {
        if (Math.abs(clean[mask]) <= tau) continue;
        const values = noisy.map(draw => draw[mask]);
        const mean = values.reduce((a, b) => a + b, 0) / draws;
        const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / draws);
        if (std > 0) {
          sums[countBits(mask)] += Math.abs(mean) / std;
          terms[countBits(mask)] += 1;
        }
      }
      terms.forEach((count, m) => {
        if (count > 0) {
          perOrder[m].total += sums[m] / count;
          perOrder[m].samples += 1;
        }
      });
    }
    const expected = [1, 2, 3, 4].map(m =>
      perOrder[m].samples ? perOrder[m].total / perOrder[m].samples : null
    );
    assert.ok(expected.filter(value => value !== null).length >= 2, `${expected}`);
    const and = other.stability?.find(entry => entry.kind === 'and');
    assert.deepEqual(
      and?.stability.map(row => row.order),
      [1, 2, 3, 4]
    );
    and?.stability.forEach((row, i) => {
      const want = expected[i];
      if (want === null) {
        assert.equal(row.value, null, `order ${row.order}`);
      } else {
        assert.ok(
          row.value !== null && Math.abs(row.value - want) <= 1e-6 * (1 + want),
          `order ${row.order}: ${row.value} against ${want}`
        );
      }
    });
  });

  it('orders several probed layers by their place in the model, whatever the request', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu', name: 'first' }));
    model.add(tf.layers.dense({ units: 3, activation: 'relu', name: 'second' }));
    model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'head' }));
    const other = await analyze(
      input({ layers: ['second', 'head', 'first'], solver: { kind: 'none' } }, model)
    );
    assert.deepEqual(
      other.layers.map(l => l.name),
      ['first', 'second', 'head']
    );
  });
});
