/**
 * HTTP routing: token and origin checks, body validation against src/protocol/api.ts, and
 * replies. Every failure is an ErrorBody with a message; unexpected ones are logged (the
 * method and path, never the query, which may hold a token) and answered briefly.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  API_VERSION,
  ArrayUploadQuery,
  ContentId,
  CreateJobRequest,
  type Health,
  type UploadInfo,
  type UploadKind
} from '../../protocol/api';
import { defaultComputeThreads } from '../computePool';
import { costProblem } from '../costCaps';
import { authenticate, checkOrigin, type AuthBackoff } from './auth';
import { HttpError, parseWith, readJson, sendError, sendJson } from './http';
import type { JobQueue } from './jobQueue';
import { resultKey } from './resultKey';
import type { ResultStore } from './resultStore';
import type { UploadStore } from './uploads';

export interface AppContext {
  token: string;
  version: string;
  uploads: UploadStore;
  queue: JobQueue;
  store: ResultStore;
  maxUploadBytes: number;
  /** A request body that sends nothing for this long is cut. */
  bodyIdleMs: number;
  backoff: AuthBackoff;
  /** The tfjs backend analyses run on, once chosen. */
  tfjsBackend: () => string | null;
  log: (message: string) => void;
}

/** Job requests are small: arrays travel as uploads, not inside the JSON. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL
) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

function sendText(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store'
  });
  res.end(json);
}

function checkId(id: string, what: string): string {
  if (!ContentId.safeParse(id).success) {
    throw new HttpError(400, 'bad-id', `${what} "${id}" is not a 64-digit hex id`);
  }
  return id;
}

function requireUpload(ctx: AppContext, id: string, kind: UploadKind, role: string): UploadInfo {
  const upload = ctx.uploads.get(id);
  if (!upload) {
    throw new HttpError(
      400,
      'unknown-upload',
      `${role}: no upload ${id}; upload it first (uploads that no job needs are evicted when the store is full)`
    );
  }
  if (upload.info.kind !== kind) {
    throw new HttpError(
      400,
      'wrong-upload',
      `${role}: upload ${id} is a ${upload.info.kind}, not a ${kind}`
    );
  }
  return upload.info;
}

function firstDim(info: UploadInfo): number {
  return info.shape?.[0] ?? 1;
}

/** Shape checks that need no model, so obvious mistakes fail at submit time. */
function checkShapes(ctx: AppContext, request: CreateJobRequest): void {
  if (request.model.format === 'onnx') {
    requireUpload(ctx, request.model.onnx, 'onnx', 'model.onnx');
  } else {
    requireUpload(ctx, request.model.modelJson, 'model-json', 'model.modelJson');
    const weights = requireUpload(ctx, request.model.weights, 'weights', 'model.weights');
    const expected = ctx.uploads.get(request.model.modelJson)?.weightBytes ?? null;
    if (expected !== null && expected !== weights.bytes) {
      throw new HttpError(
        400,
        'bad-model',
        `model.weights has ${weights.bytes} bytes; the weightsManifest of model.modelJson describes ${expected}: upload the weights that belong to this model.json (all shards, in manifest order)`
      );
    }
  }
  const samples = requireUpload(ctx, request.samples, 'array', 'samples');
  if (!samples.shape || samples.shape.length < 2 || samples.shape[0] === 0) {
    throw new HttpError(
      400,
      'bad-shape',
      'samples must have shape [samples, ...inputShape] with at least one sample'
    );
  }
  if (request.sampleLabels !== undefined) {
    const labels = requireUpload(ctx, request.sampleLabels, 'array', 'sampleLabels');
    if (labels.shape?.length !== 1 || firstDim(labels) !== samples.shape[0]) {
      throw new HttpError(
        400,
        'bad-shape',
        `sampleLabels must have shape [${samples.shape[0]}] (one label per sample), got [${labels.shape?.join(', ')}]`
      );
    }
  }
  if (request.training !== undefined) {
    const inputs = requireUpload(ctx, request.training.inputs, 'array', 'training.inputs');
    const labels = requireUpload(ctx, request.training.labels, 'array', 'training.labels');
    const sampleShape = samples.shape.slice(1).join(',');
    if (inputs.shape?.slice(1).join(',') !== sampleShape) {
      throw new HttpError(
        400,
        'bad-shape',
        `training.inputs have shape [${inputs.shape?.join(', ')}]; each must match a sample's shape [${samples.shape.slice(1).join(', ')}]`
      );
    }
    if (labels.shape?.length !== 1 || firstDim(labels) !== firstDim(inputs)) {
      throw new HttpError(
        400,
        'bad-shape',
        `training.labels must have shape [${firstDim(inputs)}] (one label per training input), got [${labels.shape?.join(', ')}]`
      );
    }
  }
  const training =
    request.training === undefined
      ? 0
      : firstDim(requireUpload(ctx, request.training.inputs, 'array', 'training.inputs'));
  const tooCostly = costProblem(request.options, samples.shape[0], training);
  if (tooCostly !== null) {
    throw new HttpError(400, 'too-costly', tooCostly);
  }
}

function routes(ctx: AppContext): Route[] {
  const upload =
    (kind: UploadKind): Handler =>
    async (req, res, _params, url) => {
      const meta =
        kind === 'array'
          ? parseWith(ArrayUploadQuery, Object.fromEntries(url.searchParams), 'array upload query')
          : undefined;
      const info = await ctx.uploads.receive(kind, req, meta, {
        limit: ctx.maxUploadBytes,
        idleMs: ctx.bodyIdleMs
      });
      sendJson(res, 201, info);
    };
  const submit = (res: ServerResponse, request: CreateJobRequest): void => {
    const key = resultKey(request, ctx.version);
    // A stored result needs no uploads: a client may try its content ids before uploading.
    if (!(request.useCache && ctx.store.has(key))) {
      checkShapes(ctx, request);
    }
    sendJson(res, 201, ctx.queue.submit(request, key));
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/health$/,
      handler: async (_req, res) => {
        const health: Health = {
          ok: true,
          name: 'layerwise',
          apiVersion: API_VERSION,
          version: ctx.version,
          tfjsBackend: ctx.tfjsBackend(),
          computeThreads: defaultComputeThreads(),
          limits: {
            maxUploadBytes: ctx.maxUploadBytes,
            maxStoredUploadBytes: ctx.uploads.maxStoredBytes,
            maxInFlightUploadBytes: ctx.uploads.maxInFlightBytes
          }
        };
        sendJson(res, 200, health);
      }
    },
    { method: 'POST', pattern: /^\/api\/uploads\/model-json$/, handler: upload('model-json') },
    { method: 'POST', pattern: /^\/api\/uploads\/weights$/, handler: upload('weights') },
    { method: 'POST', pattern: /^\/api\/uploads\/onnx$/, handler: upload('onnx') },
    { method: 'POST', pattern: /^\/api\/uploads\/array$/, handler: upload('array') },
    {
      method: 'GET',
      pattern: /^\/api\/uploads\/([^/]+)$/,
      handler: async (_req, res, [id]) => {
        const found = ctx.uploads.get(checkId(id, 'upload id'));
        if (!found) {
          throw new HttpError(404, 'not-found', `no upload ${id}`);
        }
        sendJson(res, 200, found.info);
      }
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/uploads\/([^/]+)$/,
      handler: async (_req, res, [id]) => {
        if (!(await ctx.uploads.delete(checkId(id, 'upload id')))) {
          throw new HttpError(404, 'not-found', `no upload ${id}`);
        }
        res.writeHead(204).end();
      }
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs$/,
      handler: async (req, res) => {
        const request = parseWith(
          CreateJobRequest,
          await readJson(req, { limit: MAX_JSON_BYTES, idleMs: ctx.bodyIdleMs }),
          'job request'
        );
        submit(res, request);
      }
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs$/,
      handler: async (_req, res) => sendJson(res, 200, { jobs: ctx.queue.list() })
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/([^/]+)$/,
      handler: async (_req, res, [id]) => sendJson(res, 200, ctx.queue.get(id))
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/cancel$/,
      handler: async (_req, res, [id]) => sendJson(res, 200, ctx.queue.cancel(id))
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/resubmit$/,
      handler: async (_req, res, [id]) => submit(res, ctx.queue.interruptedRequest(id))
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/([^/]+)\/result$/,
      handler: async (_req, res, [id]) => sendText(res, 200, await ctx.queue.resultText(id))
    },
    {
      method: 'GET',
      pattern: /^\/api\/results\/([^/]+)$/,
      handler: async (_req, res, [key]) => {
        const text = await ctx.store.getText(checkId(key, 'result key'));
        if (text === null) {
          throw new HttpError(404, 'not-found', `no result ${key}`);
        }
        sendText(res, 200, text);
      }
    }
  ];
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(
      400,
      'bad-path',
      `the path segment "${part}" is not valid percent-encoding`
    );
  }
}

/** The request target as a URL; a target that is not one (e.g. `//x:99999/`) is a 400. */
export function requestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    throw new HttpError(400, 'bad-url', 'the request target is not a valid URL path');
  }
}

/** What the log may say about a request: its method and path, never the query. */
export function describeRequest(req: IncomingMessage): string {
  const target = req.url ?? '/';
  const path = target.split('?')[0];
  return `${req.method} ${path.length > 200 ? `${path.slice(0, 200)}...` : path}`;
}

export function createApp(ctx: AppContext): RequestListener {
  const table = routes(ctx);

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req.url);
    await authenticate(req, url, ctx.token, ctx.backoff, false);
    checkOrigin(req, false);
    // HEAD asks what GET would answer, without the body (e.g. "is this upload here?").
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let allowed: string[] = [];
    for (const route of table) {
      const match = route.pattern.exec(url.pathname);
      if (!match) {
        continue;
      }
      if (route.method === method) {
        const params = match.slice(1).map(decodePart);
        await route.handler(req, res, params, url);
        return;
      }
      allowed = [...allowed, route.method];
    }
    if (allowed.length > 0) {
      res.setHeader('allow', allowed.join(', '));
      throw new HttpError(
        405,
        'method-not-allowed',
        `${req.method} is not allowed on ${url.pathname}`
      );
    }
    throw new HttpError(404, 'not-found', `no route ${url.pathname}`);
  };

  return (req, res) => {
    dispatch(req, res).catch(error => {
      if (error instanceof HttpError) {
        sendError(res, error);
        return;
      }
      ctx.log(
        `${describeRequest(req)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
      );
      sendError(res, new HttpError(500, 'internal', 'internal error; see the backend log'));
    });
  };
}
