/**
 * The datasets the UI has loaded, by id. Every source — a path from a dialog or a drop (untrusted: the engine's
 * reader checks it is a regular file under the size limit), an upload's bytes, the built-in names — goes
 * through the engine's one validator, and the UI gets the engine's summary plus a handle for `runs.start`.
 *
 * Uploads are written to `<dataDir>/uploads/<sha256>.txt` (content-addressed) after validation, so a run can
 * re-read its data after a restart exactly like a file the user picked.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  MAX_FILE_BYTES,
  builtInWords,
  parseWords,
  prepareDataset,
  readWordsFile,
  summarizeDataset,
  type WordsSource,
} from '../engine/data/index.js';
import { LabError } from '../engine/errors.js';
import { writeFileAtomic } from '../engine/io/atomic.js';
import type { DatasetRef } from '../engine/data/index.js';
import type { DatasetSummary } from '../shared/contract.js';

/** Block size used only to count examples for the summary (the count does not depend on it). */
const SUMMARY_BLOCK_SIZE = 3;
const PREVIEW_WORDS = 8;

interface LoadedDataset {
  ref: DatasetRef;
  summary: DatasetSummary;
}

export class DatasetRegistry {
  private readonly loaded = new Map<string, LoadedDataset>();

  constructor(private readonly uploadsDir: string) {}

  async loadFromPath(filePath: string): Promise<DatasetSummary> {
    if (!path.isAbsolute(filePath)) throw new LabError('DATASET', `${filePath}: expected an absolute path`);
    const src = await readWordsFile(filePath);
    return this.register({ kind: 'file', path: filePath }, src, 'file', path.basename(filePath));
  }

  async loadBuiltIn(): Promise<DatasetSummary> {
    const src = builtInWords();
    return this.register({ kind: 'builtin' }, src, 'builtin', src.source.name);
  }

  /** Validates uploaded bytes with the same parser as files, then keeps them on disk for the trainer. */
  async upload(name: string, bytes: Uint8Array): Promise<DatasetSummary> {
    const shown = path.basename(name) || 'upload';
    if (bytes.length > MAX_FILE_BYTES) {
      throw new LabError('DATASET', `${shown}: file is over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit for a words file`);
    }
    const words = parseWords(bytes, shown);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const stored = path.join(this.uploadsDir, `${sha256}.txt`);
    await fs.mkdir(this.uploadsDir, { recursive: true });
    await writeFileAtomic(stored, bytes);
    const src: WordsSource = { words, source: { name: shown, path: stored, bytes: bytes.length, sha256 } };
    return this.register({ kind: 'file', path: stored }, src, 'upload', shown);
  }

  /** The dataset reference for a loaded id (what the training process re-reads). */
  ref(id: string): DatasetRef {
    const d = this.loaded.get(id);
    if (!d) throw new LabError('DATASET', 'that dataset is no longer loaded; open it again');
    return d.ref;
  }

  private register(ref: DatasetRef, src: WordsSource, source: DatasetSummary['source'], name: string): DatasetSummary {
    const engine = summarizeDataset(prepareDataset(src, SUMMARY_BLOCK_SIZE));
    const id = `${source}-${src.source.sha256.slice(0, 16)}`;
    const summary: DatasetSummary = {
      ...engine,
      id,
      name,
      source,
      path: source === 'builtin' ? null : src.source.path,
      bytes: src.source.bytes,
      sha256: src.source.sha256,
      preview: src.words.slice(0, PREVIEW_WORDS),
    };
    this.loaded.set(id, { ref, summary });
    return summary;
  }
}
