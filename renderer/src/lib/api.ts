/**
 * The renderer's ONLY door to the back end: the `LabApi` derived from the channel table, built by the shared
 * client over the carrier at hand — in the Electron window the preload's IPC transport (`window.lab`), in a
 * browser under `lab serve` a WebSocket whose token comes from the page URL. Nothing else in the renderer
 * touches `window.lab` or the transport.
 */
import { createLabApiClient, LabApiError, type LabApi, type LabTransport } from '../../../electron/shared/client.js';
import type { ApiErrorInfo } from '../../../electron/shared/contract.js';
import { connectWebSocketTransport } from '../../../electron/shared/wsTransport.js';

const preloadTransport = (globalThis as { lab?: LabTransport }).lab;

export const lab: LabApi = createLabApiClient(preloadTransport ?? connectWebSocketTransport());

/** Any rejection as the contract's error shape, so views can show `message` (and `details.line`) in place. */
export function toErrorInfo(e: unknown): ApiErrorInfo {
  if (e instanceof LabApiError) return { code: e.code, message: e.message, details: e.details };
  if (e && typeof e === 'object' && 'message' in e) {
    // Other errors (a failed IPC call, a closed socket): keep code/details where they exist.
    const o = e as { code?: unknown; message: unknown; details?: ApiErrorInfo['details'] };
    return { code: typeof o.code === 'string' ? o.code : 'INTERNAL', message: String(o.message), details: o.details };
  }
  return { code: 'INTERNAL', message: String(e) };
}
