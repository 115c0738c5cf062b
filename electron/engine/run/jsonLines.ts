/**
 * Reads a JSON-lines file of any size in bounded memory: the file is streamed in chunks and split on '\n'
 * bytes, so no string ever holds more than one line (one string of a whole file fails beyond V8's ~512 MB
 * string limit). A line that does not parse — the torn last line a crash leaves, or a corrupt one — is
 * skipped and counted; so is a line longer than `maxLineBytes`, which is never assembled in memory.
 */
import { promises as fs } from 'node:fs';
import { errnoCode, describeIoError } from '../io/ioError.js';

export interface JsonLinesStats {
  /** Lines parsed and handed to the callback. */
  lines: number;
  /** Lines skipped: unparseable (a torn line) or too long. */
  skipped: number;
  bytes: number;
}

/** Longest line assembled (a loss chunk of the lab is a few kilobytes; a snapshot tens of kilobytes). */
export const MAX_JSON_LINE_BYTES = 64 * 1024 * 1024;

const READ_CHUNK_BYTES = 4 << 20;

/** Calls `onValue` for each parsed line in order. A missing file reads as empty. */
export async function forEachJsonLine(file: string, onValue: (value: unknown) => void, maxLineBytes = MAX_JSON_LINE_BYTES): Promise<JsonLinesStats> {
  const stats: JsonLinesStats = { lines: 0, skipped: 0, bytes: 0 };
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overlong = false;
  const endLine = () => {
    if (overlong) stats.skipped++;
    else if (partBytes > 0) {
      const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts, partBytes)).toString('utf8');
      if (text.trim()) {
        try {
          onValue(JSON.parse(text));
          stats.lines++;
        } catch {
          stats.skipped++; // a line cut short by a crash mid-append: everything before it is intact
        }
      }
    }
    parts = [];
    partBytes = 0;
    overlong = false;
  };
  const addPart = (chunk: Buffer) => {
    if (overlong || chunk.length === 0) return;
    if (partBytes + chunk.length > maxLineBytes) {
      overlong = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(chunk);
    partBytes += chunk.length;
  };
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return stats;
    throw describeIoError(e, file, 'reading');
  }
  try {
    // One reused buffer (a stream allocates a new one per chunk: ~30× slower on a 600 MB file here).
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      stats.bytes += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        addPart(chunk.subarray(start, nl));
        endLine(); // decodes the line before the buffer is reused
        start = nl + 1;
      }
      // The start of a line that continues in the next read: copied, the buffer is about to be reused.
      if (start < chunk.length && !overlong) addPart(Buffer.from(chunk.subarray(start)));
    }
  } catch (e) {
    throw describeIoError(e, file, 'reading');
  } finally {
    await handle.close();
  }
  endLine();
  return stats;
}

/** Bytes read from the end of a file first by `lastJsonLines`; quadrupled until `enough`. */
const TAIL_START_BYTES = 256 * 1024;

/**
 * The parsed lines at the end of a JSON-lines file, in file order: read backwards from the end in growing
 * windows until `enough(values)` says so or the whole file is read, so asking for the last few lines of a long
 * run costs the same as of a short one. A line cut off by the window's start, and a line that does not parse
 * (a torn last line), are left out. A missing file reads as empty.
 */
export async function lastJsonLines(file: string, enough: (values: readonly unknown[]) => boolean): Promise<unknown[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw describeIoError(e, file, 'reading');
  }
  try {
    const size = (await handle.stat()).size;
    for (let window = TAIL_START_BYTES; ; window *= 4) {
      const length = Math.min(window, size, MAX_JSON_LINE_BYTES * 2);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, size - length);
      const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
      if (length < size) lines.shift(); // starts mid-line
      const values: unknown[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          values.push(JSON.parse(line));
        } catch {
          // torn or corrupt: skipped, as forEachJsonLine does
        }
      }
      if (length === size || length === MAX_JSON_LINE_BYTES * 2 || enough(values)) return values;
    }
  } catch (e) {
    throw describeIoError(e, file, 'reading');
  } finally {
    await handle.close();
  }
}
