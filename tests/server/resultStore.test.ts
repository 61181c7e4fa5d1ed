/**
 * "Never lost results", in process: a full disk keeps the result in memory with a message,
 * and the next successful write saves it. Also the upload store's eviction and pins.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { after, it } from 'node:test';
import { CreateJobRequest, type AnalysisResult, type JobStatus } from '../../src/protocol/api';
import { JobQueue, type Executor } from '../../src/backend/server/jobQueue';
import { ResultStore, writeFileAtomic } from '../../src/backend/server/resultStore';
import { UploadStore } from '../../src/backend/server/uploads';

const dirs: string[] = [];
after(() => dirs.forEach(dir => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerwise-store-'));
  dirs.push(dir);
  return dir;
}

function request(name: string): CreateJobRequest {
  const id = 'e'.repeat(64);
  return CreateJobRequest.parse({
    name,
    model: { modelJson: id, weights: id },
    samples: id,
    options: { variables: [[0]] }
  });
}

async function settled(queue: JobQueue, id: string): Promise<JobStatus> {
  for (;;) {
    const job = queue.get(id);
    if (job.state !== 'queued' && job.state !== 'running') {
      return job;
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

/** Results stand in for AnalysisResult: the queue stores whatever the engine returns. */
const execute: Executor = async req => ({ name: req.name }) as unknown as AnalysisResult;
const key = (digit: string) => digit.repeat(64);

it('keeps a result in memory when the disk is full and saves it with the next write', async () => {
  const dir = tempDir();
  let full = true;
  const store = await ResultStore.open(dir, async (file, text) => {
    if (full && file.includes(`${path.sep}results${path.sep}`)) {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    }
    await writeFileAtomic(file, text);
  });
  const queue = new JobQueue({ store, uploads: await uploadStore(1024), execute, log: () => {} });

  const a = await settled(queue, queue.submit(request('a'), key('a')).id);
  assert.equal(a.state, 'done');
  assert.equal(a.persisted, false);
  assert.match(a.warning ?? '', /could not be saved: the disk holding .* is full \(ENOSPC\)/);
  assert.equal(JSON.parse(await queue.resultText(a.id)).name, 'a');
  assert.equal(existsSync(path.join(dir, 'results', `${key('a')}.json`)), false);

  full = false;
  const b = await settled(queue, queue.submit(request('b'), key('b')).id);
  assert.equal(b.persisted, true);
  const healed = queue.get(a.id);
  assert.equal(healed.persisted, true);
  assert.equal(healed.warning, null);
  assert.deepEqual(readdirSync(path.join(dir, 'results')).sort(), [
    `${key('a')}.json`,
    `${key('b')}.json`
  ]);

  const reopened = await ResultStore.open(dir);
  assert.deepEqual(
    reopened.restoredJobs().map(job => job.status.name),
    ['a', 'b']
  );
  assert.equal(JSON.parse((await reopened.getText(key('a'))) ?? '{}').name, 'a');
});

it('reports an engine bug briefly and a user error verbatim', async () => {
  const store = await ResultStore.open(tempDir());
  const failing: Executor = async req => {
    if (req.name === 'user') {
      throw Object.assign(new Error('the model has 2 inputs; one is supported'), {
        name: 'AnalysisInputError'
      });
    }
    throw new TypeError(`cannot read properties of undefined\n${'detail '.repeat(100)}`);
  };
  const logged: string[] = [];
  const queue = new JobQueue({
    store,
    uploads: await uploadStore(1024),
    execute: failing,
    log: message => logged.push(message)
  });
  const user = await settled(queue, queue.submit(request('user'), key('c')).id);
  assert.equal(user.error, 'the model has 2 inputs; one is supported');
  const bug = await settled(queue, queue.submit(request('bug'), key('d')).id);
  assert.equal(bug.error, 'internal error: cannot read properties of undefined');
  assert.match(logged.join('\n'), /TypeError: cannot read properties of undefined[\s\S]*at /);
});

/** An upload store in a fresh folder. */
function uploadStore(maxStoredBytes: number): Promise<UploadStore> {
  return UploadStore.open(tempDir(), { maxStoredBytes, maxInFlightBytes: 1 << 20 });
}

/** Stores bytes as an upload request body would arrive. */
async function put(uploads: UploadStore, bytes: Buffer): Promise<string> {
  const body = Object.assign(Readable.from([bytes]), { headers: {}, complete: true });
  const meta = { dtype: 'uint8' as const, shape: [bytes.length] };
  const info = await uploads.receive('array', body as unknown as IncomingMessage, meta, {
    limit: 1 << 20,
    idleMs: 5000
  });
  return info.id;
}

it('evicts the least recently used unpinned uploads', async () => {
  const uploads = await uploadStore(100);
  const a = await put(uploads, Buffer.alloc(40, 1));
  const b = await put(uploads, Buffer.alloc(40, 2));
  uploads.pin([a]);
  const c = await put(uploads, Buffer.alloc(40, 3));
  assert.ok(uploads.get(a), 'pinned upload kept');
  assert.equal(uploads.get(b), undefined, 'unpinned upload evicted');
  assert.ok(uploads.get(c));
  uploads.pin([c]);
  await assert.rejects(put(uploads, Buffer.alloc(40, 4)), /store is full/);
  await assert.rejects(uploads.delete(a), /still needs/);
  uploads.unpin([a]);
  assert.equal(await uploads.delete(a), true);
  assert.deepEqual(
    readdirSync(uploads.dir).sort(),
    [c, `${c}.json`].sort(),
    'evicted and deleted uploads leave no files'
  );
});
