/**
 * Fuzz of everything `lab serve` parses before it knows who is asking: random request lines, methods, targets
 * (broken percent-escapes, `http://[`, absolute URLs, raw bytes), Host, Origin and Cookie headers (`lab_token=%`…),
 * as plain requests and as WebSocket upgrades. The bytes go over a raw net.Socket to the REAL server
 * (startServer) running in a process of its own, so a thrown exception shows up as what it would be in
 * production: the process exiting. After the barrage (and regularly during it) the server must still be alive,
 * must have answered every request with an HTTP status below 500 or a closed connection, and must still serve
 * the token URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const RUNS_PER_PROPERTY = 300;
/** A request that gets neither a status line nor a close within this long counts as a hang. */
const ANSWER_TIMEOUT_MS = 3000;

let child: ChildProcess;
let port = 0;
let token = '';
let tmp = '';
let childLog = '';
let sent = 0;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-serve-fuzz-'));
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
  child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../helpers/serveChild.ts'), path.join(tmp, 'data'), renderer], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (childLog += String(d)));
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${childLog}`)));
  });
  ({ port, token } = JSON.parse(first) as { port: number; token: string });
});

afterAll(() => {
  child?.kill('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Writes raw bytes, half-closes, and resolves with the status of the first answer (0: closed without one; -1: hang). */
function sendRaw(bytes: Buffer): Promise<number> {
  sent++;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => finish(-1), ANSWER_TIMEOUT_MS);
    socket.on('error', () => finish(statusOf(data)));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) finish(statusOf(data));
    });
    socket.on('close', () => finish(statusOf(data)));
    socket.on('connect', () => socket.end(bytes));
  });
}

function statusOf(head: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return m ? Number(m[1]) : 0;
}

function alive(): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** GET of the printed URL (with the token): the page must still come back. */
async function tokenUrlStatus(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/?token=${token}`).catch(() => null);
  return res?.status ?? 0;
}

function arbitraries() {
  const own = `127.0.0.1:${port}`;
  const hostile = fc.constantFrom(
    '%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2e%2e', 'http://[', '[', ']', '[::1', '//', '\\', '..', '?', '#', '&',
    'token=', 'token=%', `token=${token}`, ';', '=', ' ', '\t', 'é', '\u{1F600}', '\uFFFD', '\u0000', '\r', '\n', '\r\n',
    'lab_token', '/ws', '/upload', 'http://', 'ws://', 'localhost', own,
  );
  const fragment = fc.oneof(
    { weight: 3, arbitrary: hostile },
    { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  );
  const messy = fc.array(fragment, { maxLength: 6 }).map((parts) => parts.join(''));
  const target = fc.oneof(
    messy,
    messy.map((s) => `/${s}`),
    messy.map((s) => `/?token=${s}`),
    messy.map((s) => `/ws?token=${s}`),
    messy.map((s) => `/?token=${token}&${s}`),
    messy.map((s) => `/${s}?token=${token}`),
    messy.map((s) => `http://${s}`),
    messy.map((s) => `http://${own}/${s}`),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.constantFrom('*', 'http://[', 'http://[/', 'http://[::1', `/?token=${token}`, `/ws?token=${token}`, '/%', '/ws?token=%'),
  );
  const method = fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'BREW'), messy);
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '');
  // Mostly a Host the server accepts, so the requests get past the Host check to the token and path parsing.
  const host = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(own, `localhost:${port}`) }, { weight: 1, arbitrary: messy });
  const cookie = fc.oneof(
    messy.map((s) => `lab_token=${s}`),
    messy.map((s) => `a=b; lab_token=${s}; c`),
    fc.constantFrom('lab_token=%', 'lab_token=%E0%A4%A', `lab_token=${token}`, 'lab_token', '=;=;;'),
    messy,
  );
  const origin = fc.oneof(fc.constantFrom(`http://${own}`, 'null', 'http://[', 'http://evil.example'), messy);
  const headerName = fc.oneof(fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Expect', 'X-Forwarded-Host', 'Accept'), fc.string({ maxLength: 8 }));
  const request = (upgrade: boolean) =>
    fc.record({
      method: upgrade ? fc.oneof({ weight: 4, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: method }) : method,
      target,
      version,
      host: fc.option(host, { nil: undefined }),
      cookie: fc.option(cookie, { nil: undefined }),
      origin: fc.option(origin, { nil: undefined }),
      extra: fc.array(fc.tuple(headerName, messy), { maxLength: 3 }),
      key: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')), messy),
      wsVersion: fc.oneof(fc.constant('13'), messy),
      tail: fc.option(fc.uint8Array({ maxLength: 32 }), { nil: undefined }),
    }).map((r) => {
      const lines = [`${r.method} ${r.target} ${r.version}`.trimEnd()];
      if (r.host !== undefined) lines.push(`Host: ${r.host}`);
      if (r.cookie !== undefined) lines.push(`Cookie: ${r.cookie}`);
      if (r.origin !== undefined) lines.push(`Origin: ${r.origin}`);
      if (upgrade) lines.push('Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${r.key}`, `Sec-WebSocket-Version: ${r.wsVersion}`);
      for (const [name, value] of r.extra) lines.push(`${name}: ${value}`);
      const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
      return r.tail ? Buffer.concat([head, Buffer.from(r.tail)]) : head;
    });
  return { request };
}

async function barrage(upgrade: boolean): Promise<void> {
  const { request } = arbitraries();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(request(upgrade), async (bytes) => {
      const status = await sendRaw(bytes);
      const shown = JSON.stringify(bytes.toString('latin1')).slice(0, 300);
      if (!alive()) throw new Error(`the server died on ${shown}\n${childLog.slice(-2000)}`);
      if (status === -1) throw new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms to ${shown}`);
      if (status >= 500) throw new Error(`status ${status} for ${shown}`);
      if (++n % 50 === 0) expect(await tokenUrlStatus()).toBe(200);
    }),
    // A dead server fails every later input too: shrinking would only hide the one that killed it.
    { numRuns: RUNS_PER_PROPERTY, endOnFailure: true, seed: Number(process.env.LAB_FUZZ_SEED ?? Date.now() % 2 ** 31) },
  );
}

describe('serve: hostile bytes before authentication', () => {
  it('the reported reproductions get 400/401 and the server stays up', async () => {
    const host = `Host: 127.0.0.1:${port}`;
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
    for (const [head, expected] of [
      [`GET / HTTP/1.1\r\n${host}\r\nCookie: lab_token=%`, 400],
      [`GET http://[ HTTP/1.1\r\n${host}`, 400],
      [`GET /ws HTTP/1.1\r\n${host}\r\nCookie: lab_token=%\r\n${upgrade}`, 400],
      [`GET http://[ HTTP/1.1\r\n${host}\r\n${upgrade}`, 400],
      [`GET / HTTP/1.1\r\n${host}\r\nCookie: lab_token=nope`, 401],
    ] as const) {
      expect(await sendRaw(Buffer.from(`${head}\r\n\r\n`)), head).toBe(expected);
      expect(alive(), `server died on ${head}`).toBe(true);
    }
    expect(await tokenUrlStatus()).toBe(200);
  });

  it(`survives ${RUNS_PER_PROPERTY} random plain requests`, async () => {
    await barrage(false);
    expect(alive()).toBe(true);
    expect(await tokenUrlStatus()).toBe(200);
  });

  it(`survives ${RUNS_PER_PROPERTY} random WebSocket upgrades`, async () => {
    await barrage(true);
    expect(alive()).toBe(true);
    expect(await tokenUrlStatus()).toBe(200);
  });

  afterAll(() => console.log(`[serve fuzz] ${sent} raw requests sent; server alive: ${alive()}`));
});
