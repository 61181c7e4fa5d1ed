/**
 * The shared-secret token every request must carry. Behind Jupyter the proxy adds it (so
 * only requests that passed Jupyter's own auth reach us); standalone the user passes it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER } from '../../protocol/api';

export function randomToken(): string {
  return randomBytes(24).toString('hex');
}

/** The token a request presents: our header, a bearer/token Authorization, or ?token=. */
export function presentedToken(req: IncomingMessage, url: URL): string | null {
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
  return url.searchParams.get('token');
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
