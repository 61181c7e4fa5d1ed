import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateJobRequest, type AnalysisResult, type Progress } from '../../src/protocol/api';
import { JobQueue, type Executor } from '../../src/backend/server/jobQueue';
import { ResultStore } from '../../src/backend/server/resultStore';
import { UploadStore } from '../../src/backend/server/uploads';
import { progressPrinter } from '../../src/backend/cli/analyze';
import { secondsLeft, stageEta } from '../../src/backend/progressEta';
import { stageFractions } from '../../src/backend/server/analysis';

describe('time left from the pace measured within a stage', () => {
  it('secondsLeft: remaining units at the measured pace, null without a pace', () => {
    // 7 problems in 4 s: 4/7 s each; 14 left: 14 * 4 / 7 = 8 s
    assert.equal(secondsLeft(7, 4, 14), 8);
    // 3 in 1.5 s, 1 left: 0.5 s
    assert.equal(secondsLeft(3, 1.5, 1), 0.5);
    assert.equal(secondsLeft(0, 4, 14), null, 'nothing solved yet in the stage');
    assert.equal(secondsLeft(2, 0, 14), null, 'no time has passed');
    assert.equal(secondsLeft(28, 10, 0), 0, 'nothing left');
    assert.equal(secondsLeft(0, 0, 0), 0, 'nothing left, even before any pace');
  });

  it('stageEta: counts from where the stage began, not from zero', () => {
    const eta = stageEta();
    assert.equal(eta({ stage: 'passes', done: 100, total: 1000 }, 0), null);
    // passes: 300 more passes in 2 s; 600 left -> 4 s
    assert.equal(eta({ stage: 'passes', done: 400, total: 1000 }, 2000), 4);
    // The solves begin 80 s in with 7 of 28 already solved alongside the passes.
    assert.equal(eta({ stage: 'solves', done: 7, total: 28 }, 80_000), null);
    // 7 more in 10 s; 14 left -> 20 s. (7/28 done in 80 s would have said 80 * 21/7.)
    assert.equal(eta({ stage: 'solves', done: 14, total: 28 }, 90_000), 20);
    // 14 in 12 s since the start of the stage; 7 left -> 6 s
    assert.equal(eta({ stage: 'solves', done: 21, total: 28 }, 92_000), 6);
  });

  it('the server: an ETA measured in the solves, the queue extrapolates the others', () => {
    let now = 0;
    const fractions = stageFractions(() => now);
    const passes = fractions({ stage: 'passes', done: 10, total: 40 });
    assert.equal(passes.etaSeconds, undefined, 'left to the queue');
    now = 80_000;
    const first = fractions({ stage: 'solves', done: 7, total: 28 });
    assert.equal(first.etaSeconds, null, 'no solve finished within the stage yet');
    assert.equal(first.message, '7 / 28');
    now = 86_000;
    // 7 solved in 6 s; 14 left -> 12 s
    assert.equal(fractions({ stage: 'solves', done: 14, total: 28 }).etaSeconds, 12);
    now = 87_000;
    assert.equal(fractions({ stage: 'metrics', done: 0, total: 1 }).etaSeconds, undefined);
  });

  it("the CLI: '[solves]  50% (14/28), about 16 s left' at the stage's own pace", () => {
    const lines: string[] = [];
    let now = 0;
    const print = progressPrinter(
      line => lines.push(line),
      () => now
    );
    now = 1000;
    print({ stage: 'solves', done: 7, total: 28 });
    now = 3000;
    print({ stage: 'solves', done: 8, total: 28 }); // 28.6%: the same 10% step as 25%
    now = 9000;
    // 7 in 8 s; 14 left -> 16 s
    print({ stage: 'solves', done: 14, total: 28 });
    now = 10_000;
    // 10 in 9 s; 11 left -> 9.9 s, shown rounded up
    print({ stage: 'solves', done: 17, total: 28 });
    now = 11_000;
    print({ stage: 'solves', done: 28, total: 28 });
    assert.deepEqual(lines, [
      '[solves]  25% (7/28)',
      '[solves]  50% (14/28), about 16 s left',
      '[solves]  61% (17/28), about 10 s left',
      '[solves] 100% (28/28)'
    ]);
  });

  it("the queue passes the executor's ETA on, null included, and extrapolates without one", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layerwise-eta-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const execute: Executor = async (_request, _signal, onProgress) => {
      onProgress({ stage: 'passes', fraction: 0.5 });
      onProgress({ stage: 'solves', fraction: 0.6, etaSeconds: null });
      onProgress({ stage: 'solves', fraction: 0.7, etaSeconds: 12 });
      return {} as AnalysisResult;
    };
    const queue = new JobQueue({
      store: await ResultStore.open(path.join(dir, 'results')),
      uploads: await UploadStore.open(path.join(dir, 'uploads'), {
        maxStoredBytes: 1024,
        maxInFlightBytes: 1024
      }),
      execute,
      log: () => undefined,
      progressIntervalMs: 0
    });
    const seen: Progress[] = [];
    queue.on('change', job => {
      if (job.state === 'running' && job.progress) {
        seen.push(job.progress);
      }
    });
    const id = 'e'.repeat(64);
    const request = CreateJobRequest.parse({
      model: { modelJson: id, weights: id },
      samples: id,
      options: { variables: [[0]] }
    });
    queue.submit(request, 'f'.repeat(64));
    await new Promise<void>(resolve => queue.once('idle', resolve));
    const byFraction = new Map(seen.map(p => [p.fraction, p.etaSeconds]));
    // half done after some milliseconds: about as many milliseconds again
    const passes = byFraction.get(0.5);
    assert.ok(passes !== null && passes !== undefined && passes >= 0 && passes < 5, `${passes}`);
    assert.equal(byFraction.get(0.6), null, 'no extrapolation from the whole-job fraction');
    assert.equal(byFraction.get(0.7), 12);
  });
});
