/**
 * auth.ts in process: which tokens are strong enough, where a token may come from, the
 * origin and header checks on state changes and WebSockets, and the back-off on wrong tokens.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import {
  AuthBackoff,
  authenticate,
  checkOrigin,
  presentedToken,
  randomToken,
  tokenMatches,
  weakTokenReason
} from '../../src/backend/server/auth';
import { HttpError } from '../../src/backend/server/http';

const TOKEN = 'unit-test-token-0123456789abcdefghijkl';

function request(
  headers: Record<string, string>,
  method = 'GET',
  address = '127.0.0.1'
): IncomingMessage {
  return { headers, method, socket: { remoteAddress: address } } as unknown as IncomingMessage;
}

const url = (query = '') => new URL(`/api/events${query}`, 'http://localhost');

function refusal(run: () => void): HttpError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error;
  }
  assert.fail('not refused');
}

describe('tokens', () => {
  it('refuses short and repetitive tokens', () => {
    assert.match(weakTokenReason('a1'.repeat(15)) ?? '', /30 characters; it needs at least 32/);
    assert.match(weakTokenReason('ab'.repeat(20)) ?? '', /at least 10 different/);
    assert.equal(weakTokenReason('0123456789'.repeat(3) + 'ab'), null);
    assert.equal(weakTokenReason(randomToken()), null);
    assert.equal(randomToken().length, 48);
  });

  it('takes the header, then Authorization, and ?token= only where allowed', () => {
    assert.equal(presentedToken(request({ 'x-layerwise-token': 'h' }), url('?token=q'), true), 'h');
    assert.equal(presentedToken(request({ authorization: 'Bearer b ' }), url(), false), 'b');
    assert.equal(presentedToken(request({ authorization: 'token t' }), url(), false), 't');
    assert.equal(presentedToken(request({ authorization: 'Basic x' }), url(), false), null);
    assert.equal(presentedToken(request({ 'x-layerwise-token': '' }), url('?token=q'), true), 'q');
    assert.equal(presentedToken(request({}), url('?token=q'), false), null);
    assert.equal(presentedToken(request({}), url(), true), null);
  });

  it('compares tokens whatever their length', () => {
    assert.equal(tokenMatches(TOKEN, TOKEN), true);
    assert.equal(tokenMatches(TOKEN, `${TOKEN}x`), false);
    assert.equal(tokenMatches(TOKEN, ''), false);
    assert.equal(tokenMatches(TOKEN, null), false);
  });
});

describe('origin checks', () => {
  const post = (headers: Record<string, string>) =>
    request({ host: '127.0.0.1:8888', 'x-layerwise-request': '1', ...headers }, 'POST');

  it('passes the panel and scripts', () => {
    checkOrigin(post({}), false);
    checkOrigin(post({ origin: 'http://127.0.0.1:8888', 'sec-fetch-site': 'same-origin' }), false);
    checkOrigin(post({ origin: 'HTTP://127.0.0.1:8888' }), false);
    checkOrigin(post({ 'sec-fetch-site': 'none' }), false);
    checkOrigin(request({ host: 'h' }), false);
    checkOrigin(request({ host: 'h', origin: 'http://h' }), true);
  });

  it('refuses other origins and state changes without the header', () => {
    const other = refusal(() => checkOrigin(post({ origin: 'http://evil.example' }), false));
    assert.deepEqual([other.status, other.code], [403, 'cross-origin']);
    assert.equal(refusal(() => checkOrigin(post({ origin: 'null' }), false)).status, 403);
    assert.equal(
      refusal(() => checkOrigin(post({ origin: 'http://127.0.0.1:9999' }), false)).status,
      403
    );
    for (const site of ['cross-site', 'same-site']) {
      const error = refusal(() => checkOrigin(post({ 'sec-fetch-site': site }), false));
      assert.match(error.message, new RegExp(`a ${site} request is refused`));
    }
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const error = refusal(() => checkOrigin(request({ host: 'h' }, method), false));
      assert.deepEqual([error.status, error.code], [403, 'missing-request-header']);
      assert.match(
        error.message,
        new RegExp(`a ${method} request needs the header x-layerwise-request: 1`)
      );
    }
    const wrongValue = request({ host: 'h', 'x-layerwise-request': 'yes' }, 'POST');
    assert.equal(refusal(() => checkOrigin(wrongValue, false)).code, 'missing-request-header');
    // A browser cannot set headers on a WebSocket: there the origin decides.
    checkOrigin(request({ host: 'h' }, 'GET'), true);
    assert.equal(
      refusal(() => checkOrigin(request({ host: 'h', origin: 'http://e' }), true)).status,
      403
    );
  });
});

describe('back-off', () => {
  it('answers each wrong token later, then 429, and never holds back the right one', async () => {
    const backoff = new AuthBackoff({ stepMs: 40, maxDelayMs: 100, limit: 3, windowMs: 60_000 });
    const wrong = request({ 'x-layerwise-token': 'wrong' });
    const timed = async () => {
      const started = Date.now();
      const error = await authenticate(wrong, url(), TOKEN, backoff, false).then(
        () => assert.fail('accepted a wrong token'),
        (e: unknown) => e as HttpError
      );
      return { status: error.status, ms: Date.now() - started };
    };
    const first = await timed();
    const second = await timed();
    const third = await timed();
    assert.deepEqual([first.status, second.status, third.status], [401, 401, 401]);
    assert.ok(
      first.ms >= 35 && second.ms >= 75 && third.ms >= 95,
      JSON.stringify([first, second, third])
    );
    assert.ok(third.ms < 400, 'the delay is capped');
    const locked = await timed();
    assert.equal(locked.status, 429);
    assert.ok(locked.ms < 90, '429 comes at once');
    // Another address, no token and the right token are not held back.
    const elsewhere = request({ 'x-layerwise-token': 'wrong' }, 'GET', '10.0.0.2');
    await assert.rejects(authenticate(elsewhere, url(), TOKEN, backoff, false), { status: 401 });
    const started = Date.now();
    await assert.rejects(authenticate(request({}), url(), TOKEN, backoff, false), { status: 401 });
    await authenticate(request({ 'x-layerwise-token': TOKEN }), url(), TOKEN, backoff, false);
    assert.ok(Date.now() - started < 90, 'no token and the right token are not delayed');
  });

  it('forgets an address after a quiet window', async () => {
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 1, windowMs: 50 });
    const wrong = request({ authorization: 'Bearer wrong' });
    await assert.rejects(authenticate(wrong, url(), TOKEN, backoff, false), { status: 401 });
    await assert.rejects(authenticate(wrong, url(), TOKEN, backoff, false), { status: 429 });
    await new Promise(resolve => setTimeout(resolve, 60));
    await assert.rejects(authenticate(wrong, url(), TOKEN, backoff, false), { status: 401 });
  });

  it('takes ?token= on the WebSocket only', async () => {
    const backoff = new AuthBackoff({ stepMs: 1 });
    await authenticate(request({}), url(`?token=${TOKEN}`), TOKEN, backoff, true);
    await assert.rejects(authenticate(request({}), url(`?token=${TOKEN}`), TOKEN, backoff, false), {
      status: 401
    });
  });
});
