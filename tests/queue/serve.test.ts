/**
 * `layerwise serve --queue` and a job naming its own queue (the panel's setting): the job's
 * result equals a local backend's, and cancelling the job stops the worker's task.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiRoutes } from '../../src/protocol/api';
import { AnalysisResult } from '../../src/protocol/result';
import {
  Client,
  jobRequest,
  startBackend,
  tinyModel,
  uploadAll,
  type Backend
} from '../server/helpers';
import {
  assertQueueEmpty,
  skipReason,
  startRedis,
  startWorker,
  type TestRedis,
  type TestWorker
} from './helpers';

const skip = skipReason();

describe('layerwise serve with a queue', { skip: skip ?? false }, () => {
  let redis: TestRedis;
  let worker: TestWorker;
  let queued: Backend;
  let local: Backend;
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layerwise-serve-queue-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    redis = await startRedis();
    worker = await startWorker(redis.url);
    queued = await startBackend(['--data-dir', dataDir(), '--queue', redis.url]);
    local = await startBackend(['--data-dir', dataDir()]);
  });
  after(async () => {
    await Promise.all([queued?.stop(), local?.stop(), worker?.stop('SIGKILL')]);
    await redis?.stop();
    dirs.forEach(dir => rmSync(dir, { recursive: true, force: true }));
  });

  const run = async (backend: Backend, options: Record<string, unknown>) => {
    const client = new Client(backend.url, backend.token);
    const job = await client.createJob(
      jobRequest(await uploadAll(client, await tinyModel()), options)
    );
    const done = await client.waitFor(job.id, 120_000);
    assert.equal(done.state, 'done', done.error ?? '');
    return AnalysisResult.parse(await client.json(apiRoutes.jobResult(job.id)));
  };

  it("a job's solves go to the workers; its result is the local one", async () => {
    const options = { solver: { kind: 'exact' }, layers: ['hidden', 'out'] };
    const expected = await run(local, options);
    const actual = await run(queued, options);
    assert.deepEqual(
      actual.perSample.map(layers => layers.map(l => [l.and, l.or])),
      expected.perSample.map(layers => layers.map(l => [l.and, l.or]))
    );
    assert.deepEqual(actual.metrics, expected.metrics);
    assert.match(worker.log(), /task \w+ solved/);
  });

  it("cancelling a job naming its queue stops the worker's task", async () => {
    await redis.flush();
    const client = new Client(local.url, local.token);
    const uploads = await uploadAll(client, await tinyModel());
    const from = worker.log().length;
    const job = await client.createJob({
      ...jobRequest(uploads, { solver: { kind: 'lab-sgd', steps: 500_000_000 }, force: true }),
      queue: redis.url
    });
    const [, task] = await worker.waitFor(/task (\w+) started/, 60_000, from);
    await client.json(apiRoutes.cancelJob(job.id), { method: 'POST' });
    assert.equal((await client.waitFor(job.id, 10_000)).state, 'cancelled');
    await worker.waitFor(new RegExp(`task ${task} cancelled`), 10_000);
    await assertQueueEmpty(redis.port);
  });
});
