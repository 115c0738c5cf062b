/**
 * The one implementation of `LabApi` (contract.ts) over any carrier: the Electron preload wraps ipcRenderer in a
 * LabTransport, the browser under `lab serve` a WebSocket (wsTransport.ts). Browser-safe: no Node imports.
 */
import type {
  ApiErrorInfo,
  EventChannel,
  EventChannels,
  InvokeChannel,
  LabApi,
  Reply,
  RequestOf,
  ResponseOf,
  Unsubscribe,
} from './contract.js';

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

// ── One client over any transport ─────────────────────────────────────────────────────────────────────

/** The minimum a carrier must provide: Electron's ipcRenderer (via the preload) or a WebSocket. */
export interface LabTransport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  on(channel: EventChannel, listener: (payload: unknown) => void): Unsubscribe;
  /** Resolves a dropped File to its path (Electron preload only); absent or null → upload the bytes. */
  pathForFile?(file: File): string | null;
  /**
   * Uploads a file as a stream and resolves with the server's Reply envelope (`lab serve`: an HTTP POST, so a
   * large file is never one message); absent → the bytes go through the `dataset.upload` channel.
   */
  uploadFile?(file: File): Promise<unknown>;
}

/** Implements LabApi over a transport; the preload and the serve browser client both use this one implementation. */
export function createLabApiClient(transport: LabTransport): LabApi {
  async function call<C extends InvokeChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> {
    return unwrap<ResponseOf<C>>(await transport.invoke(channel, payload), channel);
  }
  function on<C extends EventChannel>(channel: C, listener: (payload: EventChannels[C]) => void): Unsubscribe {
    return transport.on(channel, (payload) => listener(payload as EventChannels[C]));
  }

  const api: LabApi = {
    info: () => call('app.info', undefined),
    dataset: {
      open: () => call('dataset.open', undefined),
      loadFromPath: (path) => call('dataset.loadFromPath', { path }),
      loadBuiltIn: () => call('dataset.loadBuiltIn', undefined),
      upload: (name, bytes) => call('dataset.upload', { name, base64: bytesToBase64(bytes) }),
      async loadFile(file) {
        const path = transport.pathForFile?.(file) ?? null;
        if (path) return call('dataset.loadFromPath', { path });
        if (transport.uploadFile) return unwrap(await transport.uploadFile(file), 'upload');
        return api.dataset.upload(file.name, new Uint8Array(await file.arrayBuffer()));
      },
      onLoaded: (listener) => on('dataset.loaded', listener),
    },
    presets: {
      list: () => call('presets.list', undefined),
      save: (request) => call('presets.save', request),
      delete: (id) => call('presets.delete', { id }),
    },
    backends: { describe: () => call('backends.describe', undefined) },
    runs: {
      start: (request) => call('runs.start', request),
      pause: (runId) => call('runs.pause', { runId }),
      resume: (runId) => call('runs.resume', { runId }),
      stop: (runId) => call('runs.stop', { runId }),
      list: () => call('runs.list', undefined),
      get: (runId) => call('runs.get', { runId }),
      delete: (runId) => call('runs.delete', { runId }),
      onUpdate: (listener) => on('runs.update', listener),
      onChanged: (listener) => on('runs.changed', listener),
    },
    inspect: {
      diagnose: (runId, step) => call('inspect.diagnose', step === undefined ? { runId } : { runId, step }),
    },
    fold: {
      preview: (runId) => call('fold.preview', { runId }),
      compare: (runId) => call('fold.compare', { runId }),
      export: (request) => call('fold.export', request),
    },
    dialogs: { chooseFolder: () => call('dialog.chooseFolder', undefined) },
    sample: (request) => call('sample', request),
  };
  return api;
}

/** The value of a Reply envelope; its error as a LabApiError. */
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
