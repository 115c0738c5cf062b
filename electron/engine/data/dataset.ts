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
import { describeUnsafeCharacter, quoteShort, UNSAFE_CHARACTER } from '../util/displayText.js';
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


/**
 * Words per split for n words, as makemore computes them: n1 = int(0.8*n), n2 = int(0.9*n) (Python's int()
 * truncates the same IEEE double product as Math.trunc), train = n1, val = n2 - n1, test = n - n2.
 */
export function splitSizes(n: number): Record<SplitName, number> {
  const n1 = Math.trunc(0.8 * n);
  const n2 = Math.trunc(0.9 * n);
  return { train: n1, val: n2 - n1, test: n - n2 };
}

/**
 * The fewest words for which train, val (dev) and test each get at least one word. For n = 1…5 the dev split
 * is empty (n = 5: int(4.0) = int(4.5) = 4); from 6 on every split has a word: a test checks every n up to a
 * million, and beyond 20 it follows from the arithmetic (dev > 0.1n − 1 ≥ 1, test ≥ 0.1n). `prepareDataset`
 * still checks the actual sizes for each n rather than relying on this number.
 */
export const MIN_WORDS = 6;

/** Builds the vocabulary, the Python-identical split and the examples for a context of `blockSize` tokens. */
export function prepareDataset(src: WordsSource, blockSize: number): PreparedDataset {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
    throw new LabError('CONFIG', `block size must be a whole number from 1 to ${MAX_BLOCK_SIZE} (got ${blockSize})`);
  }
  const words = [...src.words];
  const sizes = splitSizes(words.length);
  if (sizes.train === 0 || sizes.val === 0 || sizes.test === 0) {
    // Training reports a loss on every split; an empty one has no loss to report. Refused here, before a run
    // folder exists, so a list that is too short leaves nothing behind.
    throw new LabError(
      'DATASET',
      `${src.source.name}: has ${words.length} word${words.length === 1 ? '' : 's'}; needs at least ${MIN_WORDS} so that each of train/dev/test gets one (80/10/10 split: ${sizes.train}/${sizes.val}/${sizes.test})`,
      { file: src.source.name },
    );
  }
  // Words that did not come through parseWords (built in code) still must not break the tokenisation.
  for (const w of words) {
    if (w === '' || w.includes(END_TOKEN) || [...w].length > MAX_WORD_LENGTH) {
      throw new LabError('DATASET', `${src.source.name}: invalid word ${quoteShort(w)}`, { file: src.source.name });
    }
  }

  const vocab = buildVocabulary(words);
  const stoi = tokenIndex(vocab);

  const shuffled = [...words];
  new MT19937(SPLIT_SEED).shuffle(shuffled);
  const n1 = sizes.train;
  const n2 = sizes.train + sizes.val;

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

/**
 * Why `vocab` cannot be a vocabulary the lab builds, or null when it can: '.' is token 0, every token is
 * exactly one character (one code point — a longer token would make the character count of a word differ
 * from its token count, and tf.js would index past its embedding), no token repeats, and no token is a
 * character a words file may not contain. Used on every vocabulary read back from a file.
 */
export function vocabularyProblem(vocab: readonly string[]): string | null {
  if (vocab[0] !== END_TOKEN) return `token 0 must be "${END_TOKEN}" (got ${quoteShort(vocab[0] ?? null)})`;
  const seen = new Set<string>();
  for (let i = 0; i < vocab.length; i++) {
    const t = vocab[i];
    if (typeof t !== 'string' || [...t].length !== 1) return `token ${i} (${quoteShort(t)}) is not exactly one character`;
    if (seen.has(t)) return `token ${i} (${quoteShort(t)}) appears twice`;
    const unsafe = t.match(UNSAFE_CHARACTER);
    if (unsafe) return `token ${i} is ${describeUnsafeCharacter(unsafe[0])}, which a vocabulary may not contain`;
    seen.add(t);
  }
  return null;
}

/** True when two vocabularies are the same tokens in the same order (token by token, not as joined text). */
export function sameVocabulary(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Tokens of a word's characters (without the end token). Throws LabError for a character outside `vocab`. */
export function encodeWord(vocab: readonly string[], word: string): number[] {
  const stoi = tokenIndex(vocab);
  return [...word].map((ch) => {
    const t = stoi.get(ch);
    if (t === undefined) {
      throw new LabError('DATASET', `the character ${quoteShort(ch)} in ${quoteShort(word)} is not in the vocabulary`);
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
