/** The dataset module: words files, the built-in names, the Python-identical split and the examples. */
export { MT19937 } from './mt19937.js';
export {
  END_TOKEN,
  MAX_DISTINCT_CHARACTERS,
  MAX_FILE_BYTES,
  MAX_WORD_LENGTH,
  parseWords,
  readWordsFile,
  type DatasetRef,
  type WordsSource,
} from './words.js';
export { BUILT_IN_NAME, builtInWords } from './builtin.js';
export {
  MAX_BLOCK_SIZE,
  SPLIT_NAMES,
  SPLIT_SEED,
  buildVocabulary,
  decodeTokens,
  encodeWord,
  prepareDataset,
  summarizeDataset,
  type DatasetSummary,
  type PreparedDataset,
  type SplitExamples,
  type SplitName,
} from './dataset.js';
