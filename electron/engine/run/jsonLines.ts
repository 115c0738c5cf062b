/**
 * Reads a JSON-lines file of any size in bounded memory: the file is streamed in chunks and split on '\n'
 * bytes, so no string ever holds more than one line (one string of a whole file fails beyond V8's ~512 MB
 * string limit). A line that does not parse — the torn last line a crash leaves, or a corrupt one — is
 * skipped and counted; so is a line longer than `maxLineBytes`, which is never assembled in memory.
 */
import { createReadStream } from 'node:fs';
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
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      stats.bytes += chunk.length;
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        addPart(chunk.subarray(start, nl));
        endLine();
        start = nl + 1;
      }
      // Copy: the stream may reuse its buffer.
      if (start < chunk.length) addPart(Buffer.from(chunk.subarray(start)));
    }
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return stats;
    throw describeIoError(e, file, 'reading');
  }
  endLine();
  return stats;
}
