/**
 * auth.ts in process: which tokens are strong enough, where a token may come from, the
 * origin and header checks on state changes and WebSockets, and the back-off on wrong tokens.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
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

  it('takes 10 different characters as enough, 9 as too few', () => {
    assert.equal(weakTokenReason('0123456789'.repeat(4)), null);
    assert.match(weakTokenReason('012345678'.repeat(4)) ?? '', /at least 10 different/);
  });

  it('reads Authorization as a scheme, spaces and one credential (RFC 7235)', () => {
    const auth = (value: string) => presentedToken(request({ authorization: value }), url(), false);
    // credentials = auth-scheme 1*SP token68: any number of spaces after the scheme
    assert.equal(auth('Bearer  two-spaces'), 'two-spaces');
    assert.equal(auth('BEARER upper'), 'upper');
    // the scheme is the first word: a Basic (or unknown) credential is not a token
    assert.equal(auth('Basic token abc'), null);
    assert.equal(auth('Basic bearer abc'), null);
    assert.equal(auth('XBearer abc'), null);
    // one credential, no spaces inside: "a b" is not a token
    assert.equal(auth('Bearer a b'), null);
    assert.equal(auth('token a b'), null);
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
    assert.match(other.message, /another origin is refused/);
    for (const site of ['cross-site', 'same-site']) {
      const error = refusal(() => checkOrigin(post({ 'sec-fetch-site': site }), false));
      assert.deepEqual([error.status, error.code], [403, 'cross-origin']);
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

  it('refuses an Origin when there is no Host to match it against', () => {
    // HTTP/1.0 requests may omit Host: an origin then cannot be shown to be the panel's own
    for (const origin of ['http://127.0.0.1:8888', 'null']) {
      const error = refusal(() => checkOrigin(request({ origin }), false));
      assert.deepEqual([error.status, error.code], [403, 'cross-origin']);
      const ws = refusal(() => checkOrigin(request({ origin }), true));
      assert.deepEqual([ws.status, ws.code], [403, 'cross-origin']);
    }
  });

  it('passes a request without a method (not a state change)', () => {
    const noMethod = { headers: { host: 'h' }, socket: {} } as unknown as IncomingMessage;
    checkOrigin(noMethod, false);
  });
});

/** Fake clock: setTimeout and Date advance only by `t.mock.timers.tick`. */
function fakeClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  return t.mock.timers;
}

/** Lets settled promises run their callbacks (setImmediate is not faked). */
const flush = () => new Promise(resolve => setImmediate(resolve));

/** A failure's reply: null until it is released. */
function pending(reply: Promise<HttpError>): () => HttpError | null {
  let error: HttpError | null = null;
  void reply.then(e => {
    error = e;
  });
  return () => error;
}

/** Asserts that the reply to one wrong token is held exactly `ms` milliseconds. */
async function assertHeld(
  t: TestContext,
  backoff: AuthBackoff,
  address: string,
  ms: number
): Promise<HttpError> {
  const reply = pending(backoff.fail(address));
  t.mock.timers.tick(ms - 1);
  await flush();
  assert.equal(reply(), null, `released before ${ms} ms`);
  t.mock.timers.tick(1);
  await flush();
  const error = reply();
  assert.ok(error, `not released after ${ms} ms`);
  return error;
}

const tableSize = (backoff: AuthBackoff) =>
  (backoff as unknown as { failures: Map<string, unknown> }).failures.size;

describe('back-off', () => {
  it('holds the n-th wrong token n steps, up to the cap', async t => {
    fakeClock(t);
    const backoff = new AuthBackoff({ stepMs: 7, maxDelayMs: 10, limit: 5, windowMs: 60_000 });
    // 1 x 7 ms, then 2 x 7 = 14 ms and 3 x 7 = 21 ms, both capped at 10 ms
    const first = await assertHeld(t, backoff, 'a', 7);
    assert.deepEqual([first.status, first.code], [401, 'unauthorized']);
    assert.match(first.message, /token is required/);
    await assertHeld(t, backoff, 'a', 10);
    await assertHeld(t, backoff, 'a', 10);
    // another address starts again at one step
    await assertHeld(t, backoff, 'b', 7);
  });

  it('slows down wrong tokens by default', async t => {
    fakeClock(t);
    const reply = pending(new AuthBackoff().fail('a'));
    t.mock.timers.tick(50);
    await flush();
    assert.equal(reply(), null, 'a wrong token answered within 50 ms');
    t.mock.timers.tick(10_000);
    await flush();
    assert.equal(reply()?.status, 401);
  });

  it('says how long to wait, in whole seconds rounded up', async t => {
    fakeClock(t);
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 1, windowMs: 1500 });
    await assertHeld(t, backoff, 'a', 1);
    const locked = await backoff.fail('a');
    assert.deepEqual([locked.status, locked.code], [429, 'too-many-failures']);
    assert.match(locked.message, /wrong token/);
    assert.match(locked.message, /wait 2 s$/);
  });

  it('forgets an address quiet for exactly the window, not a millisecond less', async t => {
    fakeClock(t);
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 1, windowMs: 1000 });
    await assertHeld(t, backoff, 'a', 1); // a failure at 0 ms, answered at 1 ms
    t.mock.timers.tick(998); // 999 ms after it: still within the window
    assert.equal((await backoff.fail('a')).status, 429);
    t.mock.timers.tick(1000); // quiet for the whole window since that 429
    const forgotten = await assertHeld(t, backoff, 'a', 1);
    assert.equal(forgotten.status, 401);
  });

  it('refuses a missing token with 401 unauthorized, without counting it', async () => {
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 0 });
    const error = await authenticate(request({}), url(), TOKEN, backoff, false).then(
      () => assert.fail('accepted no token'),
      (e: unknown) => e as HttpError
    );
    assert.deepEqual([error.status, error.code], [401, 'unauthorized']);
    assert.match(error.message, /token is required/);
    assert.equal(tableSize(backoff), 0);
  });

  it('backs off a request whose socket has no address, all such in one bucket', async t => {
    fakeClock(t);
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 1, windowMs: 1000 });
    const noAddress = () =>
      ({ headers: { 'x-layerwise-token': 'wrong' }, socket: {} }) as unknown as IncomingMessage;
    const first = pending(
      authenticate(noAddress(), url(), TOKEN, backoff, false).then(
        () => assert.fail('accepted a wrong token'),
        (e: unknown) => e as HttpError
      )
    );
    t.mock.timers.tick(1);
    await flush();
    assert.equal(first()?.status, 401);
    await assert.rejects(authenticate(noAddress(), url(), TOKEN, backoff, false), { status: 429 });
  });

  it('drops expired addresses once the table holds 1000, and keeps live ones', async t => {
    fakeClock(t);
    const windowMs = 1000;
    const backoff = new AuthBackoff({ stepMs: 1, maxDelayMs: 1, limit: 1, windowMs });
    /** One failure from each of 999 addresses under `prefix`, answered. */
    const fail999 = async (prefix: string) => {
      const replies = Array.from({ length: 999 }, (_, i) =>
        backoff.fail(`${prefix}.${i >> 8}.${i & 255}`)
      );
      t.mock.timers.tick(1);
      await Promise.all(replies);
    };
    await fail999('10.0');
    assert.equal(tableSize(backoff), 999);
    // quiet for exactly the window: all 999 are expired, and the 1000th address prunes them
    t.mock.timers.tick(windowMs - 1);
    await assertHeld(t, backoff, 'new', 1);
    assert.equal(tableSize(backoff), 1);

    // 1000 live addresses, one of them locked: pruning keeps every one
    assert.equal((await backoff.fail('new')).status, 429);
    await fail999('10.1');
    assert.equal(tableSize(backoff), 1000);
    t.mock.timers.tick(windowMs - 10);
    assert.equal((await backoff.fail('new')).status, 429, 'a locked address was forgotten');
    assert.equal(tableSize(backoff), 1000);
  });

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
