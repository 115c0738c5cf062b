/**
 * Preparing a dataset from its words: vocabulary, the Python-identical split and examples, encoding, the
 * smallest usable dataset, the summary, the built-in names and the lectures' names.txt numbers.
 * Reading and refusing words files is data-words.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildVocabulary,
  builtInWords,
  decodeTokens,
  encodeWord,
  MIN_WORDS,
  splitSizes,
  prepareDataset,
  readWordsFile,
  summarizeDataset,
  type WordsSource,
} from '../../electron/engine/data/index.js';
import { LabError } from '../../electron/engine/errors.js';
import { HAS_NAMES, NAMES_TXT } from '../helpers/fixtures.js';
import { datasetError, fromWords } from './data-fixtures.js';

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
