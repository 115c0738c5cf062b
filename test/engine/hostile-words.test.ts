/**
 * Word lists a stranger might hand the lab (issue 8, items 3 and 11): odd but valid lists must train without
 * a crash, and any byte sequence at all must give either a valid dataset or one typed, one-line DATASET error
 * — never another exception, never a hang.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DISTINCT_CHARACTERS, MAX_WORD_LENGTH, parseWords, prepareDataset, vocabularyProblem } from '../../electron/engine/data/index.js';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { UNSAFE_CHARACTER } from '../../electron/engine/util/displayText.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-hostile-words-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cjk = (from: number, count: number) => Array.from({ length: count }, (_, k) => String.fromCodePoint(0x4e00 + from + k)).join('');
const letters = (seed: number, n: number) => Array.from({ length: n }, (_, k) => String.fromCharCode(97 + ((seed * 7 + k * 13) % 26))).join('');

/** Odd but valid: each is a words file a user could reasonably have, and each must train. */
const ODD_LISTS: [string, string][] = [
  ['exactly 6 words (the minimum)', 'anna\nbob\ncy\ndee\ned\nfay\n'],
  ['7 words (split 5/1/1)', 'anna\nbob\ncy\ndee\ned\nfay\ngus\n'],
  ['single-character words', 'a\nb\nc\nd\ne\nf\ng\n'],
  ['one letter only: vocabulary "." + "a"', Array.from({ length: 8 }, (_, k) => 'a'.repeat(k + 1)).join('\n')],
  ['the same one-letter word six times', 'a\na\na\na\na\na\n'],
  ['the same word 1,000 times', 'bob\n'.repeat(1000)],
  ['six 64-character words (the length limit)', Array.from({ length: 6 }, (_, k) => letters(k, MAX_WORD_LENGTH)).join('\n')],
  ['one 64-character word among short ones', ['al', 'bo', letters(3, 64), 'cy', 'di', 'ed'].join('\n')],
  ['astral-plane characters (emoji, mathematical letters)', '😀\n😀😁\n𝒜lex\n𝔟ob\n🐍py\n🦀rs\n'],
  ['combining marks (e + U+0301)', 'jose\u0301\nrene\u0301e\nzoe\u0308\nanna\nbob\nnoe\u0308l\n'],
  ['joiners: ZWJ emoji sequences, ZWNJ in Persian', '👩\u200d💻\n👨\u200d👩\u200d👧\nمی\u200cخواهم\nanna\nbob\ncy\n'],
  ['CJK names', '王小明\n李娜\n张伟\n王芳\n刘洋\n陈静\n'],
  ['right-to-left scripts (Arabic, Hebrew)', 'محمد\nفاطمة\nעדן\nנועה\nأحمد\nיוסף\n'],
  ['inner spaces, no-break space, ideographic space', 'mary ann\njo\u00a0ann\n王\u3000明\nanna\nbob\ncy\n'],
  ['CRLF, a BOM, blank lines, surrounding whitespace', '\ufeffanna\r\n\r\n  bob \r\n\tcy\t\r\n\r\ndee\r\ned\r\nfay'],
  ['1,000 distinct characters (the vocabulary limit)', Array.from({ length: 100 }, (_, l) => cjk(l * 10, 10)).join('\n')],
  ['digits, hyphens and apostrophes', "o'neil\nanne-marie\nr2d2\nc3po\n-\n'\n"],
  ['invisible but allowed: LRM, soft hyphen, U+FEFF inside a word', 'ab\u200ec\nan\u00adna\nbo\ufeffb\ncy\ndee\ned\n'],
];

describe('odd but valid word lists train without a crash (bn3-fold, 5 steps, every split evaluated)', () => {
  it.each(ODD_LISTS)('%s', async (name, text) => {
    const file = path.join(root, `${name.replace(/[^a-z0-9]+/gi, '-')}.txt`);
    writeFileSync(file, text);
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 5;
    config.train.inspectEvery = 2;
    const runDir = path.join(root, 'runs', path.basename(file, '.txt'));
    const { result, record } = await executeRun({ runDir, runId: 'odd', config, dataset: { kind: 'file', path: file }, backend: 'auto' });
    expect(result.status).toBe('completed');
    expect(result.steps).toBe(5);
    for (const split of ['train', 'val', 'test'] as const) {
      expect(result.examples[split], split).toBeGreaterThan(0);
      expect(Number.isFinite(result.loss[split]), `${split} loss ${result.loss[split]}`).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status).toBe('completed');
    expect(vocabularyProblem(record.vocab)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fuzz: every input is either a valid dataset (checked against an independent reading of the bytes) or a
// typed one-line DATASET error.

const FILE = 'fuzz.txt';
const counts = { valid: 0, refused: 0, slowestMs: 0, reasons: {} as Record<string, number> };

/** A refusal's reason without the file, line or quoted word: how often each rule fired. */
function reasonOf(message: string): string {
  const m = /(NUL byte|invalid UTF-8|contains "\."|U\+[0-9A-F]{4}|longer than|distinct characters|needs at least \d+|no words|empty)/.exec(message);
  return m ? m[1].replace(/U\+[0-9A-F]{4}/, 'control/bidi character') : 'other';
}

function checkOneLineDatasetError(e: unknown): void {
  if (!(e instanceof LabError)) throw e; // anything else fails the property with its own stack
  expect(e.code).toBe('DATASET');
  expect(e.message.startsWith(`${FILE}`)).toBe(true);
  expect(e.message).not.toMatch(UNSAFE_CHARACTER); // one line, nothing raw that a terminal would interpret
  expect(e.message.length).toBeLessThan(400);
  expect(e.details.file).toBe(FILE);
}

/** The words a valid file must give: the decoded text's trimmed, non-empty lines (the README's rule). */
function expectedWords(bytes: Uint8Array): string[] {
  return new TextDecoder('utf-8', { fatal: true })
    .decode(bytes)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function classify(bytes: Uint8Array): void {
  const t0 = performance.now();
  let words: string[];
  let ds: ReturnType<typeof prepareDataset>;
  try {
    words = parseWords(bytes, FILE);
    ds = prepareDataset({ words, source: { name: FILE, path: null, bytes: bytes.length, sha256: '' } }, 3);
  } catch (e) {
    checkOneLineDatasetError(e);
    counts.refused++;
    const reason = reasonOf((e as LabError).message);
    counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
    return;
  } finally {
    counts.slowestMs = Math.max(counts.slowestMs, performance.now() - t0);
  }
  counts.valid++;
  expect(words).toEqual(expectedWords(bytes));
  for (const w of words) {
    expect(w).not.toMatch(UNSAFE_CHARACTER);
    expect(w.includes('.')).toBe(false);
    expect([...w].length).toBeLessThanOrEqual(MAX_WORD_LENGTH);
  }
  expect(vocabularyProblem(ds.vocab)).toBeNull();
  expect(ds.vocab.length).toBeLessThanOrEqual(MAX_DISTINCT_CHARACTERS + 1);
  expect(Math.min(ds.train.n, ds.val.n, ds.test.n)).toBeGreaterThan(0);
  expect(ds.train.n + ds.val.n + ds.test.n).toBe(words.reduce((n, w) => n + [...w].length + 1, 0));
  for (const y of [ds.train.y, ds.val.y, ds.test.y]) expect(y.every((t) => t >= 0 && t < ds.vocab.length)).toBe(true);
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Pieces a hostile list is made of: every rule's edge, plus ordinary names so many lists are valid. */
const HOSTILE_PIECES = [
  'anna', 'bob', 'zoë', '王', '𝒜', 'a', '', ' ', '\t', '\r', '.', 'a.b', '\u001b[31m', '\u001b]0;x\u0007', '\u009b2J',
  '\u0085', '\u007f', '\u0000', '\u2028', '\u2029', '\u202e', '\u2066', '\u200d', '\u200c', '\u200e', '\u00ad', '\ufeff',
  'e\u0301', '😀', '👩\u200d💻', 'a'.repeat(64), 'b'.repeat(65), 'ｚ', '\u00a0', '\u3000', '\ud800', '\udfff',
];
const ORDINARY = ['emma', 'olivia', 'ava', 'zoë', 'josé', '王小明', 'anne-marie', "o'neil", 'mary ann'];
const line = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ORDINARY) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...HOSTILE_PIECES), { minLength: 1, maxLength: 3 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2000 }).map((k) => cjk(k, 10)) }, // pushes towards 1,000 distinct characters
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
);
const ending = fc.constantFrom('\n', '\r\n', '\r', '\n\n');
const mixedList = fc
  .tuple(fc.array(fc.tuple(line, ending), { minLength: 0, maxLength: 140 }), fc.boolean())
  .map(([lines, bom]) => (bom ? '\ufeff' : '') + lines.map(([l, e]) => l + e).join(''));
/** Around the 1,000-distinct-character limit: 95–105 lines of 10 new characters each, one hostile line maybe. */
const wideList = fc
  .tuple(fc.integer({ min: 95, max: 105 }), fc.integer({ min: 0, max: 20_000 }), fc.option(line))
  .map(([n, from, extra]) => [...Array.from({ length: n }, (_, l) => cjk(from + l * 10, 10)), ...(extra === null ? [] : [extra])].join('\n'));
const hostileList = fc.oneof({ weight: 9, arbitrary: mixedList }, { weight: 1, arbitrary: wideList });

describe('word-list parsing fuzz (fast-check): a valid dataset or one typed line, never another exception', () => {
  // Inputs per property (fixed seeds: the same inputs on every run).
  const RANDOM_BYTES = 2000;
  const RANDOM_UNICODE = 2000;
  const STRUCTURED = 3000;

  it(`${RANDOM_BYTES} random byte strings (biased towards text, newlines and UTF-8 lead bytes)`, () => {
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0x61, max: 0x7a }),
      fc.constantFrom(0x0a, 0x0d, 0x20, 0x2e, 0x00, 0x1b, 0xc2, 0xe0, 0xed, 0xef, 0xbb, 0xbf, 0xf0, 0xf4, 0x80, 0xbf),
    );
    fc.assert(fc.property(fc.array(byte, { maxLength: 400 }), (arr) => classify(Uint8Array.from(arr))), { numRuns: RANDOM_BYTES, seed: 81 });
  });

  it(`${RANDOM_UNICODE} random Unicode texts (any code point, lone surrogates included)`, () => {
    const text = fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 30 }).map((ls) => ls.join('\n'));
    fc.assert(fc.property(text, (t) => classify(utf8(t))), { numRuns: RANDOM_UNICODE, seed: 82 });
  });

  it(`${STRUCTURED} structured hostile lists (controls, bidi, '.', long words, BOMs, CR endings, 1,000+ characters, few words)`, () => {
    fc.assert(fc.property(hostileList, (t) => classify(utf8(t))), { numRuns: STRUCTURED, seed: 83 });
  });

  it('every input was answered quickly, and both outcomes occurred', () => {
    expect(counts.valid + counts.refused).toBe(RANDOM_BYTES + RANDOM_UNICODE + STRUCTURED);
    expect(counts.valid).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(100);
    expect(counts.slowestMs).toBeLessThan(1000); // no input comes near a hang
    console.log(`word-list fuzz: ${counts.valid + counts.refused} inputs, ${counts.valid} valid, ${counts.refused} refused (${JSON.stringify(counts.reasons)}), slowest ${counts.slowestMs.toFixed(1)} ms`);
  });
});
