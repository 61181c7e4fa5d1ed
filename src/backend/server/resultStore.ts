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
import { JobStatus } from '../../protocol/api';

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
  private jobs: JobStatus[] = [];
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

  /** Finished jobs saved by earlier runs of the backend, oldest first. */
  restoredJobs(): JobStatus[] {
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

  /** Saves a finished job's record so the job list survives a restart; best effort. */
  async saveJob(job: JobStatus): Promise<boolean> {
    if (this.jobsDir === null || this.setupError !== null) {
      return false;
    }
    try {
      await this.writer(path.join(this.jobsDir, `${job.id}.json`), JSON.stringify(job));
      return true;
    } catch {
      return false;
    }
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
    for (const name of await fs.readdir(this.resultsDir)) {
      const match = /^([0-9a-f]{64})\.json$/.exec(name);
      if (match) {
        this.onDisk.add(match[1]);
      }
    }
    const jobs: JobStatus[] = [];
    for (const name of await fs.readdir(this.jobsDir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) {
        continue;
      }
      try {
        const text = await fs.readFile(path.join(this.jobsDir, name), 'utf8');
        const job = JobStatus.safeParse(JSON.parse(text));
        if (job.success && job.data.state === 'done' && this.onDisk.has(job.data.resultKey)) {
          jobs.push({ ...job.data, persisted: true, warning: null, progress: null });
        }
      } catch {
        log(`skipped an unreadable job record: ${name}`);
      }
    }
    jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    this.jobs = jobs;
  }
}
