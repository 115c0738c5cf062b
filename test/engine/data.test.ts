import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildVocabulary,
  builtInWords,
  decodeTokens,
  encodeWord,
  MAX_FILE_BYTES,
  MIN_WORDS,
  parseWords,
  splitSizes,
  prepareDataset,
  readWordsFile,
  summarizeDataset,
  type WordsSource,
} from '../../electron/engine/data/index.js';
import { firstInvalidUtf8Byte } from '../../electron/engine/data/words.js';
import { LabError } from '../../electron/engine/errors.js';
import fc from 'fast-check';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const fromWords = (words: string[]): WordsSource => ({
  words,
  source: { name: 'test words', path: null, bytes: 0, sha256: '' },
});

/** Runs `f`, expects a DATASET LabError, checks it is a one-line message naming the file (and line), returns it. */
async function datasetError(f: () => unknown, file: string, line?: number): Promise<LabError> {
  let caught: unknown;
  try {
    await f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LabError);
  const err = caught as LabError;
  expect(err.code).toBe('DATASET');
  expect(err.message).not.toMatch(/\n|\bat .*:\d+:\d+/); // one line, no stack frames
  expect(err.message.startsWith(file)).toBe(true);
  expect(err.details.file).toBe(file);
  if (line !== undefined) {
    expect(err.details.line).toBe(line);
    expect(err.message).toContain(`line ${line}:`);
  } else {
    expect(err.details.line).toBeUndefined();
  }
  return err;
}

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

describe('prepareDataset', () => {
  // Expected values from Python, makemore-style:
  //   chars = sorted(set(''.join(words))); random.seed(42); random.shuffle(words); n1, n2 = int(0.8n), int(0.9n)
  const words = ['zoë', 'łukasz', 'josé', '王小明', 'anna', 'ana-maría', "o'neil", 'émile', '李娜', 'zoë'];

  it('Unicode words: vocabulary by code point, Python-identical split and examples', () => {
    const ds = prepareDataset(fromWords(words), 3);
    expect(ds.vocab).toEqual(
      ['.', "'", '-', 'a', 'e', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'r', 's', 'u', 'z', 'é', 'ë', 'í', 'ł', '娜', '小', '明', '李', '王'],
    );
    expect(ds.words).toEqual(words); // file order kept, input not shuffled in place
    expect(ds.train.words).toEqual(['émile', '王小明', 'josé', '李娜', 'ana-maría', "o'neil", 'zoë', 'anna']);
    expect(ds.val.words).toEqual(['zoë']);
    expect(ds.test.words).toEqual(['łukasz']);
    expect(ds.train.n).toBe(44);
    expect([...ds.train.y]).toEqual([
      16, 9, 5, 8, 4, 0, 24, 21, 22, 0, 6, 11, 13, 16, 0, 23, 20, 0, 3, 10, 3, 2, 9, 3, 12, 18, 3, 0, 11, 1, 10, 4, 5, 8,
      0, 15, 11, 17, 0, 3, 10, 10, 3, 0,
    ]);
    expect(ds.train.x.length).toBe(44 * 3);
    expect([...ds.val.x]).toEqual([0, 0, 0, 0, 0, 15, 0, 15, 11, 15, 11, 17]);
    expect([...ds.val.y]).toEqual([15, 11, 17, 0]);
    expect(ds.val.n).toBe(4);
    expect([...ds.test.x]).toEqual([0, 0, 0, 0, 0, 19, 0, 19, 14, 19, 14, 7, 14, 7, 3, 7, 3, 13, 3, 13, 15]);
    expect([...ds.test.y]).toEqual([19, 14, 7, 3, 13, 15, 0]);
  });

  it('block size changes the context width, padding with token 0', () => {
    const ds = prepareDataset(fromWords(['ab', 'ba', 'ab', 'ba', 'ab', 'ba']), 5);
    // 6 words: n1 = int(4.8) = 4, n2 = int(5.4) = 5 → train 4 words, val 1, test 1; every word has 2 letters.
    expect([ds.train.words.length, ds.val.words.length, ds.test.words.length]).toEqual([4, 1, 1]);
    expect(ds.val.n).toBe(3);
    expect(ds.val.x.length).toBe(15);
    const w = ds.val.words[0];
    const t = encodeWord(ds.vocab, w);
    expect([...ds.val.x]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, t[0], 0, 0, 0, t[0], t[1]]);
    expect([...ds.val.y]).toEqual([t[0], t[1], 0]);
  });

  it('sorts the vocabulary by code point, not by UTF-16 unit (astral characters after U+FFxx)', () => {
    expect(buildVocabulary(['𝒜ｚ', 'b'])).toEqual(['.', 'b', 'ｚ', '𝒜']);
  });

  it('encodeWord and decodeTokens are inverse; unknown characters and tokens are refused', () => {
    const ds = prepareDataset(fromWords(words), 3);
    expect(encodeWord(ds.vocab, 'zoë')).toEqual([15, 11, 17]);
    expect(decodeTokens(ds.vocab, [15, 11, 17, 0])).toBe('zoë.');
    expect(decodeTokens(ds.vocab, Int32Array.from(encodeWord(ds.vocab, '王小明')))).toBe('王小明');
    expect(() => encodeWord(ds.vocab, 'zoq')).toThrow(LabError);
    expect(() => decodeTokens(ds.vocab, [25])).toThrow(RangeError);
  });

  it('rejects a bad block size and a dataset too small for a training split', () => {
    expect(() => prepareDataset(fromWords(words), 0)).toThrow(/block size/);
    expect(() => prepareDataset(fromWords(words), 2.5)).toThrow(/block size/);
    expect(() => prepareDataset(fromWords(['a', 'b.c', 'c', 'd', 'e', 'f']), 3)).toThrow(LabError);
  });

  it('refuses fewer than 6 words with one line saying so, because the dev split would be empty', async () => {
    // n = 5: int(0.8·5) = 4 = int(0.9·5) → train 4, dev 0, test 1.
    expect(splitSizes(5)).toEqual({ train: 4, val: 0, test: 1 });
    expect(splitSizes(6)).toEqual({ train: 4, val: 1, test: 1 });
    for (let n = 1; n < MIN_WORDS; n++) {
      const words = Array.from({ length: n }, (_, k) => 'abcdef'[k]);
      const e = await datasetError(() => prepareDataset(fromWords(words), 3), 'test words');
      expect(e.message).toContain(`has ${n} word${n === 1 ? '' : 's'}; needs at least 6 so that each of train/dev/test gets one`);
    }
    const ds = prepareDataset(fromWords(['a', 'b', 'c', 'd', 'e', 'f']), 3);
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([8, 2, 2]);
  });

  it('MIN_WORDS is exact: every split is non-empty exactly when n >= 6 (every n up to a million)', () => {
    // Beyond 20 it follows from the arithmetic: dev = int(0.9n) - int(0.8n) > 0.1n - 1 >= 1 and test >= 0.1n.
    let wrong = 0;
    for (let n = 1; n <= 1_000_000; n++) {
      const s = splitSizes(n);
      if ((s.train > 0 && s.val > 0 && s.test > 0) !== n >= MIN_WORDS || s.train + s.val + s.test !== n) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('summarizes words, vocabulary, examples, lengths and character counts', () => {
    const s = summarizeDataset(prepareDataset(fromWords(words), 3));
    expect(s.wordCount).toBe(10);
    expect(s.vocabSize).toBe(25);
    expect(s.words).toEqual({ train: 8, val: 1, test: 1 });
    expect(s.examples).toEqual({ train: 44, val: 4, test: 7 });
    // lengths: 3,6,4,3,4,9,6,5,2,3
    expect(s.lengthHistogram).toEqual([0, 0, 1, 3, 2, 1, 2, 0, 0, 1]);
    expect([s.minLength, s.maxLength, s.meanLength]).toEqual([2, 9, 4.5]);
    const freq = Object.fromEntries(s.characterFrequencies.map((f) => [f.char, f.count]));
    expect(freq).toMatchObject({ a: 7, z: 3, ë: 2, 王: 1, '-': 1, "'": 1 });
    expect(s.characterFrequencies.length).toBe(24);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // plain data for IPC
  });
});

describe('built-in English first names', () => {
  it('loads > 1,000 lower-case, de-duplicated names with no "."', () => {
    const src = builtInWords();
    expect(src.source.name).toBe('built-in English first names (@stdlib)');
    expect(src.source.path).toBeNull();
    expect(src.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(src.words.length).toBeGreaterThan(1000);
    expect(new Set(src.words).size).toBe(src.words.length);
    for (const w of src.words) {
      expect(w).toBe(w.toLowerCase());
      expect(w).not.toContain('.');
    }
    expect(src.words).toContain('emma');
    expect(src.words).toContain('anne-marie'); // hyphens are kept as vocabulary
    const ds = prepareDataset(src, 3);
    expect(ds.vocab.slice(0, 2)).toEqual(['.', '-']);
    expect(ds.vocab.length).toBe(28); // '.', '-', a–z
    // Each call returns its own copy.
    src.words.length = 0;
    expect(builtInWords().words.length).toBeGreaterThan(1000);
  });
});

describe.skipIf(!HAS_NAMES)('names.txt: the lectures\' split', () => {
  let src: WordsSource;
  beforeAll(async () => {
    src = await readWordsFile(NAMES_TXT);
  });

  it('gives exactly 182,625 / 22,655 / 22,866 examples and the same shuffled words as Python', () => {
    const ds = prepareDataset(src, 3);
    expect(ds.words.length).toBe(32033);
    expect(ds.vocab.join('')).toBe('.abcdefghijklmnopqrstuvwxyz');
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([182625, 22655, 22866]);
    expect([ds.train.words.length, ds.val.words.length, ds.test.words.length]).toEqual([25626, 3203, 3204]);
    // python3: random.seed(42); random.shuffle(words); words[:5], words[n1:n1+3], words[n2:n2+3], words[-1]
    expect(ds.train.words.slice(0, 5)).toEqual(['yuheng', 'diondre', 'xavien', 'jori', 'juanluis']);
    expect(ds.val.words.slice(0, 3)).toEqual(['amay', 'aytana', 'jenevi']);
    expect(ds.test.words.slice(0, 3)).toEqual(['mustafa', 'reuben', 'kahlel']);
    expect(ds.test.words.at(-1)).toBe('yovani');
    // The first training examples: ... → y, ..y → u, .yu → h
    expect([...ds.train.x.slice(0, 9)]).toEqual([0, 0, 0, 0, 0, 25, 0, 25, 21]);
    expect([...ds.train.y.slice(0, 7)]).toEqual([25, 21, 8, 5, 14, 7, 0]);
  });

  it('summary matches Python\'s counts', () => {
    const s = summarizeDataset(prepareDataset(src, 3));
    expect([s.minLength, s.maxLength]).toEqual([2, 15]);
    expect(s.lengthHistogram[2]).toBe(65);
    expect(s.lengthHistogram[6]).toBe(9657);
    const freq = Object.fromEntries(s.characterFrequencies.map((f) => [f.char, f.count]));
    expect([freq.a, freq.n, freq.q]).toEqual([33885, 18327, 272]);
    expect(s.characterFrequencies.reduce((t, f) => t + f.count, 0)).toBe(196113);
  });
});
