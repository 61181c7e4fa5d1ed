/**
 * Job events over WebSocket (`api/events[?job=ID]`): a snapshot on connect, then every change
 * of a watched job (state, progress, queue position). jupyter-server-proxy relays WebSockets
 * and adds the token header to the upgrade request like to any other.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JobEvent, JobStatus } from '../../protocol/api';
import { presentedToken, tokenMatches } from './auth';
import type { JobQueue } from './jobQueue';

const EVENTS_PATH = '/api/events';
const SLOW_CLIENT_BYTES = 1 << 20;
const HEARTBEAT_MS = 30_000;

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { code: reason, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function send(ws: WebSocket, event: JobEvent): void {
  ws.send(JSON.stringify(event));
}

export function attachEvents(server: Server, queue: JobQueue, token: string): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!tokenMatches(token, presentedToken(req, url))) {
      refuse(socket, 401, 'Unauthorized', 'a valid layerwise token is required');
      return;
    }
    if (url.pathname !== EVENTS_PATH) {
      refuse(socket, 404, 'Not Found', `no WebSocket endpoint at ${url.pathname}`);
      return;
    }
    const jobId = url.searchParams.get('job');
    let snapshot: JobStatus[];
    try {
      snapshot = jobId === null ? queue.list() : [queue.get(jobId)];
    } catch {
      refuse(socket, 404, 'Not Found', `no job ${jobId}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, ws => {
      send(ws, { type: 'snapshot', jobs: snapshot });
      const onChange = (job: JobStatus): void => {
        if (jobId !== null && job.id !== jobId) {
          return;
        }
        // A client this far behind skips progress ticks; state changes always go out.
        const behind = ws.bufferedAmount > SLOW_CLIENT_BYTES;
        if (!(behind && job.state === 'running')) {
          send(ws, { type: 'job', job });
        }
      };
      queue.on('change', onChange);
      let alive = true;
      ws.on('pong', () => {
        alive = true;
      });
      const heartbeat = setInterval(() => {
        if (!alive) {
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, HEARTBEAT_MS);
      ws.on('close', () => {
        clearInterval(heartbeat);
        queue.off('change', onChange);
      });
      ws.on('error', () => ws.terminate());
    });
  });
  return wss;
}
