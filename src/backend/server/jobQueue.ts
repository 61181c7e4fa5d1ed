/**
 * Jobs and the single worker that runs them in submission order: the tensors of two analyses
 * never compete for memory. Waiting jobs know their queue position; a job whose result the
 * store already holds finishes at once without running.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AnalysisResult, CreateJobRequest, JobStatus, Progress } from '../../protocol/api';
import { HttpError } from './http';
import type { ResultStore } from './resultStore';
import type { UploadStore } from './uploads';

export interface StageProgress {
  stage: string;
  /** Fraction of the whole job, 0..1. */
  fraction: number;
  message?: string;
  /**
   * Seconds left as the executor measured them (null: not known yet); when absent, the
   * queue extrapolates the whole job's fraction over its elapsed time.
   */
  etaSeconds?: number | null;
}

/** Runs one analysis; rejects when `signal` aborts. */
export type Executor = (
  request: CreateJobRequest,
  signal: AbortSignal,
  onProgress: (progress: StageProgress) => void
) => Promise<AnalysisResult>;

/** An error whose message the user should read as it is (a mistake in their input). */
export function isUserError(error: unknown): error is Error {
  return (
    error instanceof Error &&
    (error.name === 'AnalysisInputError' ||
      error.name === 'UserError' ||
      error instanceof HttpError)
  );
}

function isCancelled(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AnalysisCancelledError');
}

/** One line, short enough for a job list. */
function shortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The uploads a request needs. */
export function uploadIdsOf(request: CreateJobRequest): string[] {
  const ids =
    request.model.format === 'onnx'
      ? [request.model.onnx, request.samples]
      : [request.model.modelJson, request.model.weights, request.samples];
  if (request.sampleLabels !== undefined) {
    ids.push(request.sampleLabels);
  }
  if (request.training !== undefined) {
    ids.push(request.training.inputs, request.training.labels);
  }
  return ids;
}

interface Job {
  status: JobStatus;
  /** Dropped once the job finishes, so its uploads can be evicted. */
  request: CreateJobRequest | null;
  controller: AbortController | null;
  lastProgressEmit: number;
  /** An interrupted job's request, kept to run it again. */
  resubmit: CreateJobRequest | null;
}

export interface JobQueueOptions {
  store: ResultStore;
  uploads: UploadStore;
  execute: Executor;
  log: (message: string) => void;
  /** Least milliseconds between two progress events of one job (state changes are never held). */
  progressIntervalMs?: number;
}

export class JobQueue extends EventEmitter<{ change: [JobStatus]; idle: [] }> {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private working = false;
  private stopping = false;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: JobQueueOptions) {
    super();
    // One listener per open WebSocket: many browser tabs are not a leak.
    this.setMaxListeners(0);
    this.progressIntervalMs = options.progressIntervalMs ?? 200;
    for (const { status, request } of options.store.restoredJobs()) {
      this.jobs.set(status.id, {
        status,
        request: null,
        controller: null,
        lastProgressEmit: 0,
        resubmit: request
      });
    }
  }

  /** Newest first. */
  list(): JobStatus[] {
    return [...this.jobs.values()].map(job => job.status).reverse();
  }

  get(id: string): JobStatus {
    return this.find(id).status;
  }

  submit(request: CreateJobRequest, resultKey: string): JobStatus {
    const now = new Date().toISOString();
    const status: JobStatus = {
      id: randomBytes(8).toString('hex'),
      name: request.name ?? null,
      state: 'queued',
      queuePosition: null,
      progress: null,
      resultKey,
      cached: false,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      error: null,
      warning: null,
      persisted: false
    };
    const job: Job = { status, request, controller: null, lastProgressEmit: 0, resubmit: null };
    this.jobs.set(status.id, job);
    if (request.useCache && this.options.store.has(resultKey)) {
      this.finishFromStore(job);
      return job.status;
    }
    void this.options.store.saveJob(status, request);
    this.options.uploads.pin(uploadIdsOf(request));
    this.waiting.push(job);
    this.updatePositions();
    void this.work();
    return job.status;
  }

  /** The request of an interrupted job, to submit again. */
  interruptedRequest(id: string): CreateJobRequest {
    const job = this.find(id);
    if (job.status.state !== 'interrupted') {
      throw new HttpError(
        409,
        'not-interrupted',
        `job ${id} is ${job.status.state}; only an interrupted job can be resubmitted`
      );
    }
    if (job.resubmit === null) {
      throw new HttpError(
        409,
        'no-request',
        `job ${id} was saved without its request by an older backend; submit it again from the panel`
      );
    }
    return job.resubmit;
  }

  cancel(id: string): JobStatus {
    const job = this.find(id);
    const { status } = job;
    if (status.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.release(job);
      this.update(job, {
        state: 'cancelled',
        queuePosition: null,
        finishedAt: new Date().toISOString()
      });
      this.record(job);
      this.updatePositions();
    } else if (status.state === 'running') {
      job.controller?.abort();
      this.update(job, {
        progress: { ...(status.progress ?? { fraction: 0, etaSeconds: null }), stage: 'cancelling' }
      });
    } else {
      throw new HttpError(409, 'finished', `job ${id} has already finished (${status.state})`);
    }
    return job.status;
  }

  /** The finished job's result as JSON text. */
  async resultText(id: string): Promise<string> {
    const { status } = this.find(id);
    if (status.state !== 'done') {
      const why =
        status.state === 'failed'
          ? `it failed: ${status.error}`
          : status.state === 'cancelled'
            ? 'it was cancelled'
            : status.state === 'interrupted'
              ? 'the backend stopped before it finished; resubmit it'
              : `it is ${status.state}`;
      throw new HttpError(409, 'not-done', `job ${id} has no result: ${why}`);
    }
    const text = await this.options.store.getText(status.resultKey);
    if (text === null) {
      throw new HttpError(410, 'gone', `the result of job ${id} is no longer in the store`);
    }
    return text;
  }

  /** Cancels every waiting and running job; resolves once the worker has stopped. */
  shutdown(): Promise<void> {
    this.stopping = true;
    for (const job of [...this.waiting]) {
      this.cancel(job.status.id);
    }
    for (const job of this.jobs.values()) {
      job.controller?.abort();
    }
    if (!this.working) {
      return Promise.resolve();
    }
    return new Promise(resolve => this.once('idle', resolve));
  }

  /**
   * Saves a job that ended without a result. Jobs that the shutdown stops keep their
   * 'queued' record, so the next start lists them as interrupted, to resubmit.
   */
  private record(job: Job): void {
    if (!this.stopping) {
      void this.options.store.saveJob(job.status);
    }
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) {
      throw new HttpError(404, 'not-found', `no job ${id}`);
    }
    return job;
  }

  private update(job: Job, changes: Partial<JobStatus>): void {
    job.status = { ...job.status, ...changes };
    this.emit('change', job.status);
  }

  private updatePositions(): void {
    this.waiting.forEach((job, index) => {
      if (job.status.queuePosition !== index + 1) {
        this.update(job, { queuePosition: index + 1 });
      }
    });
  }

  private release(job: Job): void {
    if (job.request) {
      this.options.uploads.unpin(uploadIdsOf(job.request));
      job.request = null;
    }
    job.controller = null;
  }

  private finishFromStore(job: Job): void {
    const now = new Date().toISOString();
    const persisted = this.options.store.isPersisted(job.status.resultKey);
    this.update(job, {
      state: 'done',
      cached: true,
      queuePosition: null,
      progress: { stage: 'done', fraction: 1, etaSeconds: 0 },
      startedAt: job.status.startedAt ?? now,
      finishedAt: now,
      persisted,
      warning: persisted ? null : 'the result is only in memory: it could not be saved to disk'
    });
    job.request = null;
    if (persisted) {
      void this.options.store.saveJob(job.status);
    }
  }

  private async work(): Promise<void> {
    if (this.working) {
      return;
    }
    this.working = true;
    try {
      for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
        this.updatePositions();
        await this.run(job);
        // Let pending requests (uploads, polls, cancels) in between two jobs.
        await new Promise(resolve => setImmediate(resolve));
      }
    } finally {
      this.working = false;
      this.emit('idle');
    }
  }

  private async run(job: Job): Promise<void> {
    const request = job.request;
    if (!request) {
      return;
    }
    if (request.useCache && this.options.store.has(job.status.resultKey)) {
      // An identical job queued earlier has just produced this result.
      this.release(job);
      this.finishFromStore(job);
      return;
    }
    const controller = new AbortController();
    job.controller = controller;
    const started = Date.now();
    this.update(job, {
      state: 'running',
      queuePosition: null,
      startedAt: new Date(started).toISOString(),
      progress: { stage: 'starting', fraction: 0, etaSeconds: null }
    });
    const onProgress = (progress: StageProgress): void => {
      if (job.status.state !== 'running' || controller.signal.aborted) {
        return;
      }
      const fraction = Math.min(1, Math.max(0, progress.fraction));
      const elapsed = (Date.now() - started) / 1000;
      // Linear extrapolation; below 2% done it would mostly be start-up noise.
      const extrapolated = fraction >= 0.02 ? (elapsed * (1 - fraction)) / fraction : null;
      const etaSeconds = progress.etaSeconds === undefined ? extrapolated : progress.etaSeconds;
      const next: Progress = { stage: progress.stage, fraction, etaSeconds };
      if (progress.message !== undefined) {
        next.message = progress.message;
      }
      const stageChanged = job.status.progress?.stage !== progress.stage;
      job.status = { ...job.status, progress: next };
      const now = Date.now();
      if (stageChanged || now - job.lastProgressEmit >= this.progressIntervalMs) {
        job.lastProgressEmit = now;
        this.emit('change', job.status);
      }
    };
    try {
      const result = await this.options.execute(request, controller.signal, onProgress);
      await this.finish(job, JSON.stringify(result));
    } catch (error) {
      const finishedAt = new Date().toISOString();
      if (isCancelled(error, controller.signal)) {
        this.update(job, { state: 'cancelled', finishedAt });
      } else if (isUserError(error)) {
        this.update(job, { state: 'failed', finishedAt, error: error.message });
      } else {
        this.options.log(
          `job ${job.status.id} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
        );
        this.update(job, {
          state: 'failed',
          finishedAt,
          error: `internal error: ${shortMessage(error)}`
        });
      }
      this.record(job);
    } finally {
      this.release(job);
    }
  }

  /** Saves the result, then any kept in memory, and only then reports the job done. */
  private async finish(job: Job, resultText: string): Promise<void> {
    const { store } = this.options;
    const outcome = await store.save(job.status.resultKey, resultText);
    if (outcome.warning !== null) {
      this.options.log(`job ${job.status.id}: ${outcome.warning}`);
    }
    if (outcome.persisted) {
      const saved = new Set(await store.flushPending());
      for (const other of this.jobs.values()) {
        if (saved.has(other.status.resultKey) && other.status.state === 'done') {
          this.update(other, { persisted: true, warning: null });
          await store.saveJob(other.status);
        }
      }
    }
    const done: JobStatus = {
      ...job.status,
      state: 'done',
      finishedAt: new Date().toISOString(),
      progress: { stage: 'done', fraction: 1, etaSeconds: 0 },
      persisted: outcome.persisted,
      warning: outcome.warning
    };
    if (outcome.persisted) {
      await store.saveJob(done);
    }
    this.update(job, done);
  }
}
