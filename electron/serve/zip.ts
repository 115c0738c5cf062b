/**
 * A minimal streaming zip writer: stored entries (no compression — model weights barely compress, and this keeps
 * the writer small), CRC-32 from Node's zlib, UTF-8 names, classic (non-zip64) format. Each entry's bytes are read
 * twice — once for the CRC, which the local header needs before the data, then for the data — so nothing is held
 * in memory and the total length is known before the first byte (sent as Content-Length).
 */
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  /** The name inside the archive, `/`-separated. */
  name: string;
  size: number;
  mtime: Date;
  /** The entry's bytes, from the start each time it is called (it is called twice). */
  chunks: () => AsyncIterable<Uint8Array>;
}

/** Sizes and offsets are 32-bit in a classic zip; larger archives would need zip64. */
export const ZIP32_LIMIT = 0xffffffff;
const MAX_ENTRIES = 0xffff;

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
/** General-purpose flag bit 11: names are UTF-8. */
const UTF8_FLAG = 0x0800;
const VERSION = 20;

/** The archive's exact length in bytes; throws when it would not fit a classic zip. */
export function zipLength(entries: ZipEntry[]): number {
  let length = END_RECORD;
  for (const e of entries) {
    const n = Buffer.byteLength(e.name);
    length += LOCAL_HEADER + n + e.size + CENTRAL_HEADER + n;
  }
  if (length > ZIP32_LIMIT || entries.length > MAX_ENTRIES) throw new RangeError('too large for a zip without zip64');
  return length;
}

export async function* zipStream(entries: ZipEntry[]): AsyncGenerator<Uint8Array> {
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    let crc = 0;
    let seen = 0;
    for await (const chunk of e.chunks()) {
      crc = crc32(chunk, crc);
      seen += chunk.length;
    }
    if (seen !== e.size) throw new Error(`${e.name}: expected ${e.size} bytes, read ${seen}`);
    const name = Buffer.from(e.name, 'utf8');
    const { time, date } = dosDateTime(e.mtime);

    const local = Buffer.alloc(LOCAL_HEADER);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_FLAG, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.size, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    yield local;
    yield name;
    let sent = 0;
    for await (const chunk of e.chunks()) {
      sent += chunk.length;
      yield chunk;
    }
    if (sent !== e.size) throw new Error(`${e.name}: changed while it was zipped`);

    const header = Buffer.alloc(CENTRAL_HEADER);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(VERSION, 6);
    header.writeUInt16LE(UTF8_FLAG, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(time, 12);
    header.writeUInt16LE(date, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(e.size, 20);
    header.writeUInt32LE(e.size, 24);
    header.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal and external attributes: 0
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += LOCAL_HEADER + name.length + e.size;
  }
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  yield* central;
  const end = Buffer.alloc(END_RECORD);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  yield end;
}

/** MS-DOS date and time (local time, 2-second resolution, years 1980–2107). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
