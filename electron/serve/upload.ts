/**
 * `POST /upload?name=<file name>`: a words file from the browser, the raw bytes as the request body. The body is
 * streamed to disk by the dataset registry (never held whole in memory, refused as soon as it passes the size
 * limit, validated off the main thread when large), so one client's 100 MB upload does not stall the others.
 * The answer is the same Reply envelope a WebSocket request gets: `{ok, value: DatasetSummary}` or `{ok, error}`.
 * The caller has already checked Host, Origin and token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UploadTooLargeError } from '../app/datasets.js';
import { errorReply } from '../app/dispatch.js';
import type { LabService } from '../app/service.js';
import type { Reply } from '../shared/channels.js';

/** Where the browser posts a words file (raw bytes as the body, `?name=` its file name). */
export const UPLOAD_PATH = '/upload';

/** How long a refused upload's sender may keep sending after the answer before its connection is cut. */
const DRAIN_GRACE_MS = 2000;

export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  service: Pick<LabService, 'uploadDataset'>,
  log: (message: string, error: unknown) => void,
): Promise<void> {
  if (req.method !== 'POST') return answer(req, res, 405, { ok: false, error: { code: 'ARGUMENT', message: 'uploads are POST requests' } });
  const declared = contentLength(req.headers['content-length']);
  if (declared === null) return answer(req, res, 400, { ok: false, error: { code: 'ARGUMENT', message: 'malformed Content-Length' } });
  const name = url.searchParams.get('name') ?? 'upload';
  // destroyOnReturn: false — when the registry stops reading (over the limit), the connection must stay up long
  // enough to carry the answer.
  const body = { [Symbol.asyncIterator]: () => req.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array> };
  try {
    const summary = await service.uploadDataset(name, body, declared);
    answer(req, res, 200, { ok: true, value: summary });
  } catch (e) {
    // The client went away mid-upload: nobody to answer, and nothing went wrong here (the temporary file is gone).
    if (req.destroyed && !req.complete) return;
    const status = e instanceof UploadTooLargeError ? 413 : errorStatus(e);
    answer(req, res, status, errorReply(e, 'upload', log));
  }
}

/** The declared body size: undefined when absent, null when it is not a plain decimal number. */
function contentLength(header: string | undefined): number | undefined | null {
  if (header === undefined) return undefined;
  return /^\d{1,15}$/.test(header) ? Number(header) : null;
}

function errorStatus(e: unknown): number {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'LabError' ? 400 : 500;
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, reply: Reply<unknown>): void {
  if (res.headersSent || res.destroyed) return;
  const unread = !req.complete;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // A body we stopped reading: this connection cannot carry another request.
    ...(unread ? { Connection: 'close' } : {}),
  });
  res.end(JSON.stringify(reply));
  // Node discards the unread rest of the body after the answer; a sender that does not stop is cut off.
  if (unread) res.once('finish', () => setTimeout(() => req.socket.destroy(), DRAIN_GRACE_MS).unref());
}
