/**
 * The one implementation of `LabApi` over any carrier, derived from the channel table (channels.ts): every invoke
 * channel `'group.name'` becomes the method `lab.group.name(request)` (a single-word channel, `lab.name`), every
 * event channel is one `lab.on(event, listener)`. The renderer builds it over the Electron preload's IPC transport
 * (`window.lab`) or, under `lab serve`, over a WebSocket (wsTransport.ts). Browser-safe: no Node imports.
 */
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  type EventChannel,
  type EventOf,
  type InvokeChannel,
  type Reply,
  type RequestOf,
  type ResponseOf,
} from './channels.js';
import type { ApiErrorInfo, DatasetSummary } from './contract.js';

/** Rejection value of every LabApi method on a user error. */
export class LabApiError extends Error {
  override readonly name = 'LabApiError';
  readonly code: string;
  readonly details: { file?: string; line?: number };
  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.details = info.details ?? {};
  }
}

export type Unsubscribe = () => void;

// ── The API type, derived from the table ──────────────────────────────────────────────────────────────

/** A channel's method: no argument when its request is `undefined`. */
type MethodOf<C extends InvokeChannel> = undefined extends RequestOf<C>
  ? () => Promise<ResponseOf<C>>
  : (request: RequestOf<C>) => Promise<ResponseOf<C>>;

type GroupOf<C extends string> = C extends `${infer G}.${string}` ? G : never;

/** `'runs.get'` → `runs.get`; a channel without a dot is a method of its own. */
export type ChannelMethods = {
  [G in GroupOf<InvokeChannel>]: { [C in InvokeChannel as C extends `${G}.${infer M}` ? M : never]: MethodOf<C> };
} & { [C in InvokeChannel as C extends `${string}.${string}` ? never : C]: MethodOf<C> };

export type LabApi = ChannelMethods & {
  /** Subscribes to an event channel; returns the function that unsubscribes. */
  on<E extends EventChannel>(event: E, listener: (payload: EventOf<E>) => void): Unsubscribe;
  dataset: {
    /**
     * A dropped or picked `File`: in Electron its real path is resolved by the preload (webUtils.getPathForFile)
     * and loaded by main; in a browser its bytes are uploaded. Use this for the drop zone and the file input.
     */
    loadFile(file: File): Promise<DatasetSummary>;
  };
};

// ── One client over any transport ─────────────────────────────────────────────────────────────────────

/** The minimum a carrier must provide: Electron's ipcRenderer (via the preload) or a WebSocket. */
export interface LabTransport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  on(channel: EventChannel, listener: (payload: unknown) => void): Unsubscribe;
  /** Resolves a dropped File to its path (Electron preload only); absent or null → upload the bytes. */
  pathForFile?(file: File): string | null;
  /**
   * Uploads a File's bytes outside the message channel (serve: a streamed HTTP POST, so a large file never sits
   * in a WebSocket message or in the server's memory); answers the same Reply as `dataset.upload`.
   */
  uploadFile?(file: File): Promise<unknown>;
}

/** Implements LabApi over a transport: the one implementation, in Electron and in a browser alike. */
export function createLabApiClient(transport: LabTransport): LabApi {
  async function call<C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    return unwrap<ResponseOf<C>>(await transport.invoke(channel, request), channel);
  }

  const api: Record<string, unknown> = {};
  for (const channel of INVOKE_CHANNELS) {
    const method = (request?: unknown) => call(channel, request as never);
    const dot = channel.indexOf('.');
    if (dot < 0) {
      api[channel] = method;
    } else {
      const group = (api[channel.slice(0, dot)] ??= {}) as Record<string, unknown>;
      group[channel.slice(dot + 1)] = method;
    }
  }
  const events = new Set<string>(EVENT_CHANNELS);
  api.on = (event: EventChannel, listener: (payload: unknown) => void): Unsubscribe => {
    if (!events.has(event)) throw new Error(`unknown event ${String(event)}`);
    return transport.on(event, listener);
  };
  const lab = api as LabApi;
  lab.dataset.loadFile = async (file: File) => {
    const path = transport.pathForFile?.(file) ?? null;
    if (path) return lab.dataset.loadFromPath({ path });
    if (transport.uploadFile) return unwrap<DatasetSummary>(await transport.uploadFile(file), 'upload');
    return lab.dataset.upload({ name: file.name, base64: bytesToBase64(new Uint8Array(await file.arrayBuffer())) });
  };
  return lab;
}

/** A Reply's value, or its error as a LabApiError. */
function unwrap<T>(reply: unknown, what: string): T {
  const r = reply as Reply<T> | null;
  if (!r || typeof r !== 'object' || !('ok' in r)) throw new LabApiError({ code: 'INTERNAL', message: `malformed reply on ${what}` });
  if (!r.ok) throw new LabApiError(r.error);
  return r.value;
}

/** Base64 without Node's Buffer (browser and sandboxed preload); chunked so large files do not blow the stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
