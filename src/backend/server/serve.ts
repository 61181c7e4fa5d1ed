/**
 * `layerwise serve`: the backend on loopback behind a token. Run through the CLI or directly
 * (`node --import tsx src/backend/server/serve.ts --port 0`). Behind Jupyter, layerwise/proxy.py
 * starts it with the token in LAYERWISE_TOKEN and the proxy adds that token to every request.
 * The token never goes on the command line, where every user of the machine can read it (ps).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { optionalNumber, parseCommandLine } from '../cli/args';
import type { Command } from '../cli/command';
import { UserError } from '../cli/errors';
import { createApp } from './app';
import { AuthBackoff, randomToken, weakTokenReason } from './auth';
import { resolvePreference } from '../tfjsBackend';
import { createExecutor } from './analysis';
import { JobQueue } from './jobQueue';
import { attachEvents } from './progress';
import { ResultStore } from './resultStore';
import { UploadStore } from './uploads';
import { parseRedisUrl } from '../queue/redisUrl';

export const SERVE_USAGE = `usage: layerwise serve [--port P] [--host 127.0.0.1] [--token-file F] [--data-dir D]
                      [--max-upload-mb M] [--max-stored-mb M] [--max-inflight-mb M]
                      [--body-timeout-s S] [--backend B] [--queue URL] [--allow-remote]

Runs the Layerwise backend (HTTP + WebSocket API) on loopback. Every request needs the token:
$LAYERWISE_TOKEN, else the first line of --token-file, else a random one printed once at
start. A token has at least 32 characters (e.g. \`openssl rand -hex 24\`).
  --port P             port to listen on (0 = any free port; default 8765)
  --host H             address to bind (default 127.0.0.1); others need --allow-remote
  --token-file F       file holding the token (keep it readable by you only)
  --data-dir D         where results and uploads are kept (default $XDG_DATA_HOME/layerwise)
  --max-upload-mb M    largest single upload (default 512)
  --max-stored-mb M    disk for uploads kept for jobs (default 4096)
  --max-inflight-mb M  all uploads being received at once (default 1024, at least the above)
  --body-timeout-s S   cut a request body that sends nothing for S seconds (default 60)
  --backend B          tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu
                       (default $LAYERWISE_BACKEND, else auto: the fastest available)
  --queue URL          send the jobs' solves to \`layerwise worker\`s through Redis at URL,
                       redis://[user:pass@]host:port (default $LAYERWISE_QUEUE; a job may name
                       its own, the panel's setting; docs/scale-out.md)
  --allow-remote       allow a non-loopback --host (the token is then the only protection)`;

export interface ServeOptions {
  host: string;
  port: number;
  token: string;
  /** Print the token: it was generated here, so nobody else knows it. */
  showToken: boolean;
  dataDir: string;
  maxUploadBytes: number;
  maxStoredBytes: number;
  maxInFlightBytes: number;
  bodyIdleMs: number;
  backend: string;
  /** Redis URL the jobs' solves go to (null: solved here). */
  queue: string | null;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAYERWISE_DATA_DIR) {
    return path.resolve(env.LAYERWISE_DATA_DIR);
  }
  if (process.platform === 'win32' && env.APPDATA) {
    return path.join(env.APPDATA, 'layerwise');
  }
  if (process.platform === 'darwin') {
    return path.join(homedir(), 'Library', 'Application Support', 'layerwise');
  }
  const base =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(homedir(), '.local', 'share');
  return path.join(base, 'layerwise');
}

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const parsed = parseCommandLine(
    args,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'max-upload-mb': { type: 'string' },
      'max-stored-mb': { type: 'string' },
      'max-inflight-mb': { type: 'string' },
      'body-timeout-s': { type: 'string' },
      backend: { type: 'string' },
      queue: { type: 'string' },
      'allow-remote': { type: 'boolean' }
    },
    SERVE_USAGE,
    0
  );
  const { values } = parsed;
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  if (!isLoopback(host) && values['allow-remote'] !== true) {
    throw new UserError(
      `refusing to listen on ${host}: it is not a loopback address. The backend runs analyses ` +
        'for anyone holding the token; pass --allow-remote if you really want it reachable from other machines',
      2
    );
  }
  const port =
    optionalNumber(
      parsed,
      'port',
      v => Number.isInteger(v) && v >= 0 && v <= 65535,
      'a port number (0-65535)'
    ) ?? 8765;
  const megabytes = (name: string, fallback: number) =>
    (optionalNumber(parsed, name, v => v > 0, 'a positive number of MiB') ?? fallback) *
    1024 *
    1024;
  const given = readToken(values, env);
  const dataDir =
    typeof values['data-dir'] === 'string' ? path.resolve(values['data-dir']) : defaultDataDir(env);
  const maxUploadBytes = Math.floor(megabytes('max-upload-mb', 512));
  return {
    host,
    port,
    token: given ?? randomToken(),
    showToken: given === undefined,
    dataDir,
    maxUploadBytes,
    maxStoredBytes: Math.floor(megabytes('max-stored-mb', 4096)),
    maxInFlightBytes: Math.max(maxUploadBytes, Math.floor(megabytes('max-inflight-mb', 1024))),
    bodyIdleMs:
      (optionalNumber(parsed, 'body-timeout-s', v => v > 0, 'a positive number of seconds') ?? 60) *
      1000,
    backend: resolvePreference(
      typeof values.backend === 'string' ? values.backend : undefined,
      env
    ),
    queue: queueOf(values.queue, env)
  };
}

/** --queue, else $LAYERWISE_QUEUE (which keeps a password off the command line); checked now. */
function queueOf(given: string | boolean | undefined, env: NodeJS.ProcessEnv): string | null {
  const url = typeof given === 'string' ? given : env.LAYERWISE_QUEUE || null;
  if (url !== null) {
    parseRedisUrl(url);
  }
  return url;
}

/** The token from $LAYERWISE_TOKEN or --token-file; undefined when neither gives one. */
function readToken(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv
): string | undefined {
  if (values.token !== undefined) {
    throw new UserError(
      '--token is not accepted: a token on the command line is visible to every user of this ' +
        'machine (ps). Put it in the LAYERWISE_TOKEN environment variable, or in a file ' +
        'readable only by you and pass --token-file FILE',
      2
    );
  }
  let token = env.LAYERWISE_TOKEN || undefined;
  let from = 'LAYERWISE_TOKEN';
  const file = values['token-file'];
  if (token === undefined && typeof file === 'string') {
    try {
      token = readFileSync(file, 'utf8').split(/\r?\n/)[0].trim();
    } catch (error) {
      throw new UserError(
        `cannot read --token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        2
      );
    }
    from = `--token-file ${file}`;
  }
  if (token === undefined) {
    return undefined;
  }
  const weak = weakTokenReason(token);
  if (weak !== null) {
    throw new UserError(
      `the token from ${from} is too easy to guess: ${weak}. Use a random one, e.g. \`openssl rand -hex 24\``,
      2
    );
  }
  return token;
}

export function toolVersion(): string {
  // src/backend/server and build/backend/server both sit three folders below the package root.
  try {
    const pkg = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')
    );
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function log(message: string): void {
  process.stderr.write(`[layerwise ${new Date().toISOString()}] ${message}\n`);
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Uploads go next to the results; when that folder cannot be written, to a fresh temporary
 * one that goes away with the process.
 */
async function openUploads(
  options: ServeOptions,
  store: ResultStore
): Promise<{
  uploads: UploadStore;
  temporary: string | null;
}> {
  const limits = {
    maxStoredBytes: options.maxStoredBytes,
    maxInFlightBytes: options.maxInFlightBytes
  };
  if (store.diskProblem === null) {
    try {
      return {
        uploads: await UploadStore.open(path.join(options.dataDir, 'uploads'), limits, log),
        temporary: null
      };
    } catch (error) {
      log(`uploads go to a temporary folder: ${(error as Error).message}`);
    }
  }
  const temporary = mkdtempSync(path.join(tmpdir(), 'layerwise-uploads-'));
  return { uploads: await UploadStore.open(temporary, limits, log), temporary };
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'the request headers are too large'
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request took too long to arrive']
};

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const version = toolVersion();
  const store = await ResultStore.open(options.dataDir, undefined, log);
  const { uploads, temporary } = await openUploads(options, store);
  const executor = createExecutor(options.backend, version, uploads, log, options.queue);
  const queue = new JobQueue({ store, uploads, execute: executor.execute, log });
  const backoff = new AuthBackoff();
  const server = createServer(
    createApp({
      token: options.token,
      version,
      uploads,
      queue,
      store,
      maxUploadBytes: options.maxUploadBytes,
      bodyIdleMs: options.bodyIdleMs,
      backoff,
      tfjsBackend: executor.backendName,
      log
    })
  );
  // A client that sends its request slowly, or stops mid-body, must not hold a socket (and a
  // file descriptor) for ever: headers get 20 s, a whole request (a large upload included)
  // 10 minutes, and a connection that sends nothing is closed: by the handler reading the
  // body (408) after the body timeout, or after twice that by the server.
  server.headersTimeout = 20_000;
  server.requestTimeout = 10 * 60_000;
  server.timeout = 2 * options.bodyIdleMs;
  // Malformed requests that never reach a handler get a JSON error like every other one.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const answered = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent;
    if (socket.writable && !answered && error.code !== 'ECONNRESET') {
      const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
        400,
        'Bad Request',
        'the request is not valid HTTP'
      ];
      const body = JSON.stringify({ error: { code: 'bad-request', message } });
      // end(), not destroy(): the answer is flushed before the close. Closing at once with the
      // client's unread input makes the kernel reset the connection, and a reset can drop
      // the answer on the client's side before it reads it.
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    socket.destroy();
  });
  const events = attachEvents(server, queue, options.token, backoff, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UserError(
              `port ${options.port} on ${options.host} is in use; pass another --port (0 = any free port)`
            )
          : error.code === 'EADDRNOTAVAIL'
            ? new UserError(`cannot listen on ${options.host}: no such local address`)
            : error
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    options.host.includes(':') && !options.host.startsWith('[')
      ? `[${options.host}]`
      : options.host;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: async () => {
      for (const client of events.clients) {
        client.terminate();
      }
      events.close();
      const closed = new Promise<void>(resolve => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, queue.shutdown()]);
      if (temporary !== null) {
        rmSync(temporary, { recursive: true, force: true });
      }
    }
  };
}

async function serve(args: string[]): Promise<void> {
  const options = parseServeArgs(args);
  // ONNX Runtime and the model loaders resolve relative paths from here: an empty folder of
  // its own leaves nothing for a crafted model to read.
  const workDir = mkdtempSync(path.join(tmpdir(), 'layerwise-cwd-'));
  process.chdir(workDir);
  const running = await startServer(options);
  // Listening for the signals before saying so: a SIGTERM sent as soon as the line appears
  // must close the server and remove its folder, not kill it.
  const stopped = new Promise<void>(resolve => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(() => {
        rmSync(workDir, { recursive: true, force: true });
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(
    `layerwise backend listening on ${running.url}\n` +
      (options.showToken ? `token: ${options.token}\n` : '') +
      `results folder: ${options.dataDir}\n`
  );
  await stopped;
}

/** `layerwise serve`: runs until SIGINT or SIGTERM. */
export const serveCommand: Command = {
  summary: 'run the backend service (HTTP + WebSocket API) on loopback',
  usage: SERVE_USAGE,
  run: serve
};

if (require.main === module) {
  serve(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UserError) {
      process.stderr.write(`layerwise serve: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.stderr.write('layerwise serve: internal error (see above)\n');
      process.exitCode = 1;
    }
  });
}
