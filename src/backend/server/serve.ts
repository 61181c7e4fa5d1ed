/**
 * `layerwise serve`: the backend on loopback behind a token. Run through the CLI or directly
 * (`node --import tsx src/backend/server/serve.ts --port 0`). Behind Jupyter, layerwise/proxy.py
 * starts it with the token in LAYERWISE_TOKEN and the proxy adds that token to every request.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { optionalNumber, parseCommandLine } from '../cli/args';
import type { Command } from '../cli/command';
import { UserError } from '../cli/errors';
import { createApp } from './app';
import { randomToken } from './auth';
import { resolvePreference } from '../tfjsBackend';
import { createExecutor } from './analysis';
import { JobQueue } from './jobQueue';
import { attachEvents } from './progress';
import { ResultStore } from './resultStore';
import { UploadStore } from './uploads';

export const SERVE_USAGE = `usage: layerwise serve [--port P] [--host 127.0.0.1] [--token T] [--data-dir D]
                      [--max-upload-mb M] [--max-stored-mb M] [--backend B] [--allow-remote]

Runs the Layerwise backend (HTTP + WebSocket API) on loopback. Every request needs the token:
--token, else $LAYERWISE_TOKEN, else a random one printed once at start.
  --port P           port to listen on (0 = any free port; default 8765)
  --host H           address to bind (default 127.0.0.1); others need --allow-remote
  --data-dir D       where finished results are kept (default $XDG_DATA_HOME/layerwise)
  --max-upload-mb M  largest single upload (default 512)
  --max-stored-mb M  memory for uploads kept for jobs (default 4096)
  --backend B        tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu
                     (default $LAYERWISE_BACKEND, else auto: the fastest available)
  --allow-remote     allow a non-loopback --host (the token is then the only protection)`;

export interface ServeOptions {
  host: string;
  port: number;
  token: string;
  /** Print the token: it was generated here, so nobody else knows it. */
  showToken: boolean;
  dataDir: string;
  maxUploadBytes: number;
  maxStoredBytes: number;
  backend: string;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAYERWISE_DATA_DIR) {
    return env.LAYERWISE_DATA_DIR;
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
      'data-dir': { type: 'string' },
      'max-upload-mb': { type: 'string' },
      'max-stored-mb': { type: 'string' },
      backend: { type: 'string' },
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
  const given = typeof values.token === 'string' ? values.token : env.LAYERWISE_TOKEN || undefined;
  if (given !== undefined && given.length < 8) {
    throw new UserError('the token must have at least 8 characters', 2);
  }
  const dataDir =
    typeof values['data-dir'] === 'string' ? path.resolve(values['data-dir']) : defaultDataDir(env);
  return {
    host,
    port,
    token: given ?? randomToken(),
    showToken: given === undefined,
    dataDir,
    maxUploadBytes: Math.floor(megabytes('max-upload-mb', 512)),
    maxStoredBytes: Math.floor(megabytes('max-stored-mb', 4096)),
    backend: resolvePreference(typeof values.backend === 'string' ? values.backend : undefined, env)
  };
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

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const version = toolVersion();
  const store = await ResultStore.open(options.dataDir, undefined, log);
  const uploads = new UploadStore(options.maxStoredBytes);
  const executor = createExecutor(options.backend, version, uploads, log);
  const queue = new JobQueue({ store, uploads, execute: executor.execute, log });
  const server = createServer(
    createApp({
      token: options.token,
      version,
      uploads,
      queue,
      store,
      maxUploadBytes: options.maxUploadBytes,
      tfjsBackend: executor.backendName,
      log
    })
  );
  // Long analyses are polled and uploads can be slow: only idle keep-alive sockets time out.
  server.requestTimeout = 0;
  const events = attachEvents(server, queue, options.token);
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
    }
  };
}

async function serve(args: string[]): Promise<void> {
  const options = parseServeArgs(args);
  const running = await startServer(options);
  process.stdout.write(
    `layerwise backend listening on ${running.url}\n` +
      (options.showToken ? `token: ${options.token}\n` : '') +
      `results folder: ${options.dataDir}\n`
  );
  await new Promise<void>(resolve => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
