/**
 * The backend's HTTP + WebSocket API (src/protocol/api.ts) as seen from the browser: the
 * backend is mounted by jupyter-server-proxy at `<baseUrl>layerwise/`, and every request goes
 * through ServerConnection so Jupyter's own token and XSRF protection apply (the proxy then
 * adds the backend's token). Every request carries the X-Layerwise-Request header, which the
 * backend requires of state changes: a page of another site cannot send it. Every response
 * is validated against the protocol schemas.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import type { z } from 'zod';
import {
  apiRoutes,
  ErrorBody,
  Health,
  JobEvent,
  JobStatus,
  PROXY_PATH,
  REQUEST_HEADER,
  UploadInfo,
  type ArrayDType,
  type CreateJobRequestInput
} from '../protocol/api';
import { AnalysisResult } from '../protocol/result';

export class BackendError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

type Body = ArrayBuffer | ArrayBufferView | string;

/** How often a job is polled when the event socket cannot be used. */
const POLL_MS = 1000;

export class BackendClient {
  readonly settings: ServerConnection.ISettings;

  constructor(settings?: ServerConnection.ISettings) {
    this.settings = settings ?? ServerConnection.makeSettings();
  }

  /** The backend's root URL through the Jupyter server. */
  get root(): string {
    return URLExt.join(this.settings.baseUrl, PROXY_PATH);
  }

  health(): Promise<Health> {
    return this.request(apiRoutes.health(), { method: 'GET' }, Health);
  }

  uploadModelJson(json: string): Promise<UploadInfo> {
    return this.upload(apiRoutes.uploadModelJson(), json, 'application/json');
  }

  uploadWeights(bytes: ArrayBuffer | ArrayBufferView): Promise<UploadInfo> {
    return this.upload(apiRoutes.uploadWeights(), bytes);
  }

  /** One .onnx file, e.g. a PyTorch model exported by the kernel plugin. */
  uploadOnnx(bytes: ArrayBuffer | ArrayBufferView): Promise<UploadInfo> {
    return this.upload(apiRoutes.uploadOnnx(), bytes);
  }

  uploadArray(
    dtype: ArrayDType,
    shape: readonly number[],
    bytes: ArrayBuffer | ArrayBufferView
  ): Promise<UploadInfo> {
    return this.upload(apiRoutes.uploadArray(dtype, shape), bytes);
  }

  createJob(request: CreateJobRequestInput): Promise<JobStatus> {
    return this.request(
      apiRoutes.jobs(),
      {
        method: 'POST',
        body: JSON.stringify(request),
        headers: { 'Content-Type': 'application/json' }
      },
      JobStatus
    );
  }

  job(id: string): Promise<JobStatus> {
    return this.request(apiRoutes.job(id), { method: 'GET' }, JobStatus);
  }

  cancelJob(id: string): Promise<JobStatus> {
    return this.request(apiRoutes.cancelJob(id), { method: 'POST' }, JobStatus);
  }

  jobResult(id: string): Promise<AnalysisResult> {
    return this.request(apiRoutes.jobResult(id), { method: 'GET' }, AnalysisResult);
  }

  result(key: string): Promise<AnalysisResult> {
    return this.request(apiRoutes.result(key), { method: 'GET' }, AnalysisResult);
  }

  /**
   * Calls `onStatus` with every change of the job until it finishes or the watch is
   * disposed. Uses the event socket; falls back to polling when the socket cannot open
   * (e.g. a proxy that does not pass WebSockets).
   */
  watchJob(
    id: string,
    onStatus: (status: JobStatus) => void,
    onError: (error: Error) => void
  ): IDisposable {
    return new JobWatch(this, id, onStatus, onError);
  }

  /** The event socket's URL for one job. */
  eventsUrl(jobId: string): string {
    return URLExt.join(this.settings.wsUrl, PROXY_PATH, apiRoutes.events(jobId));
  }

  private upload(path: string, body: Body, contentType = 'application/octet-stream') {
    return this.request(
      path,
      {
        method: 'POST',
        body: body as RequestInit['body'],
        headers: { 'Content-Type': contentType }
      },
      UploadInfo
    );
  }

  private async request<S extends z.ZodType>(
    path: string,
    init: RequestInit,
    schema: S
  ): Promise<z.infer<S>> {
    const url = URLExt.join(this.root, path);
    const headers = new Headers(init.headers);
    headers.set(REQUEST_HEADER, '1');
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, { ...init, headers }, this.settings);
    } catch (error) {
      throw new BackendError(
        `Cannot reach the Layerwise backend (${(error as Error).message}).`,
        0,
        'network'
      );
    }
    const text = await response.text();
    if (!response.ok) {
      throw errorFrom(response, text);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BackendError(
        `The Layerwise backend sent a response that is not JSON (${url}).`,
        response.status,
        'bad-response'
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new BackendError(
        `The Layerwise backend sent an unexpected response: ${parsed.error.issues[0]?.message}`,
        response.status,
        'bad-response'
      );
    }
    return parsed.data;
  }
}

function errorFrom(response: Response, text: string): BackendError {
  try {
    const body = ErrorBody.parse(JSON.parse(text));
    const issues = body.error.issues?.map(i => `${i.path}: ${i.message}`).join('; ');
    return new BackendError(
      issues ? `${body.error.message} (${issues})` : body.error.message,
      response.status,
      body.error.code
    );
  } catch {
    // Not the backend's error body: the proxy or Jupyter answered, e.g. the backend is down.
    const hint =
      response.status === 404 || response.status >= 500
        ? ' Is jupyter-server-proxy installed and the layerwise backend built (npm run build:node)?'
        : '';
    return new BackendError(
      `The Layerwise backend answered ${response.status} ${response.statusText}.${hint}`,
      response.status,
      'http'
    );
  }
}

const FINISHED = new Set(['done', 'failed', 'cancelled', 'interrupted']);

class JobWatch implements IDisposable {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private gotEvent = false;

  constructor(
    private readonly client: BackendClient,
    private readonly id: string,
    private readonly onStatus: (status: JobStatus) => void,
    private readonly onError: (error: Error) => void
  ) {
    this.openSocket();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.closeSocket();
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
  }

  private openSocket(): void {
    const WebSocketCtor = this.client.settings.WebSocket;
    let socket: WebSocket;
    try {
      socket = new WebSocketCtor(this.client.eventsUrl(this.id));
    } catch {
      this.poll();
      return;
    }
    this.socket = socket;
    socket.onmessage = event => {
      this.gotEvent = true;
      const parsed = JobEvent.safeParse(safeJson(event.data));
      if (!parsed.success) {
        return;
      }
      const jobs = parsed.data.type === 'snapshot' ? parsed.data.jobs : [parsed.data.job];
      for (const job of jobs) {
        if (job.id === this.id) {
          this.deliver(job);
        }
      }
    };
    socket.onclose = () => {
      this.socket = null;
      // A socket that closes before the job finishes (or never worked): poll instead.
      if (!this.disposed) {
        this.poll(this.gotEvent ? 0 : POLL_MS);
      }
    };
  }

  private closeSocket(): void {
    if (this.socket !== null) {
      this.socket.onclose = null;
      this.socket.onmessage = null;
      this.socket.close();
      this.socket = null;
    }
  }

  private deliver(status: JobStatus): void {
    if (this.disposed) {
      return;
    }
    this.onStatus(status);
    if (FINISHED.has(status.state)) {
      this.dispose();
    }
  }

  private poll(delay = 0): void {
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (this.disposed) {
        return;
      }
      try {
        this.deliver(await this.client.job(this.id));
      } catch (error) {
        this.onError(error as Error);
        this.dispose();
        return;
      }
      if (!this.disposed) {
        this.poll(POLL_MS);
      }
    }, delay);
  }
}

function safeJson(data: unknown): unknown {
  try {
    return typeof data === 'string' ? JSON.parse(data) : null;
  } catch {
    return null;
  }
}
