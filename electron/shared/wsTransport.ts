/**
 * The browser side of `lab serve`: a LabTransport over one WebSocket to the page's own origin.
 *
 * Wire format (JSON text frames, see `./wire.ts`):
 *   browser → server  {id, channel, payload}          one request
 *   server → browser  {id, reply}                     its Reply envelope
 *   server → browser  {event, payload}                a pushed event
 * The serve token comes from the page URL (`?token=…`, printed by `lab serve`) and is sent on the upgrade
 * request's query string; the server refuses the upgrade without it.
 *
 * Files are not sent over the socket: `uploadFile` POSTs the File itself to `/upload` (the browser streams it from
 * disk; the server streams it to disk), and the answer is the same Reply envelope.
 *
 * Browser-safe: no Node imports.
 */
import type { EventChannel, InvokeChannel } from './channels.js';
import type { LabTransport, Unsubscribe } from './client.js';
import type { ClientMessage, ServerMessage } from './wire.js';

export interface WebSocketTransportOptions {
  /** Defaults to `location`: the token is read from its `?token=` and the socket opens on its host. */
  location?: { protocol: string; host: string; search: string };
  /** For tests or other runtimes; defaults to the global WebSocket. */
  WebSocketImpl?: typeof WebSocket;
  /** For tests or other runtimes; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

export function connectWebSocketTransport(options: WebSocketTransportOptions = {}): LabTransport {
  // `location` is read through globalThis so this module also type-checks under the Node tsconfig (tests).
  const loc = options.location ?? (globalThis as unknown as { location: { protocol: string; host: string; search: string } }).location;
  const Impl = options.WebSocketImpl ?? globalThis.WebSocket;
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
  const uploadUrl = (name: string) => `${loc.protocol}//${loc.host}/upload?token=${encodeURIComponent(token)}&name=${encodeURIComponent(name)}`;

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let opened: Promise<WebSocket> | null = null;

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise<WebSocket>((resolve, reject) => {
      const ws = new Impl(url);
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('message', (e: MessageEvent) => onMessage(String(e.data)));
      ws.addEventListener('close', () => {
        // Fail everything in flight; the next call reconnects (e.g. after the server restarted).
        opened = null;
        for (const p of pending.values()) p.reject(new Error('connection to the lab server closed'));
        pending.clear();
        reject(new Error('could not connect to the lab server'));
      });
    });
    return opened;
  }

  function onMessage(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if ('id' in msg) {
      const p = pending.get(msg.id);
      if (p) {
        pending.delete(msg.id);
        p.resolve(msg.reply);
      }
    } else if ('event' in msg) {
      for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    }
  }

  // Open right away so pushed events (run updates) arrive even before the first request.
  void connect().catch(() => undefined);

  return {
    async invoke(channel: InvokeChannel, payload: unknown): Promise<unknown> {
      const ws = await connect();
      const id = nextId++;
      const message: ClientMessage = { id, channel, payload };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify(message));
      });
    },
    on(channel: EventChannel, listener: (payload: unknown) => void): Unsubscribe {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    pathForFile: () => null,
    async uploadFile(file: File): Promise<unknown> {
      const fetchImpl = options.fetchImpl ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
      let res: Response;
      try {
        res = await fetchImpl(uploadUrl(file.name), { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: file });
      } catch {
        return { ok: false, error: { code: 'INTERNAL', message: `${file.name}: the upload to the lab server failed (connection lost)` } };
      }
      // Every answer of /upload is a Reply envelope; anything else (a proxy's error page) becomes one.
      return res.json().catch(() => ({ ok: false, error: { code: 'INTERNAL', message: `${file.name}: upload failed (HTTP ${res.status})` } }));
    },
  };
}

