/**
 * The panel's backend client marks every request with X-Layerwise-Request, which the backend
 * requires of state changes (a page of another site cannot send it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerConnection } from '@jupyterlab/services';
import { BackendClient } from '../../src/lab/backendClient';

const UPLOAD = {
  id: 'a'.repeat(64),
  kind: 'weights',
  bytes: 4,
  dtype: null,
  shape: null,
  createdAt: '2026-01-01T00:00:00Z'
};

test('sends X-Layerwise-Request: 1 with every request', async () => {
  const seen: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    seen.push(request);
    return new Response(JSON.stringify(UPLOAD), { status: 201 });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://jupyter.example/',
    wsUrl: 'ws://jupyter.example/',
    token: '',
    fetch,
    Request,
    Headers
  });
  const client = new BackendClient(settings);
  await client.uploadWeights(new Uint8Array(4));
  await client.uploadModelJson('{}');
  assert.equal(seen.length, 2);
  for (const request of seen) {
    assert.equal(request.headers.get('x-layerwise-request'), '1', request.url);
    assert.match(request.url, /^http:\/\/jupyter\.example\/layerwise\/api\/uploads\//);
  }
  assert.equal(seen[1].headers.get('content-type'), 'application/json');
});

test("without Node, the panel gets the proxy placeholder's message, not a bare 503", async () => {
  // The body layerwise/proxy.py's placeholder answers every request with.
  const message =
    "the Layerwise backend needs Node.js >= 20 and found none: install Node.js >= 20 with pip install 'layerwise[node]'";
  const body = JSON.stringify({ error: { code: 'backend-unavailable', message } });
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://jupyter.example/',
    wsUrl: 'ws://jupyter.example/',
    token: '',
    fetch: async () => new Response(body, { status: 503 }),
    Request,
    Headers
  });
  await assert.rejects(new BackendClient(settings).health(), { message });
});
