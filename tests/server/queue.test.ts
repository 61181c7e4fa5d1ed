/**
 * The single worker: 50 jobs submitted at once all finish, one at a time, and the
 * waiting ones report their queue position.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { JobList, apiRoutes, type JobStatus } from '../../src/protocol/api';
import { Client, jobRequest, startBackend, tinyModel, uploadAll, type Backend } from './helpers';

let backend: Backend;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-queue-'));
  backend = await startBackend(['--data-dir', dataDir]);
});

after(async () => {
  await backend.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs 50 jobs submitted at once, one at a time', async () => {
  const client = new Client(backend.url, backend.token);
  const uploads = await uploadAll(client, await tinyModel());
  // Different thresholds make 50 distinct analyses, so none is answered from the store.
  const requests = Array.from({ length: 50 }, (_, i) =>
    jobRequest(uploads, { salience: { tauFactor: (i + 1) / 1000 } }, `job ${i}`)
  );
  const created = await Promise.all(requests.map(request => client.createJob(request)));
  const ids = new Set(created.map(job => job.id));
  assert.equal(ids.size, 50);

  const snapshot = JobList.parse(await client.json(apiRoutes.jobs())).jobs;
  const queued = snapshot.filter(job => job.state === 'queued');
  assert.ok(queued.length > 0, 'some jobs wait');
  const positions = queued.map(job => job.queuePosition).sort((a, b) => (a ?? 0) - (b ?? 0));
  assert.deepEqual(
    positions,
    queued.map((_, i) => i + 1),
    'waiting jobs hold positions 1..k'
  );
  assert.ok(snapshot.filter(job => job.state === 'running').length <= 1);

  const finished: JobStatus[] = [];
  for (const job of created) {
    finished.push(await client.waitFor(job.id, 60_000));
  }
  for (const job of finished) {
    assert.equal(job.state, 'done', `${job.name}: ${job.error}`);
    assert.equal(job.cached, false);
  }
  // One worker: each job started after the previous one finished.
  const byStart = [...finished].sort((a, b) =>
    (a.startedAt ?? '').localeCompare(b.startedAt ?? '')
  );
  for (let i = 1; i < byStart.length; i++) {
    assert.ok((byStart[i].startedAt ?? '') >= (byStart[i - 1].finishedAt ?? ''), 'jobs overlapped');
  }
  assert.equal(new Set(finished.map(job => job.resultKey)).size, 50);
});
