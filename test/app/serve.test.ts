/**
 * `lab serve` security and wire protocol, against a real server on a random loopback port: token required on
 * every HTTP request and WebSocket upgrade, Host and Origin checked, oversized frames refused, and the contract
 * answered over the socket (including a dataset upload through the engine's validator).
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../electron/serve/index.js';
import { createLabApiClient, LabApiError } from '../../electron/shared/client.js';
import type { Reply } from '../../electron/shared/channels.js';
import { connectWebSocketTransport } from '../../electron/shared/wsTransport.js';
import { MAX_FILE_BYTES } from '../../electron/engine/data/index.js';

let server: RunningServer;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-serve-'));
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), 'not for you');
  server = await startServer({ port: 0, dataDir: path.join(tmp, 'data'), rendererDir: renderer, maxMessageBytes: 1024 * 1024, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
function upgradeStatus(query: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

async function connect(): Promise<{ ws: WebSocket; call: (channel: string, payload: unknown) => Promise<Reply<any>> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (r: Reply<any>) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if ('id' in msg) pending.get(msg.id)?.(msg.reply);
  });
  return {
    ws,
    call: (channel, payload) =>
      new Promise((resolve) => {
        const n = ++id;
        pending.set(n, resolve);
        ws.send(JSON.stringify({ id: n, channel, payload }));
      }),
  };
}

describe('serve: HTTP', () => {
  it('refuses requests without the token or with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=nope')).status).toBe(401);
    expect((await get(`/?token=${server.token}x`)).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
  });

  it('serves the page with the token, with a strict CSP and a cookie for its own assets', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>lab</title>');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    // Network access only to this server: its own origin and its own WebSocket URL, no other host.
    const connect = /connect-src ([^;]*)/.exec(String(page.headers['content-security-policy']))![1];
    expect(connect.split(' ')).toEqual(["'self'", `ws://127.0.0.1:${server.port}`]);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await get('/assets/app.js', { cookie: cookie.split(';')[0] });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log(1)');
  });

  it('refuses a foreign Origin and a foreign Host even with the token', async () => {
    expect((await get(`/?token=${server.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, { origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    expect((await get(`/../secret.txt?token=${server.token}`)).status).toBe(404);
    expect((await get(`/%2e%2e/secret.txt?token=${server.token}`)).status).toBe(404);
  });
});

describe('serve: WebSocket', () => {
  it('refuses upgrades without the token, with a wrong token, or from a foreign Origin', async () => {
    const own = { origin: `http://127.0.0.1:${server.port}` };
    expect(await upgradeStatus('', own)).toBe(401);
    expect(await upgradeStatus('?token=wrong', own)).toBe(401);
    expect(await upgradeStatus(`?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`?token=${server.token}`, own)).toBe(101);
  });

  it('answers the contract and rejects invalid payloads with a typed error', async () => {
    const { ws, call } = await connect();
    try {
      const info = await call('app.info', undefined);
      expect(info).toMatchObject({ ok: true, value: { mode: 'serve', nativeDialogs: false } });
      const bad = await call('runs.get', { runId: '../../etc' });
      expect(bad.ok).toBe(false);
      expect(bad.ok === false && bad.error.code).toBe('INVALID_PAYLOAD');
      const unknown = await call('shell.exec', { cmd: 'ls' });
      expect(unknown.ok === false && unknown.error.code).toBe('INVALID_PAYLOAD');
      const dialog = await call('dataset.open', undefined);
      expect(dialog.ok === false && dialog.error.code).toBe('ARGUMENT');
    } finally {
      ws.close();
    }
  });

  it('validates uploads with the engine: counts for a good file, the line for a bad one', async () => {
    const { ws, call } = await connect();
    try {
      // Six words: the fewest for which train, dev and test each get one.
      const good = await call('dataset.upload', { name: 'tiny.txt', base64: Buffer.from('emma\nolivia\r\nava\nmia\nzoe\nnora\n').toString('base64') });
      expect(good.ok).toBe(true);
      const summary = good.ok ? good.value : null;
      expect(summary.wordCount).toBe(6);
      expect(summary.vocab[0]).toBe('.');
      expect(summary.examples.train + summary.examples.val + summary.examples.test).toBe(4 + 1 + 6 + 1 + 3 + 1 + 3 + 1 + 3 + 1 + 4 + 1);
      const bad = await call('dataset.upload', { name: 'bad.txt', base64: Buffer.from('emma\nmr.smith\n').toString('base64') });
      expect(bad.ok).toBe(false);
      expect(bad.ok === false && bad.error.code).toBe('DATASET');
      expect(bad.ok === false && bad.error.details?.line).toBe(2);
      const serveExport = await call('fold.export', { runId: 'x', folder: '/tmp' });
      expect(serveExport.ok === false && serveExport.error.code).toBe('ARGUMENT');
      // No reading server files by path: datasets are uploaded, models come only from the data folder.
      const byPath = await call('dataset.loadFromPath', { path: path.join(tmp, 'secret.txt') });
      expect(byPath.ok === false && byPath.error.code).toBe('ARGUMENT');
      const outside = await call('sample', { source: { kind: 'model', path: path.join(tmp, 'secret.txt') }, count: 1, seed: 1 });
      expect(outside.ok === false && outside.error.code).toBe('MODEL_FILE');
      expect(outside.ok === false && outside.error.message).not.toContain('not for you');
    } finally {
      ws.close();
    }
  });

  it('closes a socket that sends a frame over the size limit', async () => {
    const { ws } = await connect();
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
  });
});

/** POSTs raw bytes to /upload; resolves with the status and the JSON reply. */
function post(pathAndQuery: string, body: Buffer | null, headers: Record<string, string | number> = {}): Promise<{ status: number; reply: Reply<any> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reply: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const uploadsDir = () => path.join(tmp, 'data', 'uploads');
const leftovers = () => readdirSync(uploadsDir()).filter((f) => f.startsWith('.'));

describe('serve: POST /upload', () => {
  it('stores a good file under its SHA-256 and answers its summary; a bad one gets its line', async () => {
    const bytes = Buffer.from('emma\nolivia\r\nava\nmia\nzoe\nbo\n');
    const good = await post(`/upload?token=${server.token}&name=tiny.txt`, bytes, { 'content-type': 'application/octet-stream' });
    expect(good.status).toBe(200);
    expect(good.reply).toMatchObject({ ok: true, value: { name: 'tiny.txt', source: 'upload', wordCount: 6, bytes: bytes.length } });
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(good.reply.ok && good.reply.value.sha256).toBe(sha);
    expect(readFileSync(path.join(uploadsDir(), `${sha}.txt`)).equals(bytes)).toBe(true);

    const bad = await post(`/upload?token=${server.token}&name=bad.txt`, Buffer.from('emma\nmr.smith\n'));
    expect(bad.status).toBe(400);
    expect(bad.reply).toMatchObject({ ok: false, error: { code: 'DATASET', details: { line: 2 } } });
    expect(bad.reply.ok === false && bad.reply.error.message).toMatch(/^bad\.txt, line 2: /);
    expect(leftovers()).toEqual([]);
  });

  it('needs the token, a POST and a sane Content-Length', async () => {
    expect((await post('/upload?name=x.txt', Buffer.from('emma\n'))).status).toBe(401);
    expect((await get(`/upload?token=${server.token}`)).status).toBe(405);
    expect((await post(`/upload?token=${server.token}`, Buffer.from('emma\n'), { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('refuses a declared size over the limit before reading any of it', async () => {
    const res = await new Promise<{ status: number; reply: Reply<unknown> }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: `/upload?token=${server.token}&name=huge.txt`, method: 'POST', headers: { 'content-length': MAX_FILE_BYTES + 1 } },
        (r) => {
          let text = '';
          r.on('data', (c) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, reply: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write('emma\n'); // and then nothing: the answer must not wait for the body
    });
    expect(res.status).toBe(413);
    expect(res.reply).toMatchObject({ ok: false, error: { code: 'DATASET', message: 'huge.txt: file is over the 100 MB limit for a words file' } });
    expect(leftovers()).toEqual([]);
  });

  it('stops a chunked upload as soon as it passes the limit, answers 413 and leaves no file', async () => {
    const chunk = Buffer.alloc(4 * 1024 * 1024, 'emma\n');
    let written = 0;
    const outcome = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/upload?token=${server.token}&name=big.txt`, method: 'POST' }, (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Keeps sending (well past the limit) until the server has answered.
      const pump = () => {
        while (written < 3 * MAX_FILE_BYTES && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.text)).toMatchObject({ ok: false, error: { code: 'DATASET' } });
    // The server read just past the limit (plus what the sockets buffered), not the whole 300 MB.
    expect(written).toBeLessThan(MAX_FILE_BYTES + 32 * 1024 * 1024);
    expect(leftovers()).toEqual([]);
    // Still serving.
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });

  it("the browser client's loadFile uploads over HTTP (not the socket) and turns refusals into LabApiError", async () => {
    const transport = connectWebSocketTransport({
      location: { protocol: 'http:', host: `127.0.0.1:${server.port}`, search: `?token=${server.token}` },
      WebSocketImpl: WebSocket as never,
    });
    const sentOnSocket: string[] = [];
    const invoke = transport.invoke.bind(transport);
    transport.invoke = (channel, payload) => (sentOnSocket.push(channel), invoke(channel, payload));
    const lab = createLabApiClient(transport);
    const summary = await lab.dataset.loadFile(new File(['noah\nliam\nmia\nzoe\nli\nbo\n'], 'dropped.txt'));
    expect(summary).toMatchObject({ name: 'dropped.txt', source: 'upload', wordCount: 6 });
    const error = await lab.dataset.loadFile(new File(['a.b\n'], 'dotted.txt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabApiError);
    expect(error).toMatchObject({ code: 'DATASET', details: { line: 1 } });
    expect(sentOnSocket).toEqual([]);
    expect(await lab.app.info()).toMatchObject({ mode: "serve" });
  });
});
