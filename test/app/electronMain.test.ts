/**
 * The Electron glue, tested with injected fakes of Electron's objects (the Electron binary cannot run here):
 * window hardening, session rules (permissions, devices, screen capture, CSP), the app:// file mapping, the IPC manager's sender check and payload
 * validation, the utility-process launcher's crash handling, and model jobs on utility processes (answer,
 * LabError, crash, timeout).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveAppFile } from '../../electron/main/appProtocol.js';
import { registerIpcHandlers, senderCheck, broadcaster } from '../../electron/main/ipc.js';
import { menuTemplate } from '../../electron/main/menu.js';
import { CONTENT_SECURITY_POLICY, hardenSession } from '../../electron/main/security.js';
import { utilityProcessWorkers } from '../../electron/main/workerProcess.js';
import { LabError } from '../../electron/engine/errors.js';
import { modelJobRunner, trainingLauncher, type JobRunnerOptions } from '../../electron/engine/worker/client.js';
import type { ToWorker } from '../../electron/engine/worker/protocol.js';
import { hardenWebContents, isAppUrl, mainWindowOptions } from '../../electron/main/window.js';
import { INVOKE_CHANNELS, type Handlers } from '../../electron/shared/channels.js';
import { IPC_PREFIX } from '../../electron/shared/wire.js';
import type { RunEvent } from '../../electron/engine/run/runEvents.js';
import { newRunRecord } from '../../electron/engine/run/runFolder.js';
import { runConfig } from '../helpers/fixtures.js';

describe('window hardening', () => {
  it('creates windows isolated, sandboxed and without Node', () => {
    const web = mainWindowOptions('/app/preload/index.cjs').webPreferences!;
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
    expect(web.webSecurity).toBe(true);
    expect(web.webviewTag).toBe(false);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.preload).toBe('/app/preload/index.cjs');
  });

  function fakeContents() {
    const emitter = new EventEmitter();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    const contents = {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      on: (event: string, listener: (...a: unknown[]) => void) => emitter.on(event, listener),
    };
    const fire = (event: string, url?: string) => {
      const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      emitter.emit(event, e, url);
      return e.defaultPrevented;
    };
    return { contents, fire, open: (url: string) => openHandler!({ url }) };
  }

  it('denies new windows, navigation away from the app and webviews', () => {
    const f = fakeContents();
    hardenWebContents(f.contents as never, undefined);
    expect(f.open('https://example.com').action).toBe('deny');
    expect(f.open('app://lab/index.html').action).toBe('deny');
    expect(f.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(f.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(f.fire('will-navigate', 'app://lab/index.html#runs')).toBe(false);
    expect(f.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(f.fire('will-attach-webview')).toBe(true);
  });

  it('accepts the dev server origin only when one is configured', () => {
    expect(isAppUrl('http://localhost:5173/', undefined)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('app://other/index.html', undefined)).toBe(false);
    expect(isAppUrl('not a url', undefined)).toBe(false);
  });
});

/** The sources of one CSP directive. */
function directive(policy: string, name: string): string[] {
  const found = policy.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name);
  return found ? found.slice(1) : [];
}

describe('session rules', () => {
  it('denies every permission and adds a strict CSP to every response', () => {
    let request: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    let headers: ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | null = null;
    let device: ((d: { deviceType: string; origin: string }) => boolean) | null = null;
    let displayMedia: ((r: unknown, cb: (streams: unknown) => void) => void) | null = null;
    hardenSession({
      setPermissionRequestHandler: (h: never) => (request = h),
      setPermissionCheckHandler: (h: never) => (check = h),
      setDevicePermissionHandler: (h: never) => (device = h),
      setDisplayMediaRequestHandler: (h: never) => (displayMedia = h),
      webRequest: { onHeadersReceived: ((h: never) => (headers = h)) as never },
    } as never);
    for (const deviceType of ['hid', 'serial', 'usb']) expect(device!({ deviceType, origin: 'app://lab' })).toBe(false);
    const streams = vi.fn();
    displayMedia!({ frame: null, securityOrigin: 'app://lab', videoRequested: true, audioRequested: true }, streams);
    expect(streams).toHaveBeenCalledWith(null);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const cb = vi.fn();
      request!(null, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(check!()).toBe(false);
    let out: Record<string, string[]> = {};
    headers!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (out = r.responseHeaders));
    expect(out['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(out['Content-Type']).toEqual(['text/html']);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    // No network beyond the app's own origin: no ws:/wss:/https: to any host.
    expect(directive(CONTENT_SECURITY_POLICY, 'connect-src')).toEqual(["'self'"]);
  });

  it("the page's own CSP meta allows no other host either", () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)![1];
    expect(directive(meta, 'connect-src')).toEqual(["'self'"]);
    expect(directive(meta, 'script-src')).toEqual(["'self'"]);
  });
});

describe('app:// protocol', () => {
  it('maps app URLs to files inside the renderer folder only', () => {
    const root = path.resolve('/srv/renderer');
    expect(resolveAppFile('app://lab/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile('app://lab/assets/index.js', root)).toBe(path.join(root, 'assets', 'index.js'));
    expect(resolveAppFile('app://lab/../secret', root)).toBe(path.join(root, 'secret')); // URL parsing normalises ..
    // URL parsing resolves dot segments (also %2e%2e) before we see them; an encoded slash survives it.
    expect(resolveAppFile('app://lab/%2e%2e/%2e%2e/etc/passwd', root)).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveAppFile('app://lab/..%2F..%2Fetc%2Fpasswd', root)).toBeNull();
    expect(resolveAppFile('app://lab/a%00b', root)).toBeNull();
    expect(resolveAppFile('app://evil/index.html', root)).toBeNull();
    expect(resolveAppFile('file:///etc/passwd', root)).toBeNull();
  });
});

describe('IPC manager', () => {
  function setup() {
    const registered = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
    const calls: string[] = [];
    const handlers = Object.fromEntries(
      INVOKE_CHANNELS.map((c) => [c, async (p: unknown) => (calls.push(c), { echoed: p })]),
    ) as unknown as Handlers;
    const check = senderCheck((url) => isAppUrl(url, undefined));
    registerIpcHandlers({ handle: (ch: string, h: never) => registered.set(ch, h) } as never, handlers, check, () => {});
    const top = { url: 'app://lab/index.html', parent: null };
    return { registered, calls, top };
  }

  it('registers exactly the contract channels, prefixed', () => {
    const { registered } = setup();
    expect([...registered.keys()].sort()).toEqual(INVOKE_CHANNELS.map((c) => IPC_PREFIX + c).sort());
  });

  it('drops requests from unknown senders without calling the handler', async () => {
    const { registered, calls, top } = setup();
    const handle = registered.get('lab:runs.list')!;
    for (const frame of [null, { url: 'https://evil.example/', parent: null }, { url: 'app://lab/index.html', parent: top }]) {
      const reply = (await handle({ senderFrame: frame }, undefined)) as { ok: boolean; error: { code: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.code).toBe('FORBIDDEN');
    }
    expect(calls).toEqual([]);
    expect(await handle({ senderFrame: top }, undefined)).toEqual({ ok: true, value: { echoed: undefined } });
    expect(calls).toEqual(['runs.list']);
  });

  it('rejects payloads that fail the schema before any handler runs', async () => {
    const { registered, calls, top } = setup();
    const bad: [string, unknown][] = [
      ['lab:runs.get', { runId: '../outside' }],
      ['lab:runs.get', { runId: 'ok', extra: 1 }],
      ['lab:runs.start', { config: {}, datasetId: 'd', backend: 'auto' }],
      ['lab:runs.start', { config: null, datasetId: 'd', backend: 'gpu-please' }],
      ['lab:dataset.loadFromPath', { path: 42 }],
      ['lab:sample', { source: { kind: 'run', runId: 'r' }, count: 1e9, seed: 1 }],
      ['lab:dataset.upload', { name: 'x.txt', base64: 'not base64!' }],
      ['lab:app.info', { surprise: true }],
    ];
    for (const [channel, payload] of bad) {
      const reply = (await registered.get(channel)!({ senderFrame: top }, payload)) as { ok: boolean; error: { code: string; message: string } };
      expect(reply.ok, channel).toBe(false);
      expect(reply.error.code).toBe('INVALID_PAYLOAD');
    }
    expect(calls).toEqual([]);
  });

  it('broadcasts events to live windows only, on prefixed channels', () => {
    const sent: [string, unknown][] = [];
    const live = { isDestroyed: () => false, send: (c: string, p: unknown) => sent.push([c, p]) };
    const dead = { isDestroyed: () => true, send: () => sent.push(['dead', null]) };
    broadcaster(() => [live, dead] as never)('runs.changed', { runIds: ['a'] });
    expect(sent).toEqual([['lab:runs.changed', { runIds: ['a'] }]]);
  });
});

describe('menu', () => {
  it('has File ▸ Open dataset… on Ctrl/Cmd+O', () => {
    const open = vi.fn();
    const file = menuTemplate('linux', { openDataset: open }).find((m) => m.label === 'File')!;
    const item = (file.submenu as { label?: string; accelerator?: string; click?: () => void }[]).find((i) => i.label === 'Open dataset…')!;
    expect(item.accelerator).toBe('CmdOrCtrl+O');
    item.click!();
    expect(open).toHaveBeenCalledOnce();
  });
});

describe('utility-process launcher', () => {
  let tmp: string | null = null;
  afterEach(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  });

  function fakeFork() {
    const child = Object.assign(new EventEmitter(), { posted: [] as unknown[], postMessage(m: unknown) { this.posted.push(m); }, kill: vi.fn() });
    const fork = vi.fn((_modulePath: string, _args?: string[], _options?: unknown) => child);
    return { child, fork };
  }

  it('starts the worker entry, forwards commands and relays events', async () => {
    const { child, fork } = fakeFork();
    const events: RunEvent[] = [];
    const handle = trainingLauncher(utilityProcessWorkers(fork as never, { train: '/app/out/main/trainWorker.js', job: 'j.js' }))(
      { runDir: '/tmp/x', config: {} as never, dataset: { kind: 'builtin' }, backend: 'auto' },
      (e) => events.push(e),
    );
    expect(fork.mock.calls[0][0]).toBe('/app/out/main/trainWorker.js');
    expect(fork.mock.calls[0][2]).toMatchObject({ serviceName: 'Makemore Lab training' });
    expect(child.posted[0]).toMatchObject({ type: 'start', request: { runDir: '/tmp/x' } });
    handle.pause();
    handle.resume();
    handle.stop();
    expect(child.posted.slice(1)).toEqual([{ type: 'pause' }, { type: 'resume' }, { type: 'stop' }]);
    const progress = { type: 'progress', progress: { step: 1 }, loss: { fromStep: 0, losses: [3.3] }, ratios: null } as never;
    child.emit('message', { type: 'event', event: progress });
    const result = { status: 'stopped' } as never;
    child.emit('message', { type: 'done', result });
    expect(await handle.done).toBe(result);
    expect(events).toEqual([progress, { type: 'done', result }]);
    expect(child.kill).toHaveBeenCalled(); // answered: the process has nothing left to do
    child.emit('exit', 0); // its later exit changes nothing
    expect(events).toHaveLength(2);
  });

  it('a crash (exit without a final event) fails the run: event to the UI and run.json marked failed', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-crash-'));
    writeFileSync(
      path.join(tmp, 'run.json'),
      JSON.stringify(newRunRecord({ id: 'r', createdAt: '2026-01-01T00:00:00.000Z', status: 'running', config: runConfig('zero-init', 10), dataset: { ref: { kind: 'builtin' }, source: { name: 'names.txt', path: null, sha256: '0'.repeat(64), bytes: 1 } }, vocab: ['.', 'a'], unigramEntropy: null, backend: null })),
    );
    const { child, fork } = fakeFork();
    const events: RunEvent[] = [];
    const handle = trainingLauncher(utilityProcessWorkers(fork as never, { train: 'w.js', job: 'j.js' }))(
      { runDir: tmp, config: {} as never, dataset: { kind: 'builtin' }, backend: 'auto' },
      (e) => events.push(e),
    );
    child.emit('exit', 134);
    await expect(handle.done).rejects.toThrow(/exited with code 134/);
    expect(events).toEqual([{ type: 'failed', error: { code: 'CRASHED', message: expect.stringContaining('134') } }]);
    const record = JSON.parse(readFileSync(path.join(tmp, 'run.json'), 'utf8'));
    expect(record.status).toBe('failed');
    expect(record.error.code).toBe('CRASHED');
  });
});

describe('model jobs on utility processes', () => {
  afterEach(() => vi.useRealTimers());

  /** Each fork gets a fresh fake child: one process per job. */
  function fakeForks() {
    const children: (EventEmitter & { posted: unknown[]; postMessage(m: unknown): void; kill: ReturnType<typeof vi.fn> })[] = [];
    const fork = vi.fn((_modulePath: string, _args?: string[], _options?: unknown) => {
      const child = Object.assign(new EventEmitter(), { posted: [] as unknown[], postMessage(m: unknown) { this.posted.push(m); }, kill: vi.fn() });
      children.push(child);
      return child;
    });
    return { children, fork };
  }

  const runner = (fork: unknown, options?: JobRunnerOptions) =>
    modelJobRunner(utilityProcessWorkers(fork as never, { train: 't.js', job: '/app/out/main/jobWorker.js' }), options);
  const startOf = (posted: unknown) => posted as Extract<ToWorker<'job'>, { type: 'start' }>;

  it('forks the job worker once per job, posts the job and resolves with its answer', async () => {
    const { children, fork } = fakeForks();
    const run = runner(fork);
    const pending = run({ kind: 'sample', model: { kind: 'run', runDir: '/runs/r', folded: false }, count: 2, seed: 5 });
    expect(fork.mock.calls[0][0]).toBe('/app/out/main/jobWorker.js');
    expect(fork.mock.calls[0][2]).toMatchObject({ serviceName: 'Makemore Lab model job' });
    expect(startOf(children[0].posted[0]).request).toEqual({ kind: 'sample', model: { kind: 'run', runDir: '/runs/r', folded: false }, count: 2, seed: 5 });
    children[0].emit('message', null); // not a protocol message
    children[0].emit('message', { type: 'bogus', result: { words: ['stale'] } });
    children[0].emit('message', { type: 'done', result: { words: ['ava', 'mia'] } });
    await expect(pending).resolves.toEqual({ words: ['ava', 'mia'] });
    expect(children[0].kill).toHaveBeenCalled(); // answered: the process has nothing left to do
    children[0].emit('exit', 0); // its later exit changes nothing

    const second = run({ kind: 'foldPlan', runDir: '/runs/r' });
    expect(children).toHaveLength(2);
    expect(startOf(children[1].posted[0]).request).toEqual({ kind: 'foldPlan', runDir: '/runs/r' });
    children[1].emit('message', { type: 'done', result: { eps: 1e-5, layers: [] } });
    await expect(second).resolves.toEqual({ eps: 1e-5, layers: [] });
  });

  it('a LabError answer becomes a LabError with the same code, message and details; others keep their message', async () => {
    const { children, fork } = fakeForks();
    const run = runner(fork);
    const lab = run({ kind: 'foldPlan', runDir: '/runs/plain' });
    children[0].emit('message', { type: 'failed', error: { code: 'RUN', message: 'run plain has no BatchNorm layer to fold', details: { line: 3 } } });
    const error = await lab.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'RUN', message: 'run plain has no BatchNorm layer to fold', details: { line: 3 } });

    const internal = run({ kind: 'foldPlan', runDir: '/runs/x' });
    children[1].emit('message', { type: 'failed', error: { code: 'INTERNAL', message: 'out of cheese' } });
    const e2 = await internal.catch((e: unknown) => e);
    expect(e2).not.toBeInstanceOf(LabError);
    expect((e2 as Error).message).toBe('out of cheese');
  });

  it('a process that exits without answering rejects with a clear message (never hangs)', async () => {
    const { children, fork } = fakeForks();
    const pending = runner(fork)({ kind: 'foldCompare', runDir: '/runs/r' });
    children[0].emit('exit', 134);
    await expect(pending).rejects.toThrow('the model job process (foldCompare) exited with code 134 before answering');
  });

  it('a job past its time limit is killed and rejected', async () => {
    vi.useFakeTimers();
    const { children, fork } = fakeForks();
    const pending = runner(fork, { timeoutMs: 5 * 60_000 })({ kind: 'export', runDir: '/r', parentFolder: '/e', fold: true, formats: ['onnx'] });
    const outcome = pending.catch((e: unknown) => e);
    vi.advanceTimersByTime(5 * 60_000 - 1);
    expect(children[0].kill).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(children[0].kill).toHaveBeenCalled();
    expect(((await outcome) as Error).message).toBe('the model job (export) took longer than 5 min and was stopped');
  });
});
