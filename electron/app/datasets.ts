/**
 * The datasets the UI has loaded, by id. Every source — a path from a dialog or a drop (untrusted: the engine's
 * reader checks it is a regular file under the size limit), an upload's bytes, the built-in names — goes
 * through the engine's one validator, and the UI gets the engine's summary plus a handle for `runs.start`.
 *
 * Large files are validated in a model-job process (the `dataset` job), never in the process that serves the UI:
 * parsing, splitting and counting 100 MB of words takes seconds and gigabytes, which would freeze the window or
 * every other `lab serve` client, and the memory is returned when the job process exits. Small files (the
 * lectures' names.txt is 228 kB) are validated in place: that takes milliseconds, less than starting a process.
 *
 * Uploads are streamed to a temporary file in `<dataDir>/uploads/` (never held whole in memory; refused as soon as
 * they pass the size limit), validated from there, and kept as `<sha256>.txt` (content-addressed), so a run can
 * re-read its data after a restart exactly like a file the user picked.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_FILE_BYTES, builtInWords, prepareDataset, summarizeDataset } from '../engine/data/index.js';
import { PREVIEW_WORDS, SUMMARY_BLOCK_SIZE, summarizeWordsFile, type WordsFileSummary } from '../engine/data/wordsFileSummary.js';
import { LabError } from '../engine/errors.js';
import type { DatasetRef } from '../engine/data/index.js';
import type { DatasetSummary } from '../shared/contract.js';
import type { RunDataset } from './runManager.js';

/** Files up to this size are validated in the calling process; larger ones in a job process. */
export const INLINE_VALIDATION_MAX_BYTES = 1024 * 1024;

/** Validates and summarises a words file away from the calling process (the model-job runner's `dataset` job). */
export type OffThreadValidator = (file: string, label?: string) => Promise<WordsFileSummary>;

/** Temporary upload files start with this; `.tmp` ends them. */
const UPLOAD_TEMP_PREFIX = '.upload-';

/** An upload over the size limit (serve answers it with 413). */
export class UploadTooLargeError extends LabError {
  constructor(label: string) {
    super('DATASET', `${label}: file is over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit for a words file`, { file: label });
  }
}

interface LoadedDataset {
  ref: DatasetRef;
  summary: DatasetSummary;
}

export class DatasetRegistry {
  private readonly loaded = new Map<string, LoadedDataset>();

  constructor(
    private readonly uploadsDir: string,
    private readonly validateOffThread: OffThreadValidator,
  ) {}

  async loadFromPath(filePath: string): Promise<DatasetSummary> {
    if (!path.isAbsolute(filePath)) throw new LabError('DATASET', `${filePath}: expected an absolute path`);
    // The size only picks where to validate; a missing or odd file is reported by the reader itself.
    const size = await fs.stat(filePath).then((s) => s.size, () => 0);
    const file = await this.validate(filePath, size);
    return this.register({ kind: 'file', path: filePath }, file, 'file', path.basename(filePath));
  }

  async loadBuiltIn(): Promise<DatasetSummary> {
    const src = builtInWords();
    const summary = summarizeDataset(prepareDataset(src, SUMMARY_BLOCK_SIZE));
    return this.register({ kind: 'builtin' }, { summary, preview: src.words.slice(0, PREVIEW_WORDS), source: src.source }, 'builtin', src.source.name);
  }

  /** Uploaded bytes already in memory (the `dataset.upload` channel): same path as a streamed upload. */
  async upload(name: string, bytes: Uint8Array): Promise<DatasetSummary> {
    return this.uploadStream(name, [bytes], bytes.length);
  }

  /**
   * An upload that arrives in chunks (an HTTP request body): written to disk as it comes, refused as soon as it
   * passes the size limit (or at once when `declaredBytes` already does), then validated like a file.
   */
  async uploadStream(name: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, declaredBytes?: number): Promise<DatasetSummary> {
    const shown = uploadLabel(name);
    const tooLarge = () => new UploadTooLargeError(shown);
    if (declaredBytes !== undefined && declaredBytes > MAX_FILE_BYTES) throw tooLarge();
    await fs.mkdir(this.uploadsDir, { recursive: true });
    const temp = path.join(this.uploadsDir, `${UPLOAD_TEMP_PREFIX}${randomUUID()}.tmp`);
    try {
      const size = await writeChunks(temp, chunks, MAX_FILE_BYTES, tooLarge);
      const file = await this.validate(temp, size, shown);
      const stored = path.join(this.uploadsDir, `${file.source.sha256}.txt`);
      await fs.rename(temp, stored);
      return this.register({ kind: 'file', path: stored, name: shown }, { ...file, source: { ...file.source, path: stored } }, 'upload', shown);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /**
   * A loaded dataset as a run records it: the reference the training process re-reads, and the source and
   * vocabulary validation found (what run.json holds even for a run stopped before its process started).
   */
  forRun(id: string): RunDataset {
    const d = this.loaded.get(id);
    if (!d) throw new LabError('DATASET', 'that dataset is no longer loaded; open it again');
    const { name, path: file, bytes, sha256, vocab } = d.summary;
    return { ref: d.ref, source: { name, path: file, bytes, sha256 }, vocab };
  }

  private validate(file: string, size: number, label?: string): Promise<WordsFileSummary> {
    return size <= INLINE_VALIDATION_MAX_BYTES ? summarizeWordsFile(file, label) : this.validateOffThread(file, label);
  }

  private register(ref: DatasetRef, file: WordsFileSummary, source: DatasetSummary['source'], name: string): DatasetSummary {
    const id = `${source}-${file.source.sha256.slice(0, 16)}`;
    const summary: DatasetSummary = {
      ...file.summary,
      id,
      name,
      source,
      path: source === 'builtin' ? null : file.source.path,
      bytes: file.source.bytes,
      sha256: file.source.sha256,
      preview: file.preview,
    };
    this.loaded.set(id, { ref, summary });
    return summary;
  }
}

/** The name an upload is shown under: its base name, one line, bounded (it ends up in messages and run.json). */
export function uploadLabel(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'upload' : clean;
}

/**
 * Writes chunks to a new file, awaiting each write (so a fast sender is held back by the disk, not buffered),
 * and stops with `tooLarge()` as soon as more than `maxBytes` arrived. Returns the number of bytes written.
 */
async function writeChunks(
  file: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<number> {
  const handle = await fs.open(file, 'wx');
  let total = 0;
  try {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge();
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return total;
}
