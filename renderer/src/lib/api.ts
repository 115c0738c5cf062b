/**
 * The renderer's ONLY door to the back end. In the Electron window the preload exposes a ready `LabApi` as
 * `window.lab`; in a browser under `lab serve` the same API is built over a WebSocket whose token comes from
 * the page URL. Nothing else in the renderer touches `window.lab` or the transport.
 */
import { createLabApiClient, LabApiError } from '../../../electron/shared/client.js';
import type { ApiErrorInfo, LabApi } from '../../../electron/shared/contract.js';
import { connectWebSocketTransport } from '../../../electron/shared/wsTransport.js';

function resolveApi(): LabApi {
  const exposed = (globalThis as { lab?: LabApi }).lab;
  return exposed ?? createLabApiClient(connectWebSocketTransport());
}

export const lab: LabApi = resolveApi();

/** Any rejection as the contract's error shape, so views can show `message` (and `details.line`) in place. */
export function toErrorInfo(e: unknown): ApiErrorInfo {
  if (e instanceof LabApiError) return { code: e.code, message: e.message, details: e.details };
  if (e && typeof e === 'object' && 'message' in e) {
    // Errors crossing contextBridge lose their class; keep code/details if they survived.
    const o = e as { code?: unknown; message: unknown; details?: ApiErrorInfo['details'] };
    return { code: typeof o.code === 'string' ? o.code : 'INTERNAL', message: String(o.message), details: o.details };
  }
  return { code: 'INTERNAL', message: String(e) };
}
