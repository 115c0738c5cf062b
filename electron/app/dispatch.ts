/**
 * One request in, one Reply envelope out — for Electron's IPC and serve's WebSocket alike: the channel must be in
 * the channel table (shared/channels.ts), the payload must pass its zod schema, and any error becomes `{ok: false, error}` — a LabError keeps its code and line, anything else is
 * reported as INTERNAL (its stack goes to the log, not to the UI).
 */
import { isLabError } from '../engine/errors.js';
import { isInvokeChannel, validateRequest, type Handlers, type Reply } from '../shared/channels.js';

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  payload: unknown,
  log: (message: string, error: unknown) => void = (m, e) => console.error(m, e),
): Promise<Reply<unknown>> {
  if (!isInvokeChannel(channel)) {
    return { ok: false, error: { code: 'INVALID_PAYLOAD', message: `unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}` } };
  }
  const checked = validateRequest(channel, payload);
  if (!checked.ok) return { ok: false, error: { code: 'INVALID_PAYLOAD', message: checked.message } };
  try {
    const handler = handlers[channel] as (p: unknown) => Promise<unknown>;
    const value = await handler(checked.value);
    return { ok: true, value: value === undefined ? null : value };
  } catch (e) {
    return errorReply(e, channel, log);
  }
}

/** A thrown error as a reply: a LabError keeps its code, message and details; anything else is INTERNAL and logged. */
export function errorReply(e: unknown, what: string, log: (message: string, error: unknown) => void): Reply<never> {
  if (isLabError(e)) return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
  log(`[lab] ${what} failed`, e);
  return { ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
}
