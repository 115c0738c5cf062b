/** The dataset module: words files, the built-in names, the Python-identical split and the examples. */
export {
  MAX_DISTINCT_CHARACTERS,
  MAX_FILE_BYTES,
  MAX_WORD_LENGTH,
  parseWords,
  readWordsFile,
  type DatasetRef,
  type WordsSource,
} from './words.js';
export { builtInWords } from './builtin.js';
export {
  MIN_WORDS,
  buildVocabulary,
  decodeTokens,
  encodeWord,
  prepareDataset,
  sameVocabulary,
  splitSizes,
  summarizeDataset,
  vocabularyProblem,
  type PreparedDataset,
  type SplitExamples,
  type SplitName,
} from './dataset.js';
