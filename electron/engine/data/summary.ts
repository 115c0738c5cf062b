/**
 * The dataset summary the app's Dataset view shows. Types only, no Node imports: the renderer's type-check
 * (and the IPC contract) include this file, while the rest of data/ reads files with Node APIs.
 */
/** The three splits of the lectures' 80/10/10 split: training, development (validation) and test. */
export type SplitName = 'train' | 'val' | 'test';

/** What the app's dataset view shows. Plain JSON: safe to send over IPC. */
export interface DatasetSummary {
  sourceName: string;
  wordCount: number;
  /** Same as PreparedDataset.vocab (vocab[0] === '.'). */
  vocab: string[];
  vocabSize: number;
  /** Block size the example counts were computed for. */
  blockSize: number;
  /** Words per split (Python-identical shuffle with seed 42, 80/10/10). */
  words: Record<SplitName, number>;
  /** Examples per split: sum over the split's words of (length + 1). */
  examples: Record<SplitName, number>;
  /** lengthHistogram[L] = number of words with L characters (code points), for L = 0..maxLength. */
  lengthHistogram: number[];
  minLength: number;
  maxLength: number;
  meanLength: number;
  /** How often each character occurs over all words, in vocabulary order (the '.' token is left out). */
  characterFrequencies: { char: string; count: number }[];
}
