/**
 * The shared-secret token every request must carry, and the checks that keep a web page in
 * the user's browser from using the backend: behind Jupyter the proxy adds the token to every
 * request, including those a cross-origin page makes with the user's Jupyter cookie, so the
 * token alone does not show that a request came from the Layerwise panel.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { REQUEST_HEADER, TOKEN_HEADER } from '../../protocol/api';
import { HttpError } from './http';

export function randomToken(): string {
  return randomBytes(24).toString('hex');
}

export const MIN_TOKEN_LENGTH = 32;
/** A 32-character random token of hex digits or base64 always has many more. */
const MIN_DISTINCT_CHARACTERS = 10;

/** Why `token` is too easy to guess, or null when it is fine. */
export function weakTokenReason(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `the token has ${token.length} characters; it needs at least ${MIN_TOKEN_LENGTH}`;
  }
  if (new Set(token).size < MIN_DISTINCT_CHARACTERS) {
    return `the token repeats a few characters; it needs at least ${MIN_DISTINCT_CHARACTERS} different ones`;
  }
  return null;
}

/**
 * The token a request presents: our header or a bearer/token Authorization; `?token=` only
 * where `allowQuery` (a browser cannot set headers on a WebSocket), since a URL ends up in
 * histories and logs.
 */
export function presentedToken(req: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header !== '') {
    return header;
  }
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(authorization);
    if (match) {
      return match[1];
    }
  }
  return allowQuery ? url.searchParams.get('token') : null;
}

/** Compares digests so neither the length nor the content leaks through timing. */
export function tokenMatches(expected: string, presented: string | null): boolean {
  if (presented === null) {
    return false;
  }
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses what a page of another origin could send with the user's cookies. A browser sends
 * Origin on every cross-origin request and Sec-Fetch-Site on all of them; scripts and the
 * CLI send neither. Behind jupyter-server-proxy the Host header is the Jupyter server's, so
 * the panel's own requests are same-origin. The custom header cannot be set cross-origin
 * without a CORS preflight, which the backend never grants.
 */
export function checkOrigin(req: IncomingMessage, websocket: boolean): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(
      403,
      'cross-origin',
      `a ${site} request is refused: only the Layerwise panel's own origin may use the backend`
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== req.headers.host?.toLowerCase()) {
    throw new HttpError(
      403,
      'cross-origin',
      'a request from another origin is refused: only the Layerwise panel may use the backend'
    );
  }
  if (!websocket && STATE_CHANGING.has(req.method ?? '') && req.headers[REQUEST_HEADER] !== '1') {
    throw new HttpError(
      403,
      'missing-request-header',
      `a ${req.method} request needs the header ${REQUEST_HEADER}: 1 (it shows the request was not sent by a form or page of another site)`
    );
  }
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** Failed token checks from one address within the window. */
interface Failures {
  count: number;
  last: number;
}

export interface BackoffOptions {
  /** Added to the reply to each failure, per failure so far. */
  stepMs?: number;
  maxDelayMs?: number;
  /** Failures within the window after which wrong tokens get 429 at once. */
  limit?: number;
  windowMs?: number;
}

/**
 * Slows down guessing: every wrong token from an address answers later than the one before
 * (up to a cap), and after many the address gets 429 until it stays quiet for a while. A
 * request without a token is not a guess and is not counted; a right token always passes,
 * so a page that sends wrong tokens cannot lock the panel out.
 */
export class AuthBackoff {
  private readonly failures = new Map<string, Failures>();
  private readonly stepMs: number;
  private readonly maxDelayMs: number;
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(options: BackoffOptions = {}) {
    this.stepMs = options.stepMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.limit = options.limit ?? 30;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** Records a wrong token; resolves when the refusal may be sent, with its error. */
  async fail(address: string): Promise<HttpError> {
    const now = Date.now();
    const previous = this.failures.get(address);
    const count = previous && now - previous.last < this.windowMs ? previous.count + 1 : 1;
    this.failures.set(address, { count, last: now });
    this.prune(now);
    if (count > this.limit) {
      return new HttpError(
        429,
        'too-many-failures',
        `too many requests with a wrong token from this address; wait ${Math.ceil(this.windowMs / 1000)} s`
      );
    }
    await new Promise(resolve =>
      setTimeout(resolve, Math.min(this.maxDelayMs, this.stepMs * count))
    );
    return new HttpError(401, 'unauthorized', 'a valid layerwise token is required');
  }

  private prune(now: number): void {
    if (this.failures.size < 1000) {
      return;
    }
    for (const [address, entry] of this.failures) {
      if (now - entry.last >= this.windowMs) {
        this.failures.delete(address);
      }
    }
  }
}

/** Throws the 401 (or 429) for a request whose token does not match. */
export async function authenticate(
  req: IncomingMessage,
  url: URL,
  token: string,
  backoff: AuthBackoff,
  allowQuery: boolean
): Promise<void> {
  const presented = presentedToken(req, url, allowQuery);
  if (tokenMatches(token, presented)) {
    return;
  }
  if (presented === null) {
    throw new HttpError(401, 'unauthorized', 'a valid layerwise token is required');
  }
  throw await backoff.fail(req.socket.remoteAddress ?? 'unknown');
}
