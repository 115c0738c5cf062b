/**
 * Reading and validating a words file: UTF-8 text, one word per line.
 *
 * Every problem a user can cause is a `LabError('DATASET')` whose message names the file, the line (where one
 * applies) and the reason, so the CLI and the app can show it as one line without a stack trace.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { LabError } from '../errors.js';
import { describeUnsafeCharacter, quoteShort, UNSAFE_CHARACTER } from '../util/displayText.js';

/** Limits from the issue: they keep the vocabulary and the examples a size the lab can train on. */
export const MAX_WORD_LENGTH = 64; // code points
export const MAX_DISTINCT_CHARACTERS = 1000;
export const MAX_FILE_BYTES = 100 * 1024 * 1024; // 100 MB
/** The start/end token; a word may not contain it or it would be indistinguishable from a word boundary. */
export const END_TOKEN = '.';

/** Which words a run trains on: a words file on disk, or the built-in names. Recorded in run.json. */
/**
 * Where a run's words come from, as the training process re-reads them. `name` is the file name the user chose
 * when `path` is not it (an upload is stored under its SHA-256): the name the run records.
 */
export type DatasetRef = { kind: 'file'; path: string; name?: string } | { kind: 'builtin' };

/** The words of a file plus where they came from (the run directory records this to identify the data). */
export interface WordsSource {
  /** In file order, duplicates kept (as the lectures do). */
  words: string[];
  source: {
    /** What to show the user: the path as given, or a description for built-in data. */
    name: string;
    /** The file's path, or null for built-in data. */
    path: string | null;
    /** Size of the raw bytes. */
    bytes: number;
    /** Hex SHA-256 of the raw bytes. */
    sha256: string;
  };
}

/** Reads, checks and parses a words file. Throws LabError('DATASET') for anything wrong with the file. */
export async function readWordsFile(path: string): Promise<WordsSource> {
  const fail = (reason: string): never => {
    throw new LabError('DATASET', `${path}: ${reason}`, { file: path });
  };
  // Size first: a 10 GB file by mistake must be refused before it is read into memory.
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) fail('is a directory, not a words file');
    if (!info.isFile()) fail('is not a regular file');
    size = info.size;
  } catch (e) {
    if (e instanceof LabError) throw e;
    return fail(describeFsError(e));
  }
  if (size > MAX_FILE_BYTES) {
    fail(`file is ${formatMB(size)}, over the ${formatMB(MAX_FILE_BYTES)} limit for a words file`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return fail(describeFsError(e));
  }
  // The file may have grown between stat and read.
  if (bytes.length > MAX_FILE_BYTES) {
    fail(`file is ${formatMB(bytes.length)}, over the ${formatMB(MAX_FILE_BYTES)} limit for a words file`);
  }
  const words = parseWords(bytes, path);
  return { words, source: { name: path, path, bytes: bytes.length, sha256: sha256Hex(bytes) } };
}

/**
 * Parses the bytes of a words file. `sourceName` only labels error messages.
 * Accepts `\n` and `\r\n`, trims surrounding whitespace, skips empty lines, ignores a UTF-8 BOM. Refuses
 * control characters inside a word (a lone `\r` too: old Mac line endings would otherwise make one word of the
 * whole file).
 */
export function parseWords(bytes: Uint8Array, sourceName: string): string[] {
  const fail = (reason: string, line?: number): never => {
    const where = line === undefined ? sourceName : `${sourceName}, line ${line}`;
    throw new LabError('DATASET', `${where}: ${reason}`, line === undefined ? { file: sourceName } : { file: sourceName, line });
  };

  if (bytes.length === 0) fail('the file is empty (expected one word per line)');

  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    fail('contains a NUL byte: this looks like a binary file, not UTF-8 text with one word per line', lineOfByte(bytes, nul));
  }

  let text: string;
  try {
    // ignoreBOM: false (the default) strips a leading BOM.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8Byte(bytes);
    const byteNote = bad === -1 ? '' : ` (byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad})`;
    return fail(`invalid UTF-8${byteNote}; save the file as UTF-8 text`, bad === -1 ? undefined : lineOfByte(bytes, bad));
  }

  const words: string[] = [];
  const characters = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const word = lines[i].trim(); // also removes the '\r' of a CRLF line ending
    if (word === '') continue;
    const lineNo = i + 1;
    if (word.includes(END_TOKEN)) {
      fail(`the word ${quote(word)} contains "${END_TOKEN}", which the lab reserves as the start/end token`, lineNo);
    }
    const unsafe = word.match(UNSAFE_CHARACTER);
    if (unsafe) {
      // A control character would reach the terminal raw through `lab sample`, and as vocabulary it could
      // never be shown; see util/displayText.ts for what is refused and what is kept.
      fail(`the word ${quote(word)} contains ${describeUnsafeCharacter(unsafe[0])}, which a words file may not contain`, lineNo);
    }
    const codePoints = [...word];
    if (codePoints.length > MAX_WORD_LENGTH) {
      fail(`a word of ${codePoints.length} characters is longer than the ${MAX_WORD_LENGTH}-character limit: ${quote(word)}`, lineNo);
    }
    for (const ch of codePoints) {
      if (!characters.has(ch)) {
        characters.add(ch);
        if (characters.size > MAX_DISTINCT_CHARACTERS) {
          fail(`more than ${MAX_DISTINCT_CHARACTERS} distinct characters (the limit for a vocabulary) by this line`, lineNo);
        }
      }
    }
    words.push(word);
  }
  if (words.length === 0) fail('contains no words, only blank lines or whitespace');
  return words;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 1-based line number of the byte at `offset` (lines end with '\n'). */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Offset of the first byte where UTF-8 decoding fails, following the WHATWG decoder's rules (no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 if the bytes are valid. TextDecoder only says *that*
 * decoding failed; the user needs to know *where*.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i; // truncated sequence at end of file
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: cannot read the file';
    case 'EISDIR':
      return 'is a directory, not a words file';
    case 'ENOTDIR':
      return 'file not found (a parent in the path is not a folder)';
    default:
      return `cannot read the file${code ? ` (${code})` : ''}`;
  }
}

function formatMB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Quotes a word for a message, shortened so one bad line cannot flood the terminal. */
const quote = (word: string): string => quoteShort(word);
