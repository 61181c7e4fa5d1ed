/**
 * The backend's HTTP + WebSocket API against the real process on loopback: auth, uploads,
 * validation errors, a job followed over WebSocket, cancel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  AnalysisResult,
  ErrorBody,
  Health,
  JobEvent,
  JobList,
  JobStatus,
  UploadInfo,
  apiRoutes
} from '../../src/protocol/api';
import {
  Client,
  jobRequest,
  startBackend,
  tinyModel,
  uploadAll,
  type Backend,
  type Uploaded
} from './helpers';

let backend: Backend;
let client: Client;
let uploads: Uploaded;
let dataDir: string;

/** A 4xx with an ErrorBody whose message mentions `fragment` and carries no stack trace. */
async function expectError(
  response: Response,
  status: number,
  fragment: RegExp
): Promise<ErrorBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const body = ErrorBody.parse(JSON.parse(text));
  assert.match(body.error.message, fragment);
  assert.doesNotMatch(text, /\n\s+at |\.ts:\d+/);
  return body;
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

/**
 * Polls until the job's forward passes or its solves run (its start-up and probes are behind
 * it). A small model's passes can end between two polls, and its solves follow them.
 */
async function untilPasses(client: Client, jobId: string): Promise<void> {
  const computing = (stage?: string) => stage === 'passes' || stage === 'solves';
  for (let i = 0; !computing((await client.job(jobId)).progress?.stage); i++) {
    assert.ok(i < 600, `job ${jobId} never reached its passes`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

function events(url: string, token: string | null, jobId?: string): WebSocket {
  const target = new URL(apiRoutes.events(jobId), url.replace(/^http/, 'ws'));
  return new WebSocket(target, token === null ? {} : { headers: { 'x-layerwise-token': token } });
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-api-'));
  backend = await startBackend(['--data-dir', dataDir, '--max-upload-mb', '0.5']);
  client = new Client(backend.url, backend.token);
  uploads = await uploadAll(client, await tinyModel());
});

after(async () => {
  await backend.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('auth', () => {
  it('prints a random token once and serves health with it', async () => {
    assert.match(backend.token, /^[0-9a-f]{48}$/);
    assert.equal(backend.output().split(backend.token).length, 2);
    const health = Health.parse(await client.json(apiRoutes.health()));
    assert.equal(health.limits.maxUploadBytes, 512 * 1024);
    assert.equal(health.computeThreads, availableParallelism());
  });

  it('refuses every route without the right token', async () => {
    const routes: [string, string][] = [
      ['GET', apiRoutes.health()],
      ['GET', apiRoutes.jobs()],
      ['POST', apiRoutes.jobs()],
      ['POST', apiRoutes.uploadWeights()],
      ['GET', apiRoutes.upload(uploads.samples)],
      ['GET', 'api/no-such-route']
    ];
    for (const [method, route] of routes) {
      const bare = await fetch(new URL(route, backend.url), { method });
      await expectError(bare, 401, /token/);
      const wrong = await fetch(new URL(route, backend.url), {
        method,
        headers: { 'x-layerwise-token': 'not-the-token' }
      });
      await expectError(wrong, 401, /token/);
    }
    const bearer = await fetch(new URL(apiRoutes.health(), backend.url), {
      headers: { authorization: `Bearer ${backend.token}` }
    });
    assert.equal(bearer.status, 200);
  });

  it('refuses a WebSocket without the token', async () => {
    const ws = events(backend.url, null);
    const status = await new Promise<number>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('opened without a token')));
      ws.on('error', () => undefined);
    });
    assert.equal(status, 401);
  });
});

describe('uploads', () => {
  it('stores content once, addressed by its hash', async () => {
    const first = await client.uploadArray('int32', [3], Int32Array.from([1, 2, 3]));
    const again = await client.uploadArray('int32', [3], Int32Array.from([1, 2, 3]));
    const reshaped = await client.uploadArray('int32', [1, 3], Int32Array.from([1, 2, 3]));
    assert.equal(first, again);
    assert.notEqual(first, reshaped);
    const info = UploadInfo.parse(await client.json(apiRoutes.upload(first)));
    assert.deepEqual([info.kind, info.dtype, info.shape, info.bytes], ['array', 'int32', [3], 12]);
    assert.equal((await client.request(apiRoutes.upload(first), { method: 'HEAD' })).status, 200);
    assert.equal((await client.request(apiRoutes.upload(first), { method: 'DELETE' })).status, 204);
    await expectError(await client.request(apiRoutes.upload(first)), 404, /no upload/);
  });

  it('answers malformed uploads with 4xx and a message', async () => {
    const post = (route: string, body: Uint8Array) =>
      client.request(route, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' }
      });
    await expectError(
      await post(apiRoutes.uploadArray('float32', [2, 2]), new Uint8Array(12)),
      400,
      /16 bytes/
    );
    await expectError(
      await post('api/uploads/array?dtype=float16&shape=2', new Uint8Array(4)),
      400,
      /dtype/
    );
    await expectError(
      await post('api/uploads/array?dtype=float32&shape=2,x', new Uint8Array(8)),
      400,
      /shape/
    );
    await expectError(
      await post(apiRoutes.uploadModelJson(), new TextEncoder().encode('{"a": 1')),
      400,
      /JSON/
    );
    await expectError(
      await post(apiRoutes.uploadModelJson(), new TextEncoder().encode('{"a": 1}')),
      400,
      /modelTopology/
    );
    await expectError(
      await post(apiRoutes.uploadWeights(), new Uint8Array(600 * 1024)),
      413,
      /larger than the limit of 512 KiB; start the backend with a larger --max-upload-mb/
    );
  });
});

describe('jobs', () => {
  it('answers malformed job requests with 4xx and a message', async () => {
    const post = (body: string, type = 'application/json') =>
      client.request(apiRoutes.jobs(), { method: 'POST', body, headers: { 'content-type': type } });
    await expectError(await post('{"model": '), 400, /not valid JSON/);
    await expectError(await post('{}', 'text/plain'), 415, /application\/json/);
    await expectError(await post('{}'), 400, /invalid job request/);
    const good = jobRequest(uploads);
    const bad = (changes: object) => post(JSON.stringify({ ...good, ...changes }));
    await expectError(await bad({ options: { variables: [] } }), 400, /variables/);
    await expectError(
      await bad({ options: { variables: [[0]], solver: { kind: 'magic' } } }),
      400,
      /solver/
    );
    await expectError(await bad({ samples: 'f'.repeat(64) }), 400, /samples: no upload/);
    await expectError(await bad({ samples: uploads.modelJson }), 400, /not a array|model-json/);
    await expectError(
      await bad({ sampleLabels: uploads.trainingLabels }),
      400,
      /sampleLabels must have shape \[2\]/
    );
    await expectError(
      await bad({ training: { inputs: uploads.samples, labels: uploads.trainingLabels } }),
      400,
      /training.labels/
    );
    await expectError(await client.request(apiRoutes.job('nope')), 404, /no job nope/);
    await expectError(
      await client.request(apiRoutes.cancelJob('nope'), { method: 'POST' }),
      404,
      /no job/
    );
    await expectError(
      await client.request(apiRoutes.jobs(), { method: 'PUT' }),
      405,
      /not allowed/
    );
    await expectError(await client.request(apiRoutes.result('12')), 400, /hex id/);
  });

  it('reports a user error of the engine verbatim', async () => {
    const job = await client.createJob(jobRequest(uploads, { layers: ['no-such-layer'] }));
    const done = await client.waitFor(job.id);
    assert.equal(done.state, 'failed');
    assert.match(done.error ?? '', /unknown layer 'no-such-layer'/);
    await expectError(await client.request(apiRoutes.jobResult(job.id)), 409, /failed/);
  });

  it('streams progress over WebSocket and serves a valid result', async () => {
    const ws = events(backend.url, backend.token);
    const received: JobEvent[] = [];
    ws.on('message', data => received.push(JobEvent.parse(JSON.parse(String(data)))));
    await until(() => received.length > 0);
    const job = await client.createJob(
      jobRequest(uploads, { layers: [], salience: { tauFactor: 0.02 } }, 'streamed')
    );
    const isFinal = (e: JobEvent) =>
      e.type === 'job' && e.job.id === job.id && e.job.state === 'done';
    await until(() => received.some(isFinal));
    const final = received.find(isFinal);
    assert.ok(final?.type === 'job');
    const finished = final.job;
    ws.close();
    assert.equal(received[0].type, 'snapshot');
    const progress = received.flatMap(e =>
      e.type === 'job' && e.job.id === job.id && e.job.progress ? [e.job.progress] : []
    );
    const stages = new Set(progress.map(p => p.stage));
    for (const stage of ['loading', 'probes', 'passes', 'done']) {
      assert.ok(stages.has(stage), `no '${stage}' event among ${[...stages].join(', ')}`);
    }
    const fractions = progress.map(p => p.fraction);
    assert.deepEqual(
      fractions,
      [...fractions].sort((a, b) => a - b),
      'fractions never go back'
    );
    assert.ok(
      progress.some(p => p.etaSeconds !== null && p.fraction < 1),
      'some event has an ETA'
    );
    assert.equal(finished.persisted, true);

    const result = AnalysisResult.parse(await client.json(apiRoutes.jobResult(job.id)));
    assert.deepEqual(
      result.layers.map(l => l.name),
      ['hidden', 'out']
    );
    assert.equal(result.samples.length, 2);
    assert.deepEqual(
      result.samples.map(s => s.label),
      [0, 2]
    );
    assert.equal(result.options.salience.tauFactor, 0.02);
    const byKey = AnalysisResult.parse(await client.json(apiRoutes.result(finished.resultKey)));
    assert.deepEqual(byKey, result);
    const list = JobList.parse(await client.json(apiRoutes.jobs()));
    assert.equal(list.jobs[0].id, job.id, 'newest first');
  });

  it('cancels a job in the middle of a long solve without waiting for it', async () => {
    // One first-order solve of a hundred million steps: minutes, in a solver thread.
    const slow = jobRequest(
      uploads,
      { solver: { kind: 'lab-sgd', steps: 100_000_000 }, force: true },
      'slow'
    );
    const job = await client.createJob({ ...slow, useCache: false });
    await untilPasses(client, job.id);
    await new Promise(resolve => setTimeout(resolve, 500));
    const asked = Date.now();
    await client.json(apiRoutes.cancelJob(job.id), { method: 'POST' });
    const stopped = await client.waitFor(job.id, 10_000);
    assert.equal(stopped.state, 'cancelled');
    assert.ok(Date.now() - asked < 3000, `cancel took ${Date.now() - asked} ms`);
  });

  it('cancels a queued job and a running one', async () => {
    // Many noise draws make a job that runs for a while, checking its signal between chunks.
    const long = jobRequest(
      uploads,
      { stability: { enabled: true, draws: 20000 }, force: true },
      'long'
    );
    const running = await client.createJob(long);
    const queued = await client.createJob({
      ...long,
      options: { ...long.options, batchSize: 512 }
    });
    assert.equal((await client.job(queued.id)).queuePosition, 1);
    const cancelledQueued = JobStatus.parse(
      await client.json(apiRoutes.cancelJob(queued.id), { method: 'POST' })
    );
    assert.equal(cancelledQueued.state, 'cancelled');
    await untilPasses(client, running.id);
    const asked = Date.now();
    await client.json(apiRoutes.cancelJob(running.id), { method: 'POST' });
    const stopped = await client.waitFor(running.id, 10_000);
    assert.equal(stopped.state, 'cancelled');
    assert.ok(Date.now() - asked < 5000, `cancel took ${Date.now() - asked} ms`);
    await expectError(
      await client.request(apiRoutes.cancelJob(running.id), { method: 'POST' }),
      409,
      /already finished/
    );
    await expectError(await client.request(apiRoutes.jobResult(running.id)), 409, /cancelled/);
  });
});
