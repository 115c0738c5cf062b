/**
 * How the contract's messages travel: Electron IPC channel names (the preload and main), and the JSON messages
 * on the `serve` WebSocket (browser ↔ server; `./wsTransport.ts` and `electron/serve/`). Browser-safe, and
 * free of zod so the sandboxed preload stays small.
 */
import type { EventChannel, InvokeChannel, Reply } from './channels.js';

/** Electron IPC channel names are prefixed so they cannot collide with Electron's own or other libraries'. */
export const IPC_PREFIX = 'lab:';

export interface ClientMessage {
  /** Correlates the reply; unique per connection. */
  id: number;
  channel: InvokeChannel;
  payload: unknown;
}

export type ServerMessage = { id: number; reply: Reply<unknown> } | { event: EventChannel; payload: unknown };
