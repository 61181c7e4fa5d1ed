/**
 * Small HTTP helpers: JSON replies, error bodies that never carry a stack trace, and
 * request bodies read under a size limit and an idle timeout.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ErrorBody } from '../../protocol/api';

/** An error whose message is meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: { path: string; message: string }[]
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store'
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.issues) {
    body.error.issues = error.issues;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An unread request body (e.g. a refused upload) would otherwise keep the socket busy.
  res.setHeader('connection', 'close');
  sendJson(res, error.status, body);
}

/** zod issues as short "path: message" pairs for a 400 reply. */
export function validationError(what: string, error: z.ZodError): HttpError {
  const issues = error.issues.map(issue => ({
    path: issue.path.map(String).join('.'),
    message: issue.message
  }));
  const first = issues[0];
  const detail = first ? ` (${first.path ? `${first.path}: ` : ''}${first.message})` : '';
  return new HttpError(400, 'invalid-request', `invalid ${what}${detail}`, issues);
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw validationError(what, parsed.error);
  }
  return parsed.data;
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    'too-large',
    `the request body is larger than the limit of ${formatBytes(limit)}; ` +
      'start the backend with a larger --max-upload-mb to accept it'
  );
}

export function tooManyInFlight(limit: number): HttpError {
  return new HttpError(
    413,
    'uploads-in-flight',
    `uploads in progress would pass the limit of ${formatBytes(limit)} received at once; ` +
      'send this one when the others have finished (or start the backend with a larger --max-inflight-mb)'
  );
}

export interface BodyLimits {
  /** Largest body accepted. */
  limit: number;
  /** The body is cut (408) when no byte arrives for this long. */
  idleMs: number;
}

/**
 * Feeds the body to `onChunk` chunk by chunk, refusing it with 413 as soon as it passes the
 * limit (or declares a larger Content-Length) and with 408 when it stalls. `onChunk` may
 * refuse a chunk by throwing; a promise it returns holds the next chunk back. Resolves with
 * the body's length.
 */
export function receiveBody(
  req: IncomingMessage,
  { limit, idleMs }: BodyLimits,
  onChunk: (chunk: Buffer) => void | Promise<void>
): Promise<number> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit));
  }
  // The connection may have gone (e.g. a parse error on what followed the body) while the
  // caller was getting ready: no event would ever come.
  if (req.destroyed) {
    return Promise.reject(
      new HttpError(400, 'bad-body', 'the connection closed before the body was read')
    );
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | null = null;
    let writing: Promise<void> = Promise.resolve();
    const fail = (error: unknown): void => {
      if (settled) {
        return;
      }
      settled = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
      // Whatever else arrives is read and dropped: the reply closes the connection.
      req.resume();
      reject(error);
    };
    const idle = (): void => {
      if (timer !== null) {
        clearTimeout(timer);
      }
      timer = setTimeout(
        () =>
          fail(
            new HttpError(
              408,
              'body-timeout',
              `the request body stalled: no data for ${Math.round(idleMs / 1000)} s`
            )
          ),
        idleMs
      );
    };
    idle();
    req.on('data', (chunk: Buffer) => {
      if (settled) {
        return;
      }
      idle();
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit));
        return;
      }
      let result: void | Promise<void>;
      try {
        result = onChunk(chunk);
      } catch (error) {
        fail(error);
        return;
      }
      if (result instanceof Promise) {
        req.pause();
        writing = result.then(
          () => {
            if (!settled) {
              req.resume();
            }
          },
          error => fail(error)
        );
      }
    });
    req.on('end', () => {
      void writing.then(() => {
        if (!settled) {
          settled = true;
          if (timer !== null) {
            clearTimeout(timer);
          }
          resolve(size);
        }
      });
    });
    req.on('error', error =>
      fail(new HttpError(400, 'bad-body', `the request body could not be read: ${error.message}`))
    );
    req.on('close', () => {
      if (!req.complete) {
        fail(new HttpError(400, 'bad-body', 'the client closed the connection mid-body'));
      }
    });
  });
}

/** The whole body in memory: for small bodies only (JSON requests). */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const size = await receiveBody(req, limits, chunk => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks, size);
}

export async function readJson(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported-media-type', 'send the body as application/json');
  }
  const body = await readBody(req, limits);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-json', 'the request body is not valid JSON');
  }
}
