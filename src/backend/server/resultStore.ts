/**
 * Finished results on disk, keyed by a hash of model bytes, data bytes and options, so an
 * identical analysis returns at once and a restart keeps every finished result. Files are
 * written atomically (temporary file, fsync, rename). When the disk is full or the folder is
 * not writable, the result stays in memory and the job says so: a result is never lost while
 * the backend runs, and it is saved with the next successful write.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CreateJobRequest, JobStatus } from '../../protocol/api';

/** Writes `text` to `file` so that readers see the old file or the whole new one. */
export type FileWriter = (file: string, text: string) => Promise<void>;

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  );
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that a process killed mid-write left in `dir`. Their names carry
 * the writer's pid: those of another backend still running on the same folder are its
 * writes in progress, and stay.
 */
export async function removeOrphanTemporaries(
  dir: string,
  log: (message: string) => void
): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const match = /^\..*\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (!match) {
      continue;
    }
    const pid = Number(match[1]);
    if (pid !== process.pid && isRunning(pid)) {
      continue;
    }
    await fs.rm(path.join(dir, name), { force: true });
    log(`removed ${path.join(dir, name)}, left by a write that never finished`);
  }
}

/** A job found on disk: finished, or interrupted with the request to run it again. */
export interface RestoredJob {
  status: JobStatus;
  request: CreateJobRequest | null;
}

/** Why a write failed, in words for the job's message. */
export function describeWriteError(dir: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // The exact path that failed (e.g. a file where a folder should be), when the error has it.
  const where = (error as NodeJS.ErrnoException | null)?.path ?? dir;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk holding ${dir} is full (${code})`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `${where} is not writable (${code})`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${where} is not a folder (${code})`;
    default:
      return `writing to ${dir} failed (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}

export interface SaveOutcome {
  persisted: boolean;
  /** Why the result is only in memory; null when it is on disk. */
  warning: string | null;
}

export class ResultStore {
  private readonly resultsDir: string | null;
  private readonly jobsDir: string | null;
  /** Keys whose file is on disk. */
  private readonly onDisk = new Set<string>();
  /** Results that could not be written yet, as JSON text. */
  private readonly pending = new Map<string, string>();
  private jobs: RestoredJob[] = [];
  /** Each job's record writes, in order: a late 'queued' must not overwrite 'done'. */
  private readonly jobWrites = new Map<string, Promise<boolean>>();
  private readonly writer: FileWriter;
  /** Set when the folders could not be created: everything stays in memory. */
  private setupError: string | null = null;

  private constructor(
    readonly dir: string | null,
    writer: FileWriter
  ) {
    this.resultsDir = dir === null ? null : path.join(dir, 'results');
    this.jobsDir = dir === null ? null : path.join(dir, 'jobs');
    this.writer = writer;
  }

  /** Opens (or creates) the store under `dir`; null keeps everything in memory. */
  static async open(
    dir: string | null,
    writer: FileWriter = writeFileAtomic,
    log: (message: string) => void = () => {}
  ): Promise<ResultStore> {
    const store = new ResultStore(dir, writer);
    await store.load(log);
    return store;
  }

  get diskProblem(): string | null {
    return this.setupError;
  }

  /** Jobs saved by earlier runs of the backend, oldest first. */
  restoredJobs(): RestoredJob[] {
    return this.jobs;
  }

  has(key: string): boolean {
    return this.pending.has(key) || this.onDisk.has(key);
  }

  isPersisted(key: string): boolean {
    return this.onDisk.has(key);
  }

  /** The result as JSON text, or null if the store does not hold it (or its file is gone). */
  async getText(key: string): Promise<string | null> {
    const pending = this.pending.get(key);
    if (pending !== undefined) {
      return pending;
    }
    if (!this.onDisk.has(key) || this.resultsDir === null) {
      return null;
    }
    try {
      return await fs.readFile(path.join(this.resultsDir, `${key}.json`), 'utf8');
    } catch {
      this.onDisk.delete(key);
      return null;
    }
  }

  async save(key: string, resultText: string): Promise<SaveOutcome> {
    if (this.resultsDir === null) {
      this.pending.set(key, resultText);
      return { persisted: false, warning: 'the backend runs without a data folder' };
    }
    if (this.setupError !== null) {
      this.pending.set(key, resultText);
      return { persisted: false, warning: this.memoryWarning(this.setupError) };
    }
    try {
      await this.writer(path.join(this.resultsDir, `${key}.json`), resultText);
    } catch (error) {
      this.pending.set(key, resultText);
      return {
        persisted: false,
        warning: this.memoryWarning(describeWriteError(this.resultsDir, error))
      };
    }
    this.pending.delete(key);
    this.onDisk.add(key);
    return { persisted: true, warning: null };
  }

  /** Tries again to write results kept in memory; returns the keys now on disk. */
  async flushPending(): Promise<string[]> {
    const saved: string[] = [];
    if (this.resultsDir === null || this.setupError !== null) {
      return saved;
    }
    for (const [key, text] of [...this.pending]) {
      try {
        await this.writer(path.join(this.resultsDir, `${key}.json`), text);
      } catch {
        break;
      }
      this.pending.delete(key);
      this.onDisk.add(key);
      saved.push(key);
    }
    return saved;
  }

  /**
   * Saves a job's record so the job list survives a restart; best effort. A queued job's
   * record holds its request: if the backend stops before the job finishes, the next start
   * lists it as interrupted and can run it again.
   */
  saveJob(job: JobStatus, request: CreateJobRequest | null = null): Promise<boolean> {
    const jobsDir = this.jobsDir;
    if (jobsDir === null || this.setupError !== null) {
      return Promise.resolve(false);
    }
    const write = async (): Promise<boolean> => {
      try {
        const record = request === null ? job : { ...job, request };
        await this.writer(path.join(jobsDir, `${job.id}.json`), JSON.stringify(record));
        return true;
      } catch {
        return false;
      }
    };
    const previous = this.jobWrites.get(job.id) ?? Promise.resolve(true);
    const next = previous.then(write);
    this.jobWrites.set(job.id, next);
    void next.then(() => {
      if (this.jobWrites.get(job.id) === next) {
        this.jobWrites.delete(job.id);
      }
    });
    return next;
  }

  private memoryWarning(reason: string): string {
    return (
      `the result could not be saved: ${reason}. It is kept in memory until the backend ` +
      'stops; fetch it now, or make room and it is saved with the next finished job'
    );
  }

  private async load(log: (message: string) => void): Promise<void> {
    if (this.resultsDir === null || this.jobsDir === null) {
      return;
    }
    try {
      await fs.mkdir(this.resultsDir, { recursive: true });
      await fs.mkdir(this.jobsDir, { recursive: true });
    } catch (error) {
      this.setupError = describeWriteError(this.dir ?? '', error);
      log(`results will only be kept in memory: ${this.setupError}`);
      return;
    }
    await removeOrphanTemporaries(this.resultsDir, log);
    await removeOrphanTemporaries(this.jobsDir, log);
    for (const name of await fs.readdir(this.resultsDir)) {
      const match = /^([0-9a-f]{64})\.json$/.exec(name);
      if (match) {
        this.onDisk.add(match[1]);
      }
    }
    const jobs: RestoredJob[] = [];
    for (const name of await fs.readdir(this.jobsDir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) {
        continue;
      }
      try {
        const restored = this.restore(
          JSON.parse(await fs.readFile(path.join(this.jobsDir, name), 'utf8'))
        );
        if (restored) {
          jobs.push(restored);
        }
      } catch {
        log(`skipped an unreadable job record: ${name}`);
      }
    }
    jobs.sort((a, b) => a.status.createdAt.localeCompare(b.status.createdAt));
    this.jobs = jobs;
  }

  private restore(record: unknown): RestoredJob | null {
    const parsed = JobStatus.safeParse(record);
    if (!parsed.success) {
      return null;
    }
    const status = { ...parsed.data, progress: null, queuePosition: null };
    switch (status.state) {
      case 'done':
        return this.onDisk.has(status.resultKey)
          ? { status: { ...status, persisted: true, warning: null }, request: null }
          : null;
      case 'queued':
      case 'running':
      case 'interrupted': {
        const request = CreateJobRequest.safeParse((record as { request?: unknown }).request);
        return {
          status: {
            ...status,
            state: 'interrupted',
            finishedAt: status.finishedAt ?? status.startedAt ?? status.createdAt,
            error:
              'the backend stopped before this job finished' +
              (request.success ? '; resubmit it to run it again' : '')
          },
          request: request.success ? request.data : null
        };
      }
      default:
        return { status, request: null };
    }
  }
}
