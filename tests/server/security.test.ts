/**
 * The findings of issue 9 against the real backend process, one regression test each:
 * request lines that are not URLs, tokens, cross-origin requests, uploads streamed under
 * limits, slow bodies, cost caps, model checks and inputs beyond float32.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ErrorBody, apiRoutes } from '../../src/protocol/api';
import {
  Client,
  floats,
  jobRequest,
  startBackend,
  tinyModel,
  rawRequest,
  uploadAll,
  type Backend,
  type RawReply,
  type Uploaded
} from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const TOKEN = 'security-test-token-0123456789abcdef';

let backend: Backend;
let client: Client;
let uploads: Uploaded;
let dataDir: string;
let host: string;

/** Sends `head` and `body` as they are, e.g. request targets no HTTP client would send. */
function raw(head: string, body = '', waitMs = 5000): Promise<RawReply> {
  return rawRequest(backend.url, head + body, waitMs);
}

function jsonBody(reply: RawReply): ErrorBody {
  return ErrorBody.parse(JSON.parse(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4)));
}

async function expectError(response: Response, status: number, fragment: RegExp): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(ErrorBody.parse(JSON.parse(text)).error.message, fragment);
}

async function alive(): Promise<void> {
  assert.equal((await client.request(apiRoutes.health())).status, 200, 'the backend still answers');
}

const upgradeHead = (target: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'layerwise-security-'));
  backend = await startBackend(
    [
      '--data-dir',
      dataDir,
      '--max-upload-mb',
      '1',
      '--max-inflight-mb',
      '1',
      '--body-timeout-s',
      '2'
    ],
    { LAYERWISE_TOKEN: TOKEN }
  );
  client = new Client(backend.url, backend.token);
  host = new URL(backend.url).host;
  uploads = await uploadAll(client, await tinyModel());
});

after(async () => {
  await backend.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('1-2: request targets that are not URLs', () => {
  it('refuses a WebSocket upgrade to //x:99999/ with 400 and keeps running', async () => {
    for (const auth of ['', `X-Layerwise-Token: ${TOKEN}\r\n`]) {
      const reply = await raw(upgradeHead('//x:99999/api/events', auth));
      assert.equal(reply.status, 400, reply.text);
      assert.match(jsonBody(reply).error.message, /not a valid URL/);
      await alive();
    }
    // What a web page can make a browser send.
    const ws = new WebSocket(`ws://${host}//x:99999/api/events`);
    const status = await new Promise<number>(resolve => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(status, 400);
    await alive();
  });

  it('answers the same target on plain HTTP with 400, logging neither the query nor a stack', async () => {
    const reply = await raw(
      `GET //x:99999/api/health?token=query-secret-1234 HTTP/1.1\r\nHost: ${host}\r\n` +
        `X-Layerwise-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`
    );
    assert.equal(reply.status, 400, reply.text);
    assert.match(jsonBody(reply).error.message, /not a valid URL/);
    assert.doesNotMatch(backend.output(), /query-secret-1234/);
    assert.doesNotMatch(backend.output(), /\n\s+at /);
    await alive();
  });
});

describe('3: ONNX models cannot read files', () => {
  /** Protobuf: a length-delimited field, a varint field. */
  const bytesField = (field: number, value: Buffer | string) => {
    const data = Buffer.from(value);
    return Buffer.concat([varint(field * 8 + 2), varint(data.length), data]);
  };
  const varintField = (field: number, value: number) =>
    Buffer.concat([varint(field * 8), varint(value)]);
  function varint(value: number): Buffer {
    const out: number[] = [];
    for (let v = value; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        out.push(v);
        return Buffer.from(out);
      }
      out.push(v % 128 | 0x80);
    }
  }
  /** y = Identity(w), whose initializer w keeps its 4 floats in README.md. */
  function externalDataModel(where: 'initializer' | 'constant'): Buffer {
    const tensor = Buffer.concat([
      varintField(1, 4),
      varintField(2, 1),
      bytesField(8, 'w'),
      bytesField(13, Buffer.concat([bytesField(1, 'location'), bytesField(2, 'README.md')])),
      varintField(14, 1)
    ]);
    const node =
      where === 'initializer'
        ? Buffer.concat([bytesField(1, 'w'), bytesField(2, 'y'), bytesField(4, 'Identity')])
        : Buffer.concat([
            bytesField(2, 'y'),
            bytesField(4, 'Constant'),
            bytesField(5, Buffer.concat([bytesField(1, 'value'), bytesField(5, tensor)]))
          ]);
    const graph = Buffer.concat([
      bytesField(1, node),
      bytesField(2, 'g'),
      ...(where === 'initializer' ? [bytesField(5, tensor)] : []),
      bytesField(12, bytesField(1, 'y'))
    ]);
    return Buffer.concat([
      varintField(1, 8),
      bytesField(8, Buffer.concat([bytesField(1, ''), varintField(2, 13)])),
      bytesField(7, graph)
    ]);
  }

  it('refuses a model whose tensors are external data', async () => {
    for (const where of ['initializer', 'constant'] as const) {
      const response = await client.request(apiRoutes.uploadOnnx(), {
        method: 'POST',
        body: externalDataModel(where),
        headers: { 'content-type': 'application/octet-stream' }
      });
      await expectError(response, 400, /tensor "w" as external data/);
    }
  });

  it('runs in an empty working directory of its own', () => {
    const cwd = readlinkSync(`/proc/${backend.process.pid}/cwd`);
    assert.notEqual(cwd, ROOT);
    assert.match(path.basename(cwd), /^layerwise-cwd-/);
    assert.deepEqual(readdirSync(cwd), []);
  });
});

describe('4: cross-origin requests', () => {
  const post = (headers: Record<string, string>) =>
    fetch(new URL(apiRoutes.uploadArray('float32', [1]), backend.url), {
      method: 'POST',
      body: new Uint8Array(4),
      headers: { 'x-layerwise-token': TOKEN, ...headers }
    });

  it('refuses a state change without X-Layerwise-Request or from another origin', async () => {
    await expectError(await post({}), 403, /X-Layerwise-Request: 1/i);
    await expectError(
      await post({ 'x-layerwise-request': '1', origin: 'http://evil.example' }),
      403,
      /another origin/
    );
    await expectError(
      await post({ 'x-layerwise-request': '1', 'sec-fetch-site': 'cross-site' }),
      403,
      /cross-site/
    );
    // A same-site page on another port is another origin.
    await expectError(
      await post({ 'x-layerwise-request': '1', 'sec-fetch-site': 'same-site' }),
      403,
      /same-site/
    );
    const own = await post({
      'x-layerwise-request': '1',
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin'
    });
    assert.equal(own.status, 201, await own.text());
  });

  it('refuses a WebSocket opened by a page of another origin', async () => {
    const open = (origin: string) =>
      new Promise<number>(resolve => {
        const ws = new WebSocket(`ws://${host}/api/events?token=${TOKEN}`, { origin });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => resolve(-1));
      });
    assert.equal(await open('http://evil.example'), 403);
    assert.equal(await open(`http://${host}`), 101);
  });
});

describe('5: uploads are streamed under limits', () => {
  it('writes an upload to disk as it arrives, and refuses uploads past the in-flight limit', async () => {
    const size = 700 * 1024;
    const head =
      `POST /${apiRoutes.uploadArray('uint8', [size])} HTTP/1.1\r\nHost: ${host}\r\n` +
      `X-Layerwise-Token: ${TOKEN}\r\nX-Layerwise-Request: 1\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`;
    const socket = connect(Number(new URL(backend.url).port), '127.0.0.1');
    await new Promise<void>(resolve => socket.on('connect', resolve));
    socket.write(head);
    socket.write(Buffer.alloc(300 * 1024, 7));
    const uploadsDir = path.join(dataDir, 'uploads');
    // The 300 KiB sent so far are on disk already, not held in memory until the end.
    const written = async () => {
      for (let i = 0; i < 200; i++) {
        const found = readdirSync(uploadsDir).filter(name => name.endsWith('.tmp'));
        const size = found.length === 1 ? statSync(path.join(uploadsDir, found[0])).size : 0;
        if (size >= 300 * 1024) {
          return size;
        }
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      return 0;
    };
    assert.equal(await written(), 300 * 1024, 'the body goes to a temporary file as it arrives');

    // 700 KiB are in flight out of 1 MiB: another 700 KiB does not fit.
    const second = await fetch(new URL(apiRoutes.uploadArray('uint8', [size]), backend.url), {
      method: 'POST',
      body: new Uint8Array(size),
      headers: { 'x-layerwise-token': TOKEN, 'x-layerwise-request': '1' }
    });
    await expectError(second, 413, /uploads in progress would pass the limit of 1 MiB/);

    // The rest of the body, without closing our side: a half-closed request is dropped.
    const reply = new Promise<string>(resolve => {
      let text = '';
      socket.on('data', chunk => {
        text += chunk.toString();
        if (/\r\n\r\n\{.*\}$/s.test(text)) {
          socket.destroy();
          resolve(text);
        }
      });
    });
    socket.write(Buffer.alloc(size - 300 * 1024, 7));
    assert.match(await reply, /^HTTP\/1\.1 201/);
    assert.deepEqual(
      readdirSync(uploadsDir).filter(name => name.endsWith('.tmp')),
      [],
      'no temporary file left'
    );
    // The in-flight bytes were given back.
    const third = await client.uploadArray('uint8', [size], new Uint8Array(size).fill(9));
    assert.match(third, /^[0-9a-f]{64}$/);
  });

  it('refuses an upload over the per-upload limit with 413 before reading it', async () => {
    const reply = await raw(
      `POST /${apiRoutes.uploadWeights()} HTTP/1.1\r\nHost: ${host}\r\nX-Layerwise-Token: ${TOKEN}\r\n` +
        `X-Layerwise-Request: 1\r\nContent-Length: ${2 * 1024 * 1024 * 1024}\r\n\r\n`
    );
    assert.equal(reply.status, 413);
    assert.match(jsonBody(reply).error.message, /larger than the limit of 1 MiB/);
  });
});

describe('6: slow bodies', () => {
  it('cuts a body that stops arriving', async () => {
    const reply = await raw(
      `POST /${apiRoutes.uploadWeights()} HTTP/1.1\r\nHost: ${host}\r\nX-Layerwise-Token: ${TOKEN}\r\n` +
        'X-Layerwise-Request: 1\r\nContent-Length: 100\r\n\r\n',
      'ten bytes.',
      8000
    );
    assert.ok(reply.closed, `the socket is still open after ${reply.elapsedMs} ms`);
    assert.equal(reply.status, 408, reply.text);
    assert.match(jsonBody(reply).error.message, /stalled/);
  });

  it('closes a connection whose unread body never comes', async () => {
    const reply = await raw(
      `GET /${apiRoutes.health()} HTTP/1.1\r\nHost: ${host}\r\nX-Layerwise-Token: ${TOKEN}\r\n` +
        'Content-Length: 100\r\n\r\n',
      '',
      8000
    );
    assert.ok(reply.closed, `the socket is still open after ${reply.elapsedMs} ms`);
  });
});

describe('8: cost caps', () => {
  it('refuses 2^31 noise draws unless forced', async () => {
    const costly = jobRequest(uploads, { stability: { enabled: true, draws: 2 ** 31 } });
    const response = await client.request(apiRoutes.jobs(), {
      method: 'POST',
      body: JSON.stringify(costly),
      headers: { 'content-type': 'application/json' }
    });
    await expectError(response, 400, /stability.draws = 2,147,483,648 is above the limit.*force/);
    for (const options of [
      { probe: { maxEpochs: 1e9 } },
      { solver: { kind: 'lab-sgd', steps: 1e9 } },
      { solver: { kind: 'exact', maxRounds: 1e6 } }
    ]) {
      const refused = await client.request(apiRoutes.jobs(), {
        method: 'POST',
        body: JSON.stringify(jobRequest(uploads, options)),
        headers: { 'content-type': 'application/json' }
      });
      await expectError(refused, 400, /is above the limit/);
    }
    const forced = await client.createJob(
      jobRequest(uploads, { stability: { enabled: true, draws: 2 ** 31 }, force: true })
    );
    await client.json(apiRoutes.cancelJob(forced.id), { method: 'POST' });
    assert.equal((await client.waitFor(forced.id)).state, 'cancelled');
  });
});

describe('9: weightsManifest', () => {
  const postModel = (json: unknown) =>
    client.request(apiRoutes.uploadModelJson(), {
      method: 'POST',
      body: JSON.stringify(json),
      headers: { 'content-type': 'application/json' }
    });

  it('refuses a malformed manifest at upload, naming the entry', async () => {
    const model = JSON.parse(new TextDecoder().decode((await tinyModel()).modelJson));
    await expectError(
      await postModel({ ...model, weightsManifest: [{ paths: [], weights: [{ name: 'k' }] }] }),
      400,
      /malformed weightsManifest \(weightsManifest\.0\.weights\.0\.shape/
    );
    await expectError(
      await postModel({ ...model, weightsManifest: [{ paths: ['w.bin'] }] }),
      400,
      /weightsManifest\.0\.weights/
    );
  });

  it('refuses weights whose size the manifest does not describe, at submit', async () => {
    const weights = await client.upload(apiRoutes.uploadWeights(), new Uint8Array(12));
    const request = jobRequest(uploads);
    const response = await client.request(apiRoutes.jobs(), {
      method: 'POST',
      body: JSON.stringify({ ...request, model: { ...request.model, weights } }),
      headers: { 'content-type': 'application/json' }
    });
    await expectError(
      response,
      400,
      /model.weights has 12 bytes; the weightsManifest .* describes \d+/
    );
  });
});

describe('11: float64 inputs beyond float32', () => {
  it('names the sample and element instead of blaming the model', async () => {
    const values = Float64Array.from(floats(8, 7));
    values[5] = 1e300;
    const samples = await client.uploadArray('float64', [2, 4], values);
    const job = await client.createJob({ ...jobRequest(uploads), samples });
    const done = await client.waitFor(job.id);
    assert.equal(done.state, 'failed');
    assert.match(
      done.error ?? '',
      /^samples: sample 1 \(element 1 of it.*1e\+300, beyond float32's range/
    );
    assert.doesNotMatch(done.error ?? '', /NaN/);
  });
});

describe('7: tokens', () => {
  const serve = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/backend/server/serve.ts'), '--port', '0', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, LAYERWISE_TOKEN: '', ...env },
        encoding: 'utf8',
        timeout: 60_000
      }
    );

  it('refuses --token on the command line, and short tokens', () => {
    const given = serve(['--token', TOKEN]);
    assert.equal(given.status, 2);
    assert.match(given.stderr, /--token is not accepted.*\(ps\).*LAYERWISE_TOKEN.*--token-file/s);
    const short = serve([], { LAYERWISE_TOKEN: 'abcd1234' });
    assert.equal(short.status, 2);
    assert.match(
      short.stderr,
      /too easy to guess: the token has 8 characters; it needs at least 32/
    );
    const file = path.join(dataDir, 'token');
    writeFileSync(file, 'a'.repeat(40) + '\n');
    const repeated = serve(['--token-file', file]);
    assert.equal(repeated.status, 2);
    assert.match(repeated.stderr, /--token-file .* too easy to guess/);
  });

  it('reads the token from --token-file', async () => {
    const file = path.join(dataDir, 'good-token');
    const token = 'file-token-0123456789abcdefghijklmnop';
    writeFileSync(file, `${token}\n`);
    const other = await startBackend([
      '--data-dir',
      path.join(dataDir, 'other'),
      '--token-file',
      file
    ]);
    try {
      assert.doesNotMatch(other.output(), new RegExp(token));
      const health = await fetch(new URL(apiRoutes.health(), other.url), {
        headers: { 'x-layerwise-token': token }
      });
      assert.equal(health.status, 200);
    } finally {
      await other.stop();
    }
  });

  it('takes ?token= only on the WebSocket', async () => {
    const http = await fetch(new URL(`${apiRoutes.health()}?token=${TOKEN}`, backend.url));
    await expectError(http, 401, /token/);
    const ws = new WebSocket(`ws://${host}/api/events?token=${TOKEN}`);
    const first = await new Promise<string>((resolve, reject) => {
      ws.on('message', data => resolve(String(data)));
      ws.on('error', reject);
    });
    ws.close();
    assert.equal(JSON.parse(first).type, 'snapshot');
  });

  it('slows down wrong tokens, then answers 429, while the right token still passes', async () => {
    const wrong = () =>
      fetch(new URL(apiRoutes.health(), backend.url), {
        headers: { 'x-layerwise-token': 'x'.repeat(40) }
      });
    const started = Date.now();
    const first = await wrong();
    const second = await wrong();
    assert.deepEqual([first.status, second.status], [401, 401]);
    assert.ok(Date.now() - started >= 250, 'each wrong token answers later');
    const burst = await Promise.all(Array.from({ length: 40 }, wrong));
    const statuses = burst.map(r => r.status);
    assert.ok(statuses.filter(s => s === 429).length >= 10, statuses.join(' '));
    await expectError(burst[burst.length - 1], 429, /too many requests with a wrong token/);
    const right = Date.now();
    await alive();
    assert.ok(Date.now() - right < 500, 'the right token is not held back');
  });
});
