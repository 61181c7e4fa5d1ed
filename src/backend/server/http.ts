/**
 * Small HTTP helpers: JSON replies, error bodies that never carry a stack trace, and
 * request bodies read under a size limit.
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

/** The whole body, refused with 413 as soon as it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) {
        return;
      }
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) {
        resolve(Buffer.concat(chunks, size));
      }
    });
    req.on('error', error => {
      if (!failed) {
        failed = true;
        reject(
          new HttpError(400, 'bad-body', `the request body could not be read: ${error.message}`)
        );
      }
    });
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported-media-type', 'send the body as application/json');
  }
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-json', 'the request body is not valid JSON');
  }
}
