/**
 * The preload: exposes ONE object, `window.lab` (the contract's LabApi), built by the shared client over
 * ipcRenderer. The page never gets ipcRenderer itself, only these methods; subscriptions return an unsubscribe.
 * Dropped files are resolved to their path here (webUtils.getPathForFile); main treats the path as untrusted.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { LabApiError, createLabApiClient, type LabTransport } from '../shared/client.js';
import { EVENT_CHANNELS, INVOKE_CHANNELS, IPC_PREFIX, type LabApi } from '../shared/contract.js';

const invokeChannels = new Set<string>(INVOKE_CHANNELS);
const eventChannels = new Set<string>(EVENT_CHANNELS);

const transport: LabTransport = {
  invoke(channel, payload) {
    if (!invokeChannels.has(channel)) return Promise.reject(new Error(`unknown channel ${channel}`));
    return ipcRenderer.invoke(IPC_PREFIX + channel, payload);
  },
  on(channel, listener) {
    if (!eventChannels.has(channel)) throw new Error(`unknown event ${channel}`);
    // The page's listener never sees the IpcRendererEvent (it would expose `sender`, i.e. ipcRenderer).
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(IPC_PREFIX + channel, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_PREFIX + channel, wrapped);
    };
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
};

/**
 * contextBridge copies a rejected Error with its message only, dropping `code` and `details.line`; a plain
 * object crosses whole. So every method rejects with `{name: 'LabApiError', code, message, details}` instead.
 */
function withPlainErrors<T extends object>(api: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'function') {
      out[key] = (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown)(...args);
        if (!(result instanceof Promise)) return result; // subscriptions return their unsubscribe function
        return result.catch((e: unknown) => {
          if (e instanceof LabApiError) throw { name: e.name, code: e.code, message: e.message, details: e.details };
          throw e;
        });
      };
    } else if (value && typeof value === 'object') {
      out[key] = withPlainErrors(value);
    }
  }
  return out as T;
}

const lab: LabApi = withPlainErrors(createLabApiClient(transport));
contextBridge.exposeInMainWorld('lab', lab);
