/**
 * `lab serve`: the built renderer over HTTP and the contract over a WebSocket, so the lab runs on a remote
 * (GPU) machine and is used from a browser. Same app service as the desktop app; training processes are
 * started with `child_process.fork` (the engine's worker client).
 *
 * Loopback only unless a host is given explicitly (then a warning is printed). Every request carries the token
 * (see ./security.ts), and everything a client sends before that is parsed without ever throwing; WebSocket
 * frames are limited in size; datasets arrive as a streamed `POST /upload` (./upload.ts) and go through the same
 * dataset validator, off the main thread when large; exports leave by `GET /download` and `/download-zip`
 * (./download.ts), confined to the data folder's exports/.
 */
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { forkWorker } from '../engine/worker/client.js';
import { dispatch } from '../app/dispatch.js';
import { createLabService, type LabService } from '../app/service.js';
import type { ClientMessage, ServerMessage } from '../shared/wire.js';
import type { EventChannel, EventOf } from '../shared/channels.js';
import {
  TOKEN_COOKIE,
  checkRequest,
  hostAllowed,
  isLoopbackHost,
  newToken,
  type GateOptions,
} from './security.js';
import { guard } from './guard.js';
import { UPLOAD_PATH, handleUpload } from './upload.js';
import { DOWNLOAD_PATH, DOWNLOAD_ZIP_PATH, handleDownload } from './download.js';

export { UPLOAD_PATH };

export interface ServeOptions {
  /** 0 (default 8765 from the CLI) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Anything not loopback must be asked for explicitly and prints a warning. */
  host?: string;
  /** Where runs, presets and uploads live (default ~/.makemore-lab). */
  dataDir?: string;
  /** Built renderer (default <repo>/out/renderer). */
  rendererDir?: string;
  /** Fixed token (tests); default a fresh random one. */
  token?: string;
  version?: string;
  /** Largest WebSocket message accepted (default MAX_WS_PAYLOAD); larger ones close the socket (1009). */
  maxMessageBytes?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** Open this in a browser: includes the token. */
  url: string;
  port: number;
  token: string;
  service: LabService;
  close(): Promise<void>;
}

/**
 * Largest WebSocket message. Every contract request is small (a preset or a run configuration is a few kB);
 * datasets are uploaded by `POST /upload`, streamed to disk, so no message needs to carry a file.
 */
export const MAX_WS_PAYLOAD = 1024 * 1024;

/**
 * The page's policy. Network access only to this server: 'self', plus the same origin's WebSocket URL spelled
 * out (`Host` was checked before this is sent) for browsers whose 'self' does not cover ws:.
 */
export function contentSecurityPolicy(host: string): string {
  return (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    `connect-src 'self' ws://${host}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`
  );
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The lab's version from package.json (two folders up in the source tree); '0.0.0' if it cannot be read. */
function packageVersion(): string {
  try {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/renderer');
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => console.log(line));
  if (!isLoopbackHost(bindHost)) {
    log(
      `WARNING: serving on ${bindHost}, reachable from other machines. Anyone with the URL (it contains the token) ` +
        'can train, read runs and write exports on this machine. Prefer an SSH tunnel to a loopback server.',
    );
  }
  const token = options.token ?? newToken();
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  const dataDir = path.resolve(options.dataDir ?? path.join(os.homedir(), '.makemore-lab'));
  const sockets = new Set<WebSocket>();

  const broadcast = <C extends EventChannel>(event: C, payload: EventOf<C>) => {
    const text = JSON.stringify({ event, payload } satisfies ServerMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const service = createLabService({
    mode: 'serve',
    version: options.version ?? packageVersion(),
    dataDir,
    spawnWorker: forkWorker,
    warmTraining: true,
    broadcast,
  });

  // Completed once the port is known; until then nothing is accepted.
  let gate: GateOptions = { token, hostAllowed: () => false };

  // Every handler below runs guarded: whatever one request makes it throw (synchronously or later) is logged and
  // answered for that request alone. The process must never end on a client's bytes: training processes would be
  // orphaned and their runs left marked running.
  const logError = (message: string, error: unknown) => log(`${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);

  const server = createServer(
    guard(
      async (req: IncomingMessage, res: ServerResponse) => {
        const admission = checkRequest(req, gate);
        if (!admission.ok) return refuse(res, admission.status, admission.reason);
        if (admission.url.pathname === UPLOAD_PATH) return handleUpload(req, res, admission.url, service, logError);
        if (admission.url.pathname === DOWNLOAD_PATH || admission.url.pathname === DOWNLOAD_ZIP_PATH) {
          return handleDownload(req, res, admission.url, dataDir);
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
        await serveStatic(req, res, admission.url, rendererDir, token);
      },
      (error, _req, res) => {
        logError('[lab] serve: request failed', error);
        if (!res.headersSent) refuse(res, 500, 'internal error');
        else res.destroy();
      },
    ),
  );

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? MAX_WS_PAYLOAD });
  server.on(
    'upgrade',
    guard(
      (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        // A client that resets the connection mid-upgrade must not become an unhandled 'error' event.
        socket.on('error', () => socket.destroy());
        const admission = checkRequest(req, gate);
        const status = !admission.ok ? admission.status : admission.url.pathname !== '/ws' ? 404 : 0;
        if (status !== 0) {
          socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          sockets.add(ws);
          ws.on('close', () => sockets.delete(ws));
          // Protocol errors (an oversized frame…) close this socket; they must never take the server down.
          ws.on('error', () => ws.terminate());
          ws.on(
            'message',
            guard(
              async (data: RawData, isBinary: boolean) => {
                if (isBinary) return ws.close(1003, 'text frames only');
                await handleMessage(ws, data.toString());
              },
              (error) => {
                logError('[lab] serve: message failed', error);
                ws.terminate();
              },
            ),
          );
        });
      },
      (error, _req, socket) => {
        logError('[lab] serve: upgrade failed', error);
        socket.destroy();
      },
    ),
  );

  async function handleMessage(ws: WebSocket, text: string): Promise<void> {
    let message: ClientMessage;
    try {
      message = JSON.parse(text) as ClientMessage;
    } catch {
      return ws.close(1007, 'not JSON');
    }
    if (!message || typeof message !== 'object' || !Number.isSafeInteger(message.id)) return ws.close(1008, 'bad message');
    const reply = await dispatch(service.handlers, message.channel, message.payload, logError);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: message.id, reply } satisfies ServerMessage));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  }).catch((e: unknown) => {
    // Not serving after all (port in use, bad host): end what the service started (its spare training process),
    // or that child would keep this process alive after the one-line error.
    service.shutdown();
    throw e;
  });
  // After start-up an error on the listening socket (too many open files…) is logged, not fatal.
  server.on('error', (error) => logError('[lab] serve: server error', error));
  const port = (server.address() as { port: number }).port;
  gate = { token, hostAllowed: hostAllowed(bindHost, port) };
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? os.hostname() : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const url = `http://${shownHost}:${port}/?token=${token}`;

  return {
    url,
    port,
    token,
    service,
    async close() {
      service.shutdown();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
    },
  };
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${status} ${reason}\n`);
}

/** Files of the built renderer only: the resolved path must stay inside `root`. */
async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, root: string, token: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return refuse(res, 400, 'bad path');
  }
  if (rel.includes('\0')) return refuse(res, 400, 'bad path');
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + path.sep)) return refuse(res, 404, 'not found');
  let body: Buffer;
  try {
    const info = await fs.stat(file);
    if (!info.isFile()) return refuse(res, 404, 'not found');
    body = await fs.readFile(file);
  } catch {
    if (rel === '/index.html') return refuse(res, 503, 'the renderer is not built yet: run `npm run build` first');
    return refuse(res, 404, 'not found');
  }
  const headers: Record<string, string> = {
    'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Security-Policy': contentSecurityPolicy(String(req.headers.host)),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
  // The page's own assets are requested without `?token=`: the first tokened load hands the browser a cookie
  // that only this origin sends back (HttpOnly: page scripts cannot read it; Strict: no cross-site sends).
  if (url.searchParams.has('token')) headers['Set-Cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
