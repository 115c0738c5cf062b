/**
 * From words to training examples, exactly as makemore builds them:
 *
 *   chars = sorted(set(''.join(words)));  stoi = {s: i+1 for i, s in enumerate(chars)};  stoi['.'] = 0
 *   random.seed(42); random.shuffle(words)
 *   n1 = int(0.8*len(words)); n2 = int(0.9*len(words))
 *   train, dev, test = words[:n1], words[n1:n2], words[n2:]
 *   for each word: context = [0]*block_size; for ch in word + '.': X += [context]; Y += [stoi[ch]]; slide
 *
 * so the lab's losses are directly comparable with the lectures' numbers.
 */
import { LabError } from '../errors.js';
import type { DatasetSummary, SplitName } from './summary.js';

export type { DatasetSummary, SplitName };
import { MT19937 } from './mt19937.js';
import { END_TOKEN, MAX_WORD_LENGTH, type WordsSource } from './words.js';

/** The seed the lectures pass to `random.seed` before shuffling. */
export const SPLIT_SEED = 42;
export const MAX_BLOCK_SIZE = 256;

/** The examples of one split. */
export interface SplitExamples {
  /** The split's words, in shuffled order. */
  words: string[];
  /** Contexts, row-major [n, blockSize]; token 0 pads the start. */
  x: Int32Array;
  /** The next token for each context, [n]. */
  y: Int32Array;
  /** Number of examples (sum over words of length + 1). */
  n: number;
}

export interface PreparedDataset {
  source: WordsSource['source'];
  /** All words in file order. */
  words: string[];
  /** Token → character; vocab[0] === '.' (start/end), then the data's characters by code point. */
  vocab: string[];
  blockSize: number;
  train: SplitExamples;
  val: SplitExamples;
  test: SplitExamples;
}

/** Builds the vocabulary, the Python-identical split and the examples for a context of `blockSize` tokens. */
export function prepareDataset(src: WordsSource, blockSize: number): PreparedDataset {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
    throw new LabError('CONFIG', `block size must be a whole number from 1 to ${MAX_BLOCK_SIZE} (got ${blockSize})`);
  }
  const words = [...src.words];
  if (words.length < 2) {
    // int(0.8 * 1) = 0: a single word would leave the training split empty.
    throw new LabError('DATASET', `${src.source.name}: needs at least 2 words to make a training split (has ${words.length})`, {
      file: src.source.name,
    });
  }
  // Words that did not come through parseWords (built in code) still must not break the tokenisation.
  for (const w of words) {
    if (w === '' || w.includes(END_TOKEN) || [...w].length > MAX_WORD_LENGTH) {
      throw new LabError('DATASET', `${src.source.name}: invalid word ${JSON.stringify(w)}`, { file: src.source.name });
    }
  }

  const vocab = buildVocabulary(words);
  const stoi = tokenIndex(vocab);

  const shuffled = [...words];
  new MT19937(SPLIT_SEED).shuffle(shuffled);
  // Python's int() truncates the same IEEE double product.
  const n1 = Math.trunc(0.8 * shuffled.length);
  const n2 = Math.trunc(0.9 * shuffled.length);

  return {
    source: { ...src.source },
    words,
    vocab,
    blockSize,
    train: buildExamples(shuffled.slice(0, n1), stoi, blockSize),
    val: buildExamples(shuffled.slice(n1, n2), stoi, blockSize),
    test: buildExamples(shuffled.slice(n2), stoi, blockSize),
  };
}

/** ['.', ...sorted distinct code points] — Python's sorted(set(...)) orders by code point. */
export function buildVocabulary(words: readonly string[]): string[] {
  const codePoints = new Set<number>();
  for (const w of words) for (const ch of w) codePoints.add(ch.codePointAt(0)!);
  const sorted = [...codePoints].sort((a, b) => a - b);
  return [END_TOKEN, ...sorted.map((cp) => String.fromCodePoint(cp))];
}

/** Tokens of a word's characters (without the end token). Throws LabError for a character outside `vocab`. */
export function encodeWord(vocab: readonly string[], word: string): number[] {
  const stoi = tokenIndex(vocab);
  return [...word].map((ch) => {
    const t = stoi.get(ch);
    if (t === undefined) {
      throw new LabError('DATASET', `the character ${JSON.stringify(ch)} in ${JSON.stringify(word)} is not in the vocabulary`);
    }
    return t;
  });
}

/** Characters of the tokens; token 0 reads as '.'. Throws RangeError for a token outside `vocab`. */
export function decodeTokens(vocab: readonly string[], tokens: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const ch = vocab[tokens[i]];
    if (ch === undefined) throw new RangeError(`token ${tokens[i]} is outside a vocabulary of ${vocab.length}`);
    out += ch;
  }
  return out;
}

export function summarizeDataset(ds: PreparedDataset): DatasetSummary {
  const lengthHistogram: number[] = [];
  const counts = new Map<string, number>();
  let total = 0;
  for (const w of ds.words) {
    const chars = [...w];
    total += chars.length;
    while (lengthHistogram.length <= chars.length) lengthHistogram.push(0);
    lengthHistogram[chars.length]++;
    for (const ch of chars) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const lengths = lengthHistogram.flatMap((c, len) => (c > 0 ? [len] : []));
  return {
    sourceName: ds.source.name,
    wordCount: ds.words.length,
    vocab: [...ds.vocab],
    vocabSize: ds.vocab.length,
    blockSize: ds.blockSize,
    words: { train: ds.train.words.length, val: ds.val.words.length, test: ds.test.words.length },
    examples: { train: ds.train.n, val: ds.val.n, test: ds.test.n },
    lengthHistogram,
    minLength: lengths.length > 0 ? lengths[0] : 0,
    maxLength: lengths.length > 0 ? lengths[lengths.length - 1] : 0,
    meanLength: ds.words.length > 0 ? total / ds.words.length : 0,
    characterFrequencies: ds.vocab.slice(1).map((char) => ({ char, count: counts.get(char) ?? 0 })),
  };
}

function buildExamples(words: string[], stoi: ReadonlyMap<string, number>, blockSize: number): SplitExamples {
  let n = 0;
  for (const w of words) n += [...w].length + 1; // +1: the final '.'
  const x = new Int32Array(n * blockSize);
  const y = new Int32Array(n);
  const context = new Int32Array(blockSize); // starts as all '.' (token 0)
  let row = 0;
  for (const w of words) {
    context.fill(0);
    for (const ch of [...w, END_TOKEN]) {
      const token = stoi.get(ch)!;
      x.set(context, row * blockSize);
      y[row] = token;
      row++;
      context.copyWithin(0, 1);
      context[blockSize - 1] = token;
    }
  }
  return { words, x, y, n };
}

const indexCache = new WeakMap<readonly string[], Map<string, number>>();

/** character → token, cached per vocabulary array so encodeWord in a sampling loop stays cheap. */
function tokenIndex(vocab: readonly string[]): Map<string, number> {
  let stoi = indexCache.get(vocab);
  if (!stoi) {
    stoi = new Map(vocab.map((ch, i) => [ch, i]));
    indexCache.set(vocab, stoi);
  }
  return stoi;
}
