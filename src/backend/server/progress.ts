/**
 * Job events over WebSocket (`api/events[?job=ID]`): a snapshot on connect, then every change
 * of a watched job (state, progress, queue position). jupyter-server-proxy relays WebSockets
 * and adds the token header to the upgrade request like to any other.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JobEvent, JobStatus } from '../../protocol/api';
import { describeRequest, requestUrl } from './app';
import { authenticate, checkOrigin, type AuthBackoff } from './auth';
import { HttpError } from './http';
import type { JobQueue } from './jobQueue';

const EVENTS_PATH = '/api/events';
const SLOW_CLIENT_BYTES = 1 << 20;
const HEARTBEAT_MS = 30_000;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error'
};

function refuse(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

function send(ws: WebSocket, event: JobEvent): void {
  ws.send(JSON.stringify(event));
}

export function attachEvents(
  server: Server,
  queue: JobQueue,
  token: string,
  backoff: AuthBackoff,
  log: (message: string) => void
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = requestUrl(req.url);
    await authenticate(req, url, token, backoff, true);
    checkOrigin(req, true);
    if (url.pathname !== EVENTS_PATH) {
      throw new HttpError(404, 'not-found', `no WebSocket endpoint at ${url.pathname}`);
    }
    const jobId = url.searchParams.get('job');
    let snapshot: JobStatus[];
    try {
      snapshot = jobId === null ? queue.list() : [queue.get(jobId)];
    } catch {
      throw new HttpError(404, 'not-found', `no job ${jobId}`);
    }
    if (socket.destroyed) {
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
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets the connection must not take the process down.
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((error: unknown) => {
      if (error instanceof HttpError) {
        refuse(socket, error);
        return;
      }
      log(
        `upgrade ${describeRequest(req)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
      );
      refuse(socket, new HttpError(500, 'internal', 'internal error; see the backend log'));
    });
  });
  return wss;
}
