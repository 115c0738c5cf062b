/** The dataset module: words files, the built-in names, the Python-identical split and the examples. */
export { MAX_FILE_BYTES, parseWords, readWordsFile, type DatasetRef, type WordsSource } from './words.js';
export { builtInWords } from './builtin.js';
export {
  buildVocabulary,
  decodeTokens,
  encodeWord,
  prepareDataset,
  summarizeDataset,
  type PreparedDataset,
  type SplitExamples,
  type SplitName,
} from './dataset.js';
