/**
 * Results outlive the process: after a crash (SIGKILL) and a restart on the same data folder
 * every finished result is still served, an identical analysis returns at once, and the
 * uploads are still there. A results folder that cannot be written keeps results in memory, with a warning.
 * A SIGTERM stops it cleanly, even the moment it has started.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AnalysisResult, JobList, apiRoutes } from '../../src/protocol/api';
import { Client, jobRequest, startBackend, tinyModel, uploadAll, type TinyModel } from './helpers';

let dataDir: string;
let model: TinyModel;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-restart-'));
  model = await tinyModel(3);
});

after(() => rmSync(dataDir, { recursive: true, force: true }));

it('keeps finished results across a crash and answers identical analyses at once', async () => {
  const token = 'restart-test-token-0123456789abcdef';
  const first = await startBackend(['--data-dir', dataDir], { LAYERWISE_TOKEN: token });
  const client = new Client(first.url, token);
  assert.doesNotMatch(first.output(), /restart-test-token/, 'a given token is not printed');
  const uploads = await uploadAll(client, model);
  const request = jobRequest(uploads, { layers: [] }, 'kept');
  const job = await client.waitFor((await client.createJob(request)).id);
  assert.equal(job.state, 'done', job.error ?? '');
  assert.equal(job.persisted, true);
  const result = AnalysisResult.parse(await client.json(apiRoutes.jobResult(job.id)));
  assert.deepEqual(
    readdirSync(path.join(dataDir, 'results')).filter(name => !name.startsWith('.')),
    [`${job.resultKey}.json`],
    'one result file, no temporary files left'
  );
  await first.kill();

  const second = await startBackend(['--data-dir', dataDir], { LAYERWISE_TOKEN: token });
  try {
    const again = new Client(second.url, token);
    const listed = JobList.parse(await again.json(apiRoutes.jobs())).jobs;
    assert.deepEqual(
      listed.map(j => [j.id, j.state]),
      [[job.id, 'done']]
    );
    assert.deepEqual(AnalysisResult.parse(await again.json(apiRoutes.jobResult(job.id))), result);

    // Uploads were only in memory; the stored result does not need them.
    const started = Date.now();
    const repeat = await again.createJob(request);
    assert.equal(repeat.state, 'done');
    assert.equal(repeat.cached, true);
    assert.equal(repeat.resultKey, job.resultKey);
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(
      AnalysisResult.parse(await again.json(apiRoutes.jobResult(repeat.id))),
      result
    );

    // Uploads are kept on disk too: the same analysis can run again without them.
    const fresh = await again.createJob({ ...request, useCache: false });
    assert.equal((await again.waitFor(fresh.id)).state, 'done');
  } finally {
    await second.stop();
  }
});

it('keeps a result in memory with a warning when the results folder is unwritable', async () => {
  const broken = path.join(dataDir, 'broken');
  mkdirSync(broken);
  // A file where the results folder should be: unwritable even for root.
  writeFileSync(path.join(broken, 'results'), 'not a folder');
  const backend = await startBackend(['--data-dir', broken]);
  try {
    const client = new Client(backend.url, backend.token);
    const uploads = await uploadAll(client, model);
    const job = await client.waitFor((await client.createJob(jobRequest(uploads))).id);
    assert.equal(job.state, 'done', job.error ?? '');
    assert.equal(job.persisted, false);
    assert.match(job.warning ?? '', /could not be saved: .*is not a folder.*kept in memory/);
    const result = AnalysisResult.parse(await client.json(apiRoutes.jobResult(job.id)));
    assert.equal(result.samples.length, 2);
    const repeat = await client.createJob(jobRequest(uploads));
    assert.equal(repeat.cached, true);
    assert.equal(repeat.persisted, false);
  } finally {
    await backend.stop();
  }
});

it('stops cleanly on a SIGTERM sent the moment it says it listens', async () => {
  // It listens for the signals before it says so. Killed outright instead, it would leave its
  // working folder behind (exit by signal, not 0).
  for (let round = 0; round < 5; round++) {
    const backend = await startBackend(['--data-dir', dataDir]);
    await backend.stop();
    assert.deepEqual([backend.process.exitCode, backend.process.signalCode], [0, null]);
  }
});
