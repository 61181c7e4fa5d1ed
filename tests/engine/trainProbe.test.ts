/**
 * trainProbe's bookkeeping around the optimiser, with a scripted fitter in place of the real
 * ones: the held-out split, the standardisation it trains on, early stopping, and the folding
 * of the scaling back into raw-feature weights. Expected values are computed here, in float64,
 * from the rows the fitter was handed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisInputError } from '../../src/engine/errors';
import { trainProbe, type LinearProbe, type ProbeTrainingData } from '../../src/engine/probe';
import type { FitterData, ProbeFitter, ProbeParameters } from '../../src/engine/probeFitters';
import { ProbeOptions } from '../../src/protocol/options';

interface Script {
  /** Held-out loss after each epoch; the last value repeats. */
  losses?: number[];
  /** The parameters the fitter holds after `epoch` epochs (default: every entry = epoch). */
  parameters?: (epoch: number, data: FitterData) => ProbeParameters;
}

/** A fitter that records what it is handed and replays a script. */
class ScriptedFitter implements ProbeFitter {
  epoch = 0;
  disposed = 0;
  readonly batches: number[][] = [];
  readonly accuracyCalls: { epochOfParameters: number; rows: 'train' | 'held' }[] = [];

  constructor(
    readonly data: FitterData,
    private readonly script: Script
  ) {}

  step(batch: Int32Array): void {
    this.batches.push(Array.from(batch));
  }

  async heldOutLoss(): Promise<number> {
    this.epoch += 1;
    const losses = this.script.losses ?? [1];
    return losses[Math.min(this.epoch, losses.length) - 1];
  }

  async parameters(): Promise<ProbeParameters> {
    if (this.script.parameters) {
      return this.script.parameters(this.epoch, this.data);
    }
    const { size, columns } = this.data;
    return {
      weights: new Float32Array(size * columns).fill(this.epoch),
      bias: new Float32Array(columns).fill(this.epoch)
    };
  }

  async accuracy(parameters: ProbeParameters, rows: 'train' | 'held'): Promise<number> {
    this.accuracyCalls.push({ epochOfParameters: parameters.bias[0], rows });
    return rows === 'train' ? 0.25 : 0.75;
  }

  dispose(): void {
    this.disposed += 1;
  }
}

async function train(
  data: ProbeTrainingData,
  options: Partial<ProbeOptions>,
  script: Script = {},
  afterEpoch?: (epoch: number) => void
) {
  let fitter: ScriptedFitter | null = null;
  const run = trainProbe(data, ProbeOptions.parse(options), afterEpoch, fitterData => {
    fitter = new ScriptedFitter(fitterData, script);
    return fitter;
  });
  const probe: LinearProbe | Error = await run.catch((error: unknown) => error as Error);
  return { probe, fitter: fitter as ScriptedFitter | null };
}

/**
 * `count` rows of `size` features; each row's label is its index, so the fitter's labels name
 * the rows it was given. Feature 1 is constant.
 */
function rowsData(count: number, size = 3): ProbeTrainingData {
  const features = new Float32Array(count * size);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < size; j++) {
      features[r * size + j] = j === 1 ? 7 : ((r * 37 + j * 11) % 17) - 4.5 + j;
    }
  }
  return { features, count, labels: Int32Array.from({ length: count }, (_, r) => r), classes: 3 };
}

function row(data: ProbeTrainingData, r: number, size: number): number[] {
  return Array.from(data.features.subarray(r * size, (r + 1) * size));
}

/** Per-feature mean and population standard deviation of the given rows, 1 where it is 0. */
function moments(data: ProbeTrainingData, rows: number[], size: number) {
  const mean = Array.from(
    { length: size },
    (_, j) => rows.reduce((sum, r) => sum + row(data, r, size)[j], 0) / rows.length
  );
  const sd = mean.map((m, j) => {
    const variance = rows.reduce((sum, r) => sum + (row(data, r, size)[j] - m) ** 2, 0);
    return Math.sqrt(variance / rows.length) || 1;
  });
  return { mean, sd };
}

function assertClose(actual: number, expected: number, what: string, tolerance = 1e-5): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * (1 + Math.abs(expected)),
    `${what}: ${actual} against ${expected}`
  );
}

describe('trainProbe with a scripted fitter', () => {
  it('holds out round(fraction x count) rows, at least one and leaving one to train on', async () => {
    for (const [count, fraction, heldOut] of [
      [10, 0.25, 3],
      [10, 0.2, 2],
      [2, 0.2, 1],
      [3, 0.9, 2],
      [40, 0.5, 20]
    ]) {
      const data = rowsData(count);
      const { fitter } = await train(data, { heldOutFraction: fraction, maxEpochs: 1 });
      const held = Array.from(fitter!.data.yHeld);
      const trained = Array.from(fitter!.data.yTrain);
      assert.equal(held.length, heldOut, `count ${count}, fraction ${fraction}`);
      assert.deepEqual(
        [...held, ...trained].sort((a, b) => a - b),
        Array.from({ length: count }, (_, r) => r),
        'the two splits partition the rows'
      );
    }
  });

  it('refuses fewer than 2 training samples', async () => {
    const { probe } = await train(rowsData(1), {});
    assert.ok(probe instanceof AnalysisInputError);
    assert.match(probe.message, /at least 2 training samples .* got 1/);
  });

  it('trains on features standardised with the training rows only', async () => {
    const size = 3;
    const data = rowsData(20, size);
    const { fitter } = await train(data, { maxEpochs: 1, heldOutFraction: 0.3 });
    const { xTrain, yTrain, xHeld, yHeld } = fitter!.data;
    const { mean, sd } = moments(data, Array.from(yTrain), size);
    assert.ok(
      sd.every((s, j) => (j === 1 ? s === 1 : s > 1)),
      `${sd}`
    );
    const check = (x: Float32Array, rows: Int32Array, split: string) =>
      rows.forEach((r, i) =>
        row(data, r, size).forEach((value, j) =>
          assertClose(x[i * size + j], (value - mean[j]) / sd[j], `${split} row ${r} feature ${j}`)
        )
      );
    check(xTrain, yTrain, 'train');
    check(xHeld, yHeld, 'held out');
  });

  it('hands raw features over when standardisation is off', async () => {
    const size = 3;
    const data = rowsData(12, size);
    const { fitter } = await train(data, { maxEpochs: 1, standardize: false });
    const { xTrain, yTrain } = fitter!.data;
    yTrain.forEach((r, i) =>
      assert.deepEqual(Array.from(xTrain.subarray(i * size, (i + 1) * size)), row(data, r, size))
    );
  });

  for (const [classes, columns] of [
    [2, 1],
    [3, 3]
  ]) {
    it(`folds the scaling back: raw-feature logits equal the fitted ones (${classes} classes)`, async () => {
      const size = 3;
      const data = { ...rowsData(15, size), classes };
      // fixed parameters, different in every entry
      const parameters = (_: number, d: FitterData) => ({
        weights: Float32Array.from({ length: d.size * d.columns }, (_, i) => 0.3 * i - 0.7),
        bias: Float32Array.from({ length: d.columns }, (_, c) => 0.5 - c)
      });
      const { probe, fitter } = await train(data, { maxEpochs: 1 }, { parameters });
      assert.ok(!(probe instanceof Error));
      const fitted = parameters(0, fitter!.data);
      const { mean, sd } = moments(data, Array.from(fitter!.data.yTrain), size);
      for (let r = 0; r < data.count; r++) {
        const x = row(data, r, size);
        for (let c = 0; c < columns; c++) {
          let standardised = fitted.bias[c];
          let raw = probe.bias[c];
          for (let j = 0; j < size; j++) {
            standardised += ((x[j] - mean[j]) / sd[j]) * fitted.weights[j * columns + c];
            raw += x[j] * probe.weights[j * columns + c];
          }
          assertClose(raw, standardised, `row ${r} column ${c}`, 1e-4);
        }
      }
      assert.equal(probe.columns, columns);
      assert.equal(probe.featureSize, size);
    });
  }

  it('returns a copy of the fitted parameters when standardisation is off', async () => {
    const weights = Float32Array.from([1, 2, 3]);
    const bias = Float32Array.from([4]);
    const { probe } = await train(
      { ...rowsData(6), classes: 2 },
      { maxEpochs: 1, standardize: false },
      { parameters: () => ({ weights, bias }) }
    );
    assert.ok(!(probe instanceof Error));
    assert.deepEqual(Array.from(probe.weights), [1, 2, 3]);
    assert.deepEqual(Array.from(probe.bias), [4]);
    weights[0] = 99;
    bias[0] = 99;
    assert.deepEqual([probe.weights[0], probe.bias[0]], [1, 4]);
  });

  it('stops after `patience` epochs without an improvement of more than 1e-7', async () => {
    // epoch 3 improves by less than 1e-7 and epoch 5 by exactly 1e-7: neither counts
    const losses = [5, 4, 4 - 5e-8, 3.9, 3.9 - 1e-7, 3.95, 3.95, 3.95, 3.95, 3.95];
    const { probe, fitter } = await train(
      { ...rowsData(10), classes: 2 },
      { maxEpochs: 50, patience: 3, standardize: false },
      { losses }
    );
    assert.ok(!(probe instanceof Error));
    // best at epoch 4; epochs 5, 6 and 7 do not improve on it
    assert.equal(probe.report.epochs, 7);
    assert.equal(fitter!.epoch, 7);
    assert.deepEqual(Array.from(probe.bias), [4], 'the parameters of the best epoch');
    assert.deepEqual(fitter!.accuracyCalls, [
      { epochOfParameters: 4, rows: 'train' },
      { epochOfParameters: 4, rows: 'held' }
    ]);
    assert.equal(probe.report.trainAccuracy, 0.25);
    assert.equal(probe.report.heldOutAccuracy, 0.75);
  });

  it('runs every epoch up to maxEpochs while the loss keeps improving', async () => {
    const { probe, fitter } = await train(
      { ...rowsData(10), classes: 2 },
      { maxEpochs: 6, patience: 1, standardize: false },
      { losses: [6, 5, 4, 3, 2, 1, 0.5, 0.25] }
    );
    assert.ok(!(probe instanceof Error));
    assert.equal(probe.report.epochs, 6);
    assert.equal(fitter!.epoch, 6);
    assert.deepEqual(Array.from(probe.bias), [6]);
  });

  it('steps over every training row once an epoch, in batches of batchSize', async () => {
    const { fitter } = await train(rowsData(10), {
      maxEpochs: 3,
      batchSize: 3,
      heldOutFraction: 0.2
    });
    // 8 training rows: batches of 3, 3 and 2, three epochs
    assert.deepEqual(
      fitter!.batches.map(batch => batch.length),
      [3, 3, 2, 3, 3, 2, 3, 3, 2]
    );
    for (let epoch = 0; epoch < 3; epoch++) {
      const rows = fitter!.batches.slice(3 * epoch, 3 * epoch + 3).flat();
      assert.deepEqual(
        rows.sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7]
      );
    }
  });

  it('stops with an actionable message when the held-out loss is not finite', async () => {
    for (const bad of [NaN, Infinity]) {
      const epochs: number[] = [];
      const { probe, fitter } = await train(
        rowsData(10),
        { maxEpochs: 10 },
        { losses: [3, bad] },
        epoch => epochs.push(epoch)
      );
      assert.ok(probe instanceof AnalysisInputError, `${bad}`);
      assert.match(probe.message, /probe diverged .* lower the probe learning rate/);
      assert.deepEqual(epochs, [1, 2]);
      assert.equal(fitter!.disposed, 1);
    }
  });

  it('releases the fitter once, whether training ends or is stopped', async () => {
    const done = await train(rowsData(10), { maxEpochs: 2 });
    assert.equal(done.fitter!.disposed, 1);
    const stopped = await train(rowsData(10), { maxEpochs: 5 }, {}, epoch => {
      if (epoch === 2) throw new Error('cancelled');
    });
    assert.equal((stopped.probe as Error).message, 'cancelled');
    assert.equal(stopped.fitter!.disposed, 1);
    assert.equal(stopped.fitter!.epoch, 2);
  });
});
