/**
 * `layerwise analyze --queue` with real `layerwise worker` processes on a Redis of the tests'
 * own: the result equals the local run's, interaction by interaction, whatever happens to the
 * workers; cancelling stops their tasks; a lost Redis is reported, not waited for.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueSolver } from '../../src/backend/queue/queueSolver';
import { SolverOptions } from '../../src/protocol/options';
import { AnalysisResult } from '../../src/protocol/result';
import { runCli } from '../cli/helpers';
import {
  assertQueueEmpty,
  demoSpec,
  freePort,
  skipReason,
  startCli,
  startRedis,
  startWorker,
  tempDir,
  type TestRedis,
  type TestWorker
} from './helpers';

const skip = skipReason();
let redis: TestRedis;
const redisUrl = () => redis.url;
const dir = tempDir('layerwise-queue-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** The 6 centre patches of the demo's 8x8 digits: n = 6, every layer. */
const CENTRE = [
  [0, 0],
  [0, 1],
  [0, 2],
  [0, 3],
  [1, 0],
  [1, 3],
  [2, 0],
  [2, 3],
  [3, 0],
  [3, 3]
];

/** lab-sgd at n = 6 with `steps` steps: a solve of a few seconds or minutes, by design. */
const slowSpec = (name: string, steps: number) =>
  demoSpec(dir, name, {
    exclude: CENTRE,
    layers: ['dense_3', 'logits'],
    options: { solver: { kind: 'lab-sgd', steps }, stability: { enabled: false } }
  });

async function analyzeTo(name: string, spec: string, samples: number, queue?: string) {
  const out = join(dir, name);
  const run = await runCli([
    'analyze',
    spec,
    '--out',
    out,
    '--samples',
    String(samples),
    '--backend',
    'cpu',
    ...(queue ? ['--queue', queue] : [])
  ]);
  assert.equal(run.code, 0, run.stderr);
  return resultIn(name);
}

const resultIn = (name: string) =>
  AnalysisResult.parse(JSON.parse(readFileSync(join(dir, name, 'result.json'), 'utf8')));

const queuedRun = (spec: string, name: string, samples: number) => [
  'analyze',
  spec,
  '--out',
  join(dir, name),
  '--samples',
  String(samples),
  '--backend',
  'cpu',
  '--queue',
  redisUrl()
];

/** What must not depend on where the solves ran: all but the timings and the date. */
function comparable(result: AnalysisResult): unknown {
  const dropped = new Set(['createdAt', 'runtime', 'seconds']);
  return JSON.parse(JSON.stringify(result, (key, value) => (dropped.has(key) ? undefined : value)));
}

function assertSameInteractions(actual: AnalysisResult, expected: AnalysisResult): void {
  assert.equal(actual.perSample.length, expected.perSample.length);
  expected.perSample.forEach((layers, s) =>
    layers.forEach((layer, l) => {
      const got = actual.perSample[s][l];
      assert.deepEqual(got.and, layer.and, `sample ${s}, layer ${l}: AND interactions`);
      assert.deepEqual(got.or, layer.or, `sample ${s}, layer ${l}: OR interactions`);
    })
  );
  assert.deepEqual(comparable(actual), comparable(expected));
}

const solvedIn = (worker: TestWorker) => worker.log().match(/task \w+ solved/g)?.length ?? 0;

describe('layerwise analyze --queue with layerwise worker', { skip: skip ?? false }, () => {
  const workers: TestWorker[] = [];
  const worker = async () => {
    const started = await startWorker(redis.url);
    workers.push(started);
    return started;
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    // SIGKILL: a worker still in a long solve would finish it first on SIGTERM.
    await Promise.all(workers.map(w => w.stop('SIGKILL')));
    await redis.stop();
  });

  it('two workers give the local result; a re-run with none reuses the solved tasks', async () => {
    await redis.flush();
    const spec = demoSpec(dir, 'centre', { exclude: CENTRE });
    const local = await analyzeTo('local', spec, 2);
    const [a, b] = [await worker(), await worker()];
    const analysis = startCli(queuedRun(spec, 'queued', 2));
    assert.equal(await analysis.exit(), 0, analysis.log());
    // progress counts the solves as the workers send them back, up to all of them
    assert.match(analysis.log(), /\[solves\] 100% \((\d+)\/\1\)/);
    assertSameInteractions(resultIn('queued'), local);
    const problems = 2 * local.layers.length;
    assert.equal(solvedIn(a) + solvedIn(b), problems, 'each problem solved once');

    await Promise.all([a.stop(), b.stop()]);
    const again = await analyzeTo('again', spec, 2, redis.url);
    assertSameInteractions(again, local);
  });

  it('a worker killed (SIGKILL) mid-task loses nothing', async () => {
    await redis.flush();
    const spec = slowSpec('slow', 3_000_000);
    const local = await analyzeTo('slow-local', spec, 1);
    const [a, b] = [await worker(), await worker()];
    const analysis = startCli(queuedRun(spec, 'slow-queued', 1));
    const [, task] = await a.waitFor(/task (\w+) started/);
    await a.stop('SIGKILL');
    assert.doesNotMatch(a.log(), new RegExp(`task ${task} solved`), 'killed mid-task');
    // BullMQ's stalled-job check hands the task to the other worker.
    await b.waitFor(new RegExp(`task ${task} solved`), 120_000);
    assert.equal(await analysis.exit(), 0, analysis.log());
    assertSameInteractions(resultIn('slow-queued'), local);
    await b.stop();
  });

  it('cancelling takes the waiting tasks off the queue and stops the running ones', async () => {
    await redis.flush();
    const spec = slowSpec('endless', 500_000_000);
    const a = await worker();
    const analysis = startCli(queuedRun(spec, 'cancelled', 3));
    const [, task] = await a.waitFor(/task (\w+) started/);
    analysis.process.kill('SIGINT');
    assert.notEqual(await analysis.exit(), 0);
    assert.match(analysis.log(), /the analysis was cancelled/);
    await a.waitFor(new RegExp(`task ${task} cancelled`), 10_000);
    await assertQueueEmpty(redis.port);
    assert.match(a.log(), new RegExp(`task ${task} cancelled`));
    assert.equal(solvedIn(a), 0, 'no task ran on after the cancel');
    await a.stop();
  });

  it('a worker of another version refuses the task, and the submitter reports why', async () => {
    await redis.flush();
    const a = await worker();
    const solver = await QueueSolver.open({ url: redis.url, version: '0.0.0-other' });
    try {
      await assert.rejects(
        solver.solve(Float64Array.from([0, 1, 2, 4]), SolverOptions.parse({})),
        /this worker runs layerwise \S+ \(queue protocol 1\), the task comes from layerwise 0\.0\.0-other/
      );
    } finally {
      await solver.close();
    }
    await a.waitFor(/refused/, 10_000);
    await a.stop();
  });

  it('Redis restarting (empty) mid-run: the lost tasks are sent again and the run ends equal', async () => {
    await redis.flush();
    const spec = slowSpec('restart', 3_000_000);
    const local = await analyzeTo('restart-local', spec, 1);
    const a = await worker();
    const analysis = startCli(queuedRun(spec, 'restart-queued', 1));
    await a.waitFor(/task \w+ started/);
    await redis.kill();
    await redis.restart();
    assert.equal(await analysis.exit(), 0, analysis.log());
    assert.match(analysis.log(), /Redis lost task \w+ \(restarted\?\); sending it again/);
    assertSameInteractions(resultIn('restart-queued'), local);
    await a.stop('SIGKILL');
  });

  it('a worker stops on SIGTERM, with its Redis up or gone', async () => {
    const own = await startRedis();
    const exitWithin = async (stopped: TestWorker, seconds: number) => {
      const timer = setTimeout(() => stopped.process.kill('SIGKILL'), seconds * 1000);
      const code = await stopped.exit();
      clearTimeout(timer);
      return code;
    };
    try {
      const up = await startWorker(own.url);
      up.process.kill('SIGTERM');
      assert.equal(await exitWithin(up, 20), 0, up.log());

      const cutOff = await startWorker(own.url);
      await own.kill();
      await cutOff.waitFor(/ECONNREFUSED/);
      cutOff.process.kill('SIGTERM');
      // BullMQ alone would wait for Redis for ever (taskforcesh/bullmq#4656)
      assert.equal(await exitWithin(cutOff, 20), 0, cutOff.log());
      assert.match(
        cutOff.log(),
        /Redis at redis:\/\/127\.0\.0\.1:\d+ cannot be reached: stopped without it/
      );

      // Redis down from the start: the worker waits for it, and a SIGTERM still stops it
      const waiting = startCli(['worker', '--queue', own.url, '--concurrency', '1']);
      await waiting.waitFor(/ECONNREFUSED/);
      waiting.process.kill('SIGTERM');
      assert.equal(await exitWithin(waiting, 20), 0, waiting.log());
      assert.match(waiting.log(), /stopping before any task was taken/);
    } finally {
      await own.stop();
    }
  });

  it('a Redis that cannot be reached is reported, and the command ends', async () => {
    const port = await freePort();
    const started = Date.now();
    const run = await runCli([
      'analyze',
      demoSpec(dir, 'unreachable', { exclude: CENTRE, layers: ['logits'] }),
      '--out',
      join(dir, 'unreachable'),
      '--backend',
      'cpu',
      '--queue',
      `redis://127.0.0.1:${port}`
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `cannot reach Redis at redis://127\\.0\\.0\\.1:${port} within 15 s \\(connect ECONNREFUSED`
      )
    );
    assert.ok(Date.now() - started < 60_000);
  });

  it('Redis dying mid-run fails the run with the reason; once back, runs go on', async () => {
    await redis.flush();
    const spec = slowSpec('endless-too', 500_000_000);
    const a = await worker();
    const analysis = startCli(queuedRun(spec, 'redis-lost', 1));
    await a.waitFor(/task \w+ started/);
    const killed = Date.now();
    await redis.kill();
    assert.equal(await analysis.exit(), 1, analysis.log());
    const seconds = (Date.now() - killed) / 1000;
    assert.ok(seconds < 40, `reported after ${seconds} s`);
    assert.match(
      analysis.log(),
      /lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+ for \d+ s .*run the same analysis again/
    );
    assert.doesNotMatch(analysis.log(), /unexpected error/);
    // The old worker is still in its endless solve; a fresh one takes the new run's tasks.
    await a.stop('SIGKILL');
    await redis.restart();
    await worker();
    const spec6 = demoSpec(dir, 'centre-after', { exclude: CENTRE, layers: ['logits'] });
    const local = await analyzeTo('after-local', spec6, 1);
    assertSameInteractions(await analyzeTo('after-queued', spec6, 1, redis.url), local);
  });
});
