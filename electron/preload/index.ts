/**
 * The preload: exposes ONE object, `window.lab`, the carrier (LabTransport) over which the renderer builds its
 * `LabApi` with the shared client — the same client the browser builds over a WebSocket under `lab serve`. The
 * page never gets ipcRenderer itself: it can only invoke and hear the app's own `lab:` channels, and main
 * validates every request against the channel table and drops any channel not in it. Dropped files are resolved
 * to their path here (webUtils.getPathForFile); main treats the path as untrusted.
 *
 * Kept tiny on purpose (no zod, no client): a sandboxed preload bundles everything it imports.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { LabTransport } from '../shared/client.js';
import { IPC_PREFIX } from '../shared/wire.js';

const transport: LabTransport = {
  invoke: (channel, payload) => ipcRenderer.invoke(IPC_PREFIX + channel, payload),
  on(channel, listener) {
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

contextBridge.exposeInMainWorld('lab', transport);
