/**
 * Crashes: the backend is killed (SIGKILL) again and again at seeded random moments while
 * jobs run, results are written and an upload streams in, and restarted on the same data
 * folder each time. Nothing finished is lost, no partial or temporary file survives a
 * restart, and every job that was queued or running is listed as interrupted, ready to
 * resubmit in one call.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AnalysisResult, JobList, apiRoutes, type JobStatus } from '../../src/protocol/api';
import {
  Client,
  jobRequest,
  startBackend,
  tinyModel,
  uploadAll,
  type Backend,
  type TinyModel,
  type Uploaded
} from './helpers';

const TOKEN = 'crash-test-token-0123456789abcdefghij';
const ROUNDS = 6;
const JOBS_PER_ROUND = 5;

let dataDir: string;
let model: TinyModel;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-crash-'));
  model = await tinyModel(5);
});

after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Deterministic in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function temporaries(): string[] {
  return ['results', 'jobs', 'uploads'].flatMap(dir =>
    readdirSync(path.join(dataDir, dir))
      .filter(name => name.endsWith('.tmp'))
      .map(name => `${dir}/${name}`)
  );
}

/** Starts an upload whose body never completes: the kill lands mid-write. */
function halfUpload(backend: Backend): void {
  const url = new URL(backend.url);
  const size = 256 * 1024;
  const socket = connect(Number(url.port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `POST /${apiRoutes.uploadArray('uint8', [size])} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `X-Layerwise-Token: ${TOKEN}\r\nX-Layerwise-Request: 1\r\nContent-Length: ${size}\r\n\r\n`
  );
  socket.write(Buffer.alloc(size / 2, 1));
}

it('survives repeated SIGKILLs mid-job and mid-write without losing anything finished', async t => {
  const next = random(9);
  /** Every job seen done, with its result as fetched before the kill. */
  const finished = new Map<string, unknown>();
  const submitted = new Set<string>();
  let uploads: Uploaded | null = null;
  const interruptedSeen = new Set<string>();
  /** Jobs of minutes, which no round outlasts: never resubmitted. */
  const blockers = new Set<string>();
  let resubmitted = 0;

  for (let round = 0; round <= ROUNDS; round++) {
    const backend = await startBackend(['--data-dir', dataDir], { LAYERWISE_TOKEN: TOKEN });
    const client = new Client(backend.url, TOKEN);
    try {
      assert.deepEqual(temporaries(), [], `round ${round}: temporary files left after start-up`);
      for (const name of readdirSync(path.join(dataDir, 'results'))) {
        const text = readFileSync(path.join(dataDir, 'results', name), 'utf8');
        AnalysisResult.parse(JSON.parse(text));
      }
      const listed = new Map(
        JobList.parse(await client.json(apiRoutes.jobs())).jobs.map(job => [job.id, job])
      );
      for (const [id, result] of finished) {
        assert.equal(listed.get(id)?.state, 'done', `round ${round}: finished job ${id} lost`);
        assert.deepEqual(await client.json(apiRoutes.jobResult(id)), result);
      }
      for (const id of submitted) {
        const job = listed.get(id);
        assert.ok(job, `round ${round}: job ${id} is not listed`);
        assert.ok(
          ['done', 'interrupted'].includes(job.state),
          `round ${round}: job ${id} is ${job.state}`
        );
      }
      const interrupted = [...listed.values()].filter(
        job => job.state === 'interrupted' && submitted.has(job.id)
      );
      interrupted.forEach(job => interruptedSeen.add(job.id));
      if (round === ROUNDS) {
        // The last start: one interrupted job runs again in one call, then we stop.
        const again = interrupted.find(job => !blockers.has(job.id));
        assert.ok(again, 'some job was interrupted by a kill');
        assert.match(again.error ?? '', /stopped before this job finished; resubmit/);
        const job = await client.json<JobStatus>(
          apiRoutes.resubmitJob(again.id),
          { method: 'POST' },
          201
        );
        const done = await client.waitFor(job.id, 60_000);
        assert.equal(done.state, 'done', done.error ?? '');
        resubmitted++;
        break;
      }

      uploads ??= await uploadAll(client, model);
      halfUpload(backend);
      for (let i = 0; i < JOBS_PER_ROUND; i++) {
        const slow = next() < 0.5;
        const options = {
          salience: { tauFactor: (round * JOBS_PER_ROUND + i + 1) / 1000 },
          ...(slow ? { solver: { kind: 'lab-sgd', steps: 300_000 } } : {})
        };
        const job = await client.createJob({
          ...jobRequest(uploads, options, `r${round}j${i}`),
          useCache: false
        });
        submitted.add(job.id);
      }
      // A job far longer than any round, then a quick one queued behind it: whatever the
      // machine's speed, every kill interrupts a job (the single worker runs them in order).
      for (const [name, options] of [
        ['blocker', { solver: { kind: 'lab-sgd', steps: 100_000_000 }, force: true }],
        ['victim', {}]
      ] as const) {
        const job = await client.createJob({
          ...jobRequest(
            uploads,
            { ...options, salience: { tauFactor: (500 + 10 * round + submitted.size) / 1000 } },
            `r${round}${name}`
          ),
          useCache: false
        });
        submitted.add(job.id);
        if (name === 'blocker') {
          blockers.add(job.id);
        }
      }
      const deadline = Date.now() + 200 + next() * 2500;
      while (Date.now() < deadline) {
        for (const job of JobList.parse(await client.json(apiRoutes.jobs())).jobs) {
          if (job.state === 'done' && submitted.has(job.id) && !finished.has(job.id)) {
            finished.set(job.id, await client.json(apiRoutes.jobResult(job.id)));
          }
        }
        await new Promise(resolve => setTimeout(resolve, 20));
      }
    } finally {
      await backend.kill();
    }
  }
  assert.ok(finished.size > 0, 'some job finished between kills');
  assert.ok(interruptedSeen.size > 0, 'some kill interrupted a job');
  assert.equal(resubmitted, 1);
  t.diagnostic(
    `kills survived: ${ROUNDS}; jobs submitted: ${submitted.size}; finished and held: ` +
      `${finished.size}; listed as interrupted: ${interruptedSeen.size}`
  );
});

it('removes temporary files that a killed writer left, keeping those of a live one', async () => {
  const dead = 2 ** 22 + 12345;
  const live = process.pid;
  const planted = [
    `results/.${'a'.repeat(64)}.json.${dead}.0badc0de.tmp`,
    `jobs/.0123456789abcdef.json.${dead}.0badc0de.tmp`,
    `uploads/.upload.${dead}.0badc0de0bad.tmp`,
    `uploads/.upload.${live}.0badc0de0bad.tmp`
  ];
  for (const file of planted) {
    writeFileSync(path.join(dataDir, file), '{"partial');
  }
  const backend = await startBackend(['--data-dir', dataDir], { LAYERWISE_TOKEN: TOKEN });
  try {
    assert.deepEqual(temporaries(), [planted[3]]);
    assert.match(backend.output(), /left by a write that never finished/);
  } finally {
    await backend.stop();
    rmSync(path.join(dataDir, planted[3]));
  }
});
