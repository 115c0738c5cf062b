/**
 * The preload: exposes ONE object, `window.lab` (the contract's LabApi), built by the shared client over
 * ipcRenderer. The page never gets ipcRenderer itself, only these methods; subscriptions return an unsubscribe.
 * Dropped files are resolved to their path here (webUtils.getPathForFile); main treats the path as untrusted.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS, IPC_PREFIX, createLabApiClient, type LabTransport } from '../shared/contract.js';

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

contextBridge.exposeInMainWorld('lab', createLabApiClient(transport));
