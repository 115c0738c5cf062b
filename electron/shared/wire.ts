/**
 * JSON messages on the `serve` WebSocket (browser ↔ server). Shared by `./wsTransport.ts` and
 * `electron/serve/`. Browser-safe.
 */
import type { EventChannel, InvokeChannel, Reply } from './contract.js';

export interface ClientMessage {
  /** Correlates the reply; unique per connection. */
  id: number;
  channel: InvokeChannel;
  payload: unknown;
}

export type ServerMessage = { id: number; reply: Reply<unknown> } | { event: EventChannel; payload: unknown };
