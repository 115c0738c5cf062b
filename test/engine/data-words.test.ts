/**
 * Reading a words file: what parseWords accepts, the one-line error (file, line, reason) for everything it
 * refuses, and readWordsFile's source description and refusals (missing, unreadable, too large).
 * Preparing the dataset from the words is data-prepare.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, parseWords, readWordsFile } from '../../electron/engine/data/index.js';
import { firstInvalidUtf8Byte } from '../../electron/engine/data/words.js';
import fc from 'fast-check';
import { datasetError } from './data-fixtures.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lab-data-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const IS_ROOT = process.getuid?.() === 0;
const CAN_RUN_AS_NOBODY = IS_ROOT && spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', '0']).status === 0;

/** readWordsFile(file) in a process of the unprivileged user `nobody`; its error as {name, code, message}. */
function readWordsFileAsNobody(file: string): { name: string; code: string; message: string } {
  const words = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/engine/data/index.ts')).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = `import(${JSON.stringify(words)}).then((m) => m.readWordsFile(${JSON.stringify(file)})).then(() => console.log('{}'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })))`;
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--import', tsx, '-e', script], { encoding: 'utf8', cwd: '/', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`runuser failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function tempFile(name: string, content: string | Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

describe('parseWords: accepted input', () => {
  it('accepts \\n and \\r\\n, trims whitespace, skips blank lines, ignores a BOM, keeps order and duplicates', () => {
    const text = '\uFEFFemma\r\n  olivia \r\n\r\n\tava\n\n   \nemma\nzoë'; // no final newline
    expect(parseWords(utf8(text), 'x.txt')).toEqual(['emma', 'olivia', 'ava', 'emma', 'zoë']);
  });

  it('keeps Unicode names as they are (accents, Polish, CJK, astral-plane characters)', () => {
    const words = ['zoë', 'łukasz', 'josé', '王小明', 'ǆenan', "o'neil", 'ana-maría', '𝒜lex'];
    expect(parseWords(utf8(words.join('\n')), 'u.txt')).toEqual(words);
  });

  it('allows exactly 64 characters, counted in code points', () => {
    const ascii64 = 'a'.repeat(64);
    const astral64 = '𝒜'.repeat(64); // 128 UTF-16 units but 64 characters
    expect(parseWords(utf8(`${ascii64}\n${astral64}\n`), 'long.txt')).toEqual([ascii64, astral64]);
  });
});

describe('parseWords: errors name the file, the line and the reason', () => {
  it('empty file', async () => {
    const e = await datasetError(() => parseWords(new Uint8Array(0), 'e.txt'), 'e.txt');
    expect(e.message).toMatch(/empty/);
  });

  it('only blank lines and whitespace (or only a BOM): no words', async () => {
    const e = await datasetError(() => parseWords(utf8('\n  \r\n\t\n'), 'b.txt'), 'b.txt');
    expect(e.message).toMatch(/no words/);
    await datasetError(() => parseWords(utf8('\uFEFF'), 'bom.txt'), 'bom.txt');
  });

  it('NUL byte: binary content, at its line', async () => {
    const bytes = utf8('anna\nbob\ncar\0l\n');
    const e = await datasetError(() => parseWords(bytes, 'bin.txt'), 'bin.txt', 3);
    expect(e.message).toMatch(/NUL byte.*binary/);
  });

  it('invalid UTF-8 (Latin-1 é), at the line of the first bad byte', async () => {
    const bytes = new Uint8Array([...utf8('anna\nzoë\njos'), 0xe9, ...utf8('\nbob\n')]);
    const e = await datasetError(() => parseWords(bytes, 'latin1.txt'), 'latin1.txt', 3);
    expect(e.message).toMatch(/invalid UTF-8 \(byte 0xe9 at offset 13\)/);
  });

  it('invalid UTF-8: overlong form, encoded surrogate, truncated sequence at the end', async () => {
    await datasetError(() => parseWords(new Uint8Array([0x61, 0x0a, 0xc0, 0xaf]), 'o.txt'), 'o.txt', 2);
    await datasetError(() => parseWords(new Uint8Array([0x0a, 0x0a, 0xed, 0xa0, 0x80]), 's.txt'), 's.txt', 3);
    await datasetError(() => parseWords(new Uint8Array([0x61, 0x62, 0xe7, 0x8e]), 't.txt'), 't.txt', 1);
  });

  it('the UTF-8 locator agrees with TextDecoder on random bytes (valid exactly when decoding succeeds)', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    // Bytes biased towards UTF-8 lead/continuation bytes so multi-byte edge cases come up often.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }), fc.constantFrom(0xc2, 0xe0, 0xed, 0xf0, 0xf4));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (arr) => {
        const bytes = Uint8Array.from(arr);
        let valid = true;
        try {
          decoder.decode(bytes);
        } catch {
          valid = false;
        }
        const bad = firstInvalidUtf8Byte(bytes);
        expect(bad === -1).toBe(valid);
        // Everything before the reported byte decodes on its own.
        if (bad > 0) expect(() => decoder.decode(bytes.subarray(0, bad))).not.toThrow();
      }),
      { numRuns: 5000, seed: 7 },
    );
  });

  it('a word containing the "." end token', async () => {
    const e = await datasetError(() => parseWords(utf8('anna\n\nj.r.\n'), 'dot.txt'), 'dot.txt', 3);
    expect(e.message).toContain('"j.r."');
    expect(e.message).toMatch(/start\/end token/);
  });

  it('a word of 65 characters is rejected', async () => {
    const text = `ok\n${'é'.repeat(65)}\n`;
    const e = await datasetError(() => parseWords(utf8(text), 'long.txt'), 'long.txt', 2);
    expect(e.message).toMatch(/65 characters.*64-character limit/);
    expect(e.message.length).toBeLessThan(200); // the word is shortened in the message
  });

  it('control characters inside a word (ANSI escapes, C1, a lone CR, tab), at their line, escaped in the message', async () => {
    const cases: [string, number, RegExp][] = [
      ['anna\nbo\u001b[31mb\n', 2, /U\+001B \(escape/],
      ['anna\nbob\ncar\u009bl\n', 3, /U\+009B/],
      ['anna\u0085bob\n', 1, /U\+0085 \(next line\)/],
      ['anna\rbob\rcarl\r', 1, /U\+000D \(carriage return\)/], // old Mac line endings: one "word"
      ['ok\nan\tna\n', 2, /U\+0009 \(tab\)/],
      ['ok\nan\u007fna\n', 2, /U\+007F \(delete\)/],
    ];
    for (const [text, line, reason] of cases) {
      const e = await datasetError(() => parseWords(utf8(text), 'ctl.txt'), 'ctl.txt', line);
      expect(e.message).toMatch(reason);
      expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/); // shown escaped, never raw
    }
  });

  it('line separators and bidi embedding/override/isolate controls are refused; joiners and marks are kept', async () => {
    for (const ch of ['\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069']) {
      const e = await datasetError(() => parseWords(utf8(`ok\nab${ch}c\n`), 'bidi.txt'), 'bidi.txt', 2);
      expect(e.message).toContain(`U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
      expect(e.message).not.toContain(ch);
    }
    // ZWNJ in Persian, ZWJ in an emoji sequence and Malayalam, LRM, soft hyphen: ordinary vocabulary.
    const kept = ['می\u200cخواهم', '👩\u200d💻', 'ന്\u200dമ', 'ab\u200ec', 'an\u00adna'];
    expect(parseWords(utf8(kept.join('\n')), 'kept.txt')).toEqual(kept);
  });

  it('more than 1,000 distinct characters, at the line that brings the 1,001st', async () => {
    // 10 new CJK characters per line: line 100 reaches 1,000, line 101 the 1,001st.
    const lines = Array.from({ length: 110 }, (_, l) =>
      Array.from({ length: 10 }, (_, k) => String.fromCodePoint(0x4e00 + l * 10 + k)).join(''),
    );
    const ok = parseWords(utf8(lines.slice(0, 100).join('\n')), 'cjk.txt');
    expect(new Set(ok.join('')).size).toBe(1000);
    const e = await datasetError(() => parseWords(utf8(lines.join('\n')), 'cjk.txt'), 'cjk.txt', 101);
    expect(e.message).toMatch(/more than 1000 distinct characters/);
  });
});

describe('readWordsFile', () => {
  it('reads a file and describes its source (size and SHA-256 of the raw bytes)', async () => {
    const p = await tempFile('two.txt', 'emma\nolivia\n');
    const src = await readWordsFile(p);
    expect(src.words).toEqual(['emma', 'olivia']);
    // printf 'emma\nolivia\n' | sha256sum
    expect(src.source).toEqual({
      name: p,
      path: p,
      bytes: 12,
      sha256: '8104bc91a3b553fa2fd58a8a3fbc3599753256a8b9891319e7c9c157ba186b60',
    });
  });

  it('missing file', async () => {
    const p = path.join(dir, 'does-not-exist.txt');
    const e = await datasetError(() => readWordsFile(p), p);
    expect(e.message).toBe(`${p}: file not found`);
  });

  it('a directory, and a path through a file, are unreadable as words files', async () => {
    const e = await datasetError(() => readWordsFile(dir), dir);
    expect(e.message).toMatch(/directory/);
    const f = await tempFile('plain.txt', 'a\n');
    await datasetError(() => readWordsFile(path.join(f, 'x.txt')), path.join(f, 'x.txt'));
  });

  // Root reads any file, so as root (CI containers) the read runs as the unprivileged user `nobody` instead.
  it.skipIf(IS_ROOT && !CAN_RUN_AS_NOBODY)('a file without read permission', async () => {
    const p = await tempFile('locked.txt', 'anna\n');
    await chmod(p, 0o000);
    if (!IS_ROOT) {
      const e = await datasetError(() => readWordsFile(p), p);
      expect(e.message).toMatch(/permission denied/);
      return;
    }
    await chmod(dir, 0o755); // nobody may enter the folder; only the file itself is unreadable
    const e = readWordsFileAsNobody(p);
    expect(e.name).toBe('LabError');
    expect(e.code).toBe('DATASET');
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/permission denied/);
    expect(e.message).not.toMatch(/\n/);
  });

  it('errors inside a file name the file path and the line', async () => {
    const p = await tempFile('crlf-dot.txt', 'anna\r\nbob\r\nmr.x\r\n');
    await datasetError(() => readWordsFile(p), p, 3);
    const empty = await tempFile('empty.txt', '');
    await datasetError(() => readWordsFile(empty), empty);
  });

  it('a file over 100 MB is refused from its size, before it is read', async () => {
    // A sparse file of NUL bytes: had it been read, the error would be about NUL bytes, not the size.
    const p = await tempFile('huge.txt', '');
    await truncate(p, MAX_FILE_BYTES + 1);
    const e = await datasetError(() => readWordsFile(p), p);
    expect(e.message).toMatch(/100\.0 MB, over the 100\.0 MB limit/);
    // Exactly at the limit the size is accepted (and the NUL bytes are what fails).
    await truncate(p, MAX_FILE_BYTES);
    const atLimit = await datasetError(() => readWordsFile(p), p, 1);
    expect(atLimit.message).toMatch(/NUL byte/);
  });
});
