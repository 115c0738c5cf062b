/**
 * Downloads of exported models under `lab serve`: with an SSH tunnel the browser is on another machine than the
 * exports, so the page offers each exported file, and a whole export folder as one zip, over HTTP.
 *
 *   GET /download?path=<folder>/<file>     one file of the data folder's exports/
 *   GET /download-zip?folder=<folder>      every regular file of one export folder, as a stored (uncompressed) zip
 *
 * Only exports/ is reachable: the path is checked segment by segment (no `..`, no absolute or empty parts), then
 * resolved with realpath and must stay inside exports/ (a symlink that leaves it is refused); only regular files
 * are sent, opened without following a final symlink and streamed from that one descriptor (never read whole),
 * so a file swapped or re-exported meanwhile cannot change what is sent half way. The caller has already checked
 * Host, Origin and token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, promises as fs, type Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZIP32_LIMIT, zipLength, zipStream, type ZipEntry } from './zip.js';

export const DOWNLOAD_PATH = '/download';
export const DOWNLOAD_ZIP_PATH = '/download-zip';

/** A zip holds at most this many files and folder levels: an export folder has a handful of files, flat. */
const MAX_ZIP_FILES = 256;
const MAX_ZIP_DEPTH = 4;

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
};

class DownloadRefusal extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Where exports are written under serve (the app service's `fold.export` writes into this folder). */
export function exportsRoot(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

export async function handleDownload(req: IncomingMessage, res: ServerResponse, url: URL, dataDir: string): Promise<void> {
  const opened: FileHandle[] = [];
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new DownloadRefusal(405, 'method not allowed');
    const root = await realRoot(dataDir);
    const download = url.pathname === DOWNLOAD_PATH ? await oneFile(root, url, opened) : await zipOfFolder(root, url, opened);
    res.writeHead(200, {
      'Content-Type': download.type,
      'Content-Length': String(download.length),
      'Content-Disposition': contentDisposition(download.name),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    // pipeline: backpressure, and a client that goes away stops the reading (the handles close below).
    else await pipeline(Readable.from(download.body()), res);
  } catch (e) {
    if (e instanceof DownloadRefusal) return refuse(res, e.status, e.message);
    // Mid-body (the client went away, or a file shrank under us) there is no status left to send: cut it short.
    if (res.headersSent) return void res.destroy();
    throw e;
  } finally {
    await Promise.all(opened.map((h) => h.close().catch(() => undefined)));
  }
}

interface Download {
  name: string;
  type: string;
  length: number;
  body: () => AsyncIterable<Uint8Array>;
}

async function oneFile(root: string, url: URL, opened: FileHandle[]): Promise<Download> {
  const rel = relativePath(url.searchParams.get('path'));
  const file = await openRegular(await realInside(root, rel), opened);
  const size = (await file.stat()).size;
  const name = rel[rel.length - 1];
  return { name, type: contentType(name), length: size, body: () => fileChunks(file, size) };
}

async function zipOfFolder(root: string, url: URL, opened: FileHandle[]): Promise<Download> {
  const rel = relativePath(url.searchParams.get('folder'));
  const folder = await realInside(root, rel);
  if (!(await fs.stat(folder)).isDirectory()) throw new DownloadRefusal(404, 'not an export folder');
  const top = rel[rel.length - 1];
  const entries: ZipEntry[] = [];
  for (const [relName, full] of await listFiles(folder)) {
    const handle = await openRegular(full, opened);
    const info = await handle.stat();
    entries.push({ name: `${top}/${relName}`, size: info.size, mtime: info.mtime, chunks: () => fileChunks(handle, info.size) });
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total >= ZIP32_LIMIT) throw new DownloadRefusal(413, 'export folder too large for one zip: download its files one by one');
  return { name: `${top}.zip`, type: CONTENT_TYPES['.zip'], length: zipLength(entries), body: () => zipStream(entries) };
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${status} ${reason}\n`);
}

/** `attachment` with an ASCII-only name (quotes, slashes and controls replaced) plus the exact name as RFC 5987. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'download';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function contentType(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** The path's segments, or a 400: `/`-separated, each a plain name (no `.`, `..`, empty part, `\` or NUL). */
export function relativePath(value: string | null): string[] {
  if (!value) throw new DownloadRefusal(400, 'missing path');
  const parts = value.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || /[\\\0:]/.test(p)) throw new DownloadRefusal(400, 'bad path');
  }
  return parts;
}

async function realRoot(dataDir: string): Promise<string> {
  try {
    return await fs.realpath(exportsRoot(dataDir));
  } catch {
    throw new DownloadRefusal(404, 'nothing exported yet');
  }
}

/** The real path of root/rel, which must exist and lie inside root (after every symlink is resolved). */
async function realInside(root: string, rel: string[]): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(path.join(root, ...rel));
  } catch {
    throw new DownloadRefusal(404, 'not found');
  }
  if (!real.startsWith(root + path.sep)) throw new DownloadRefusal(404, 'not found');
  return real;
}

/** Opens a regular file without following a last-moment symlink; anything else (a folder, a FIFO) is a 404. */
async function openRegular(file: string, opened: FileHandle[]): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    throw new DownloadRefusal(404, 'not found');
  }
  opened.push(handle);
  if (!(await handle.stat()).isFile()) throw new DownloadRefusal(404, 'not a file');
  return handle;
}

/** Regular files under `folder` as [name relative to it with `/`, full path]; symlinks and other kinds are skipped. */
async function listFiles(folder: string): Promise<[string, string][]> {
  const found: [string, string][] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isFile()) {
        found.push([name, path.join(dir, e.name)]);
        if (found.length > MAX_ZIP_FILES) throw new DownloadRefusal(413, `more than ${MAX_ZIP_FILES} files`);
      } else if (e.isDirectory() && depth < MAX_ZIP_DEPTH) await walk(path.join(dir, e.name), name, depth + 1);
    }
  };
  await walk(folder, '', 1);
  return found;
}

const CHUNK = 64 * 1024;

/** Exactly `size` bytes of an open file from offset 0, in chunks; a file that shrank meanwhile is an error. */
async function* fileChunks(handle: FileHandle, size: number): AsyncGenerator<Uint8Array> {
  let offset = 0;
  while (offset < size) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) throw new Error('file shrank while it was sent');
    offset += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
