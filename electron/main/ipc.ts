/**
 * The IPC manager: registers one handler per invoke channel of the channel table, drops requests from frames that
 * are not the app's own top-level UI, validates every payload (zod, in `dispatch`) and sends events to the UI.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { dispatch } from '../app/dispatch.js';
import { INVOKE_CHANNELS, type EventChannel, type EventOf, type Handlers, type Reply } from '../shared/channels.js';
import { IPC_PREFIX } from '../shared/wire.js';

/** A sender frame is trusted when it is a top-level frame showing the app's own UI. */
export type SenderCheck = (frame: Pick<WebFrameMain, 'url' | 'parent'> | null) => boolean;

export function senderCheck(isAppUrl: (url: string) => boolean): SenderCheck {
  return (frame) => !!frame && frame.parent === null && isAppUrl(frame.url);
}

const UNTRUSTED: Reply<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'request from an unknown frame was dropped' } };

export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle'>,
  handlers: Handlers,
  isTrusted: SenderCheck,
  log: (message: string, error?: unknown) => void = (m, e) => console.error(m, e ?? ''),
): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(IPC_PREFIX + channel, async (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, payload: unknown) => {
      if (!isTrusted(event.senderFrame)) {
        log(`[lab] dropped ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        return UNTRUSTED;
      }
      return dispatch(handlers, channel, payload, log);
    });
  }
}

/** Sends an event to every UI window that is alive. */
export function broadcaster(windows: () => Pick<WebContents, 'send' | 'isDestroyed'>[]) {
  return <C extends EventChannel>(channel: C, payload: EventOf<C>): void => {
    for (const contents of windows()) if (!contents.isDestroyed()) contents.send(IPC_PREFIX + channel, payload);
  };
}
