/**
 * Export a model to TensorFlow.js Layers, ONNX and/or safetensors — all-or-nothing, verified — and import any
 * of them back.
 *
 * Export builds the whole folder beside the target, re-loads every file with an independent reader
 * (tf.loadLayersModel through our file handler, onnxruntime-node, our strict safetensors reader), compares the
 * logits with the caller's reference on sample contexts, writes the model card with those figures, and only
 * then moves the folder into place. Any failure — a write error, a verification miss, a thrown progress
 * callback — leaves the target exactly as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../errors.js';
import type { ModelState } from '../model/params.js';
import { resolveSwapped, writeDirectoryAtomic, type DirectoryWriter } from './atomic.js';
import { hasBatchNorm, makeLabMeta, type LabModelMeta } from './labMeta.js';
import { importLayersModel, LAB_SIDECAR_FILE, LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, loadLayersModelFromDir, writeLayersModel } from './layers.js';
import { renderModelCard, type CardInfo, type ExportFormat, type ExportVerification, type FormatVerification } from './modelCard.js';
import { decodeOnnxModel, encodeOnnxModel, ONNX_FILE } from './onnx.js';
import { decodeModelSafetensors, encodeModelSafetensors } from './safetensors.js';
import { inferLogitsTf, maxAbsDiff, randomContexts } from './verify.js';

export type { CardInfo, ExportFormat, ExportVerification } from './modelCard.js';

export const SAFETENSORS_FILE = 'model.safetensors';
export const MODEL_CARD_FILE = 'README.md';
export const ALL_FORMATS: readonly ExportFormat[] = ['tfjs', 'onnx', 'safetensors'];
/** Every file an export may write; a target folder holding anything else (or no lab-model.json) is not ours to replace. */
const EXPORT_FILES = new Set([LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, LAB_SIDECAR_FILE, ONNX_FILE, SAFETENSORS_FILE, MODEL_CARD_FILE]);

/** Reference logits [n, vocab] (row-major) for int token contexts x [n, blockSize] — the engine's inference. */
export type LogitsFn = (x: Int32Array, n: number) => Float32Array | Promise<Float32Array>;

export interface ExportProgress {
  /** The file just written (final name inside outDir), or the format just verified. */
  file?: string;
  bytes?: number;
  verified?: ExportFormat;
}

export interface ExportOptions {
  formats: readonly ExportFormat[];
  /** The folder to create or replace (it may only hold files of a previous export). */
  outDir: string;
  vocab: readonly string[];
  card: CardInfo;
  /** Reference logits to verify against (default: forwardTf in inference mode on the active tf backend). */
  logits?: LogitsFn;
  /** True when the state is the result of folding (its config then has no BatchNorm). */
  folded?: boolean;
  /** Contexts [n, blockSize] to compare logits on (default: 256 seeded random contexts). */
  sampleContexts?: Int32Array;
  /** Largest accepted |Δlogit| per format (default 1e-4); a larger difference aborts the export. */
  tolerance?: number;
  /** Called after each file is written and each format verified; throwing aborts the export cleanly. */
  onProgress?: (event: ExportProgress) => void | Promise<void>;
}

export interface ExportResult {
  outDir: string;
  files: { path: string; bytes: number }[];
  verification: ExportVerification;
}

async function checkTarget(outDir: string): Promise<void> {
  let entries: string[];
  try {
    const stat = await fs.stat(outDir);
    if (!stat.isDirectory()) throw new LabError('ARGUMENT', `${outDir} exists and is not a folder`);
    entries = await fs.readdir(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  // Every export writes lab-model.json: without it the folder is not the lab's, even if its names match
  // (a user's folder holding just a README.md must not be replaced).
  const foreign = entries.length > 0 && !entries.includes(LAB_SIDECAR_FILE) ? entries : entries.filter((name) => !EXPORT_FILES.has(name));
  if (foreign.length) {
    throw new LabError(
      'ARGUMENT',
      `${outDir} holds files that are not part of a model export (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); choose a new or empty folder`,
    );
  }
}

async function onnxLogits(file: string, x: Int32Array, n: number, blockSize: number): Promise<Float32Array | string> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return 'onnxruntime-node is not installed';
  }
  const session = await ort.InferenceSession.create(file);
  try {
    const tokens = new ort.Tensor('int64', BigInt64Array.from(x, (t) => BigInt(t)), [n, blockSize]);
    const result = await session.run({ tokens });
    return Float32Array.from(result.logits.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Writes the requested formats into `outDir` atomically, verified against the reference logits. */
export async function exportModel(state: ModelState, options: ExportOptions): Promise<ExportResult> {
  const formats = [...new Set(options.formats)];
  if (formats.length === 0) throw new LabError('ARGUMENT', 'no export format chosen');
  for (const f of formats) if (!ALL_FORMATS.includes(f)) throw new LabError('ARGUMENT', `unknown export format '${f}' (tfjs, onnx, safetensors)`);
  if (options.vocab.length !== state.vocabSize) {
    throw new LabError('ARGUMENT', `vocabulary has ${options.vocab.length} tokens but the model has ${state.vocabSize}`);
  }
  const folded = options.folded ?? false;
  if (folded && hasBatchNorm(state.config)) throw new LabError('ARGUMENT', 'a folded model cannot contain BatchNorm');
  const outDir = path.resolve(options.outDir);
  await checkTarget(outDir);

  const meta = makeLabMeta(state.config, options.vocab, folded);
  const blockSize = state.config.blockSize;
  const x = options.sampleContexts ?? randomContexts(state.vocabSize, blockSize, 256);
  const n = x.length / blockSize;
  if (!Number.isInteger(n) || n === 0) throw new LabError('ARGUMENT', `sample contexts must be a non-empty multiple of blockSize ${blockSize}`);
  const reference = await (options.logits ?? ((xs, m) => inferLogitsTf(state, xs, m)))(x, n);
  const tolerance = options.tolerance ?? 1e-4;
  const files: { path: string; bytes: number }[] = [];
  const progress = async (e: ExportProgress) => options.onProgress?.(e);

  const verification: ExportVerification = { sampleContexts: n, formats: {} };
  const accept = async (format: ExportFormat, check: FormatVerification) => {
    if (check.maxAbsLogitDiff !== null && !(check.maxAbsLogitDiff <= tolerance)) {
      throw new LabError('MODEL_FILE', `${format} export does not reproduce the model: max |Δlogit| ${check.maxAbsLogitDiff} > ${tolerance}`);
    }
    verification.formats[format] = check;
    await progress({ verified: format });
  };

  return writeDirectoryAtomic(outDir, async (writer: DirectoryWriter) => {
    const write = async (name: string, data: Uint8Array | string) => {
      const bytes = await writer.writeFile(name, data);
      files.push({ path: path.join(outDir, name), bytes });
      await progress({ file: path.join(outDir, name), bytes });
      return bytes;
    };
    const tmp = (name: string) => path.join(writer.dir, name);
    const sidecar = JSON.stringify(meta, null, 2) + '\n';

    if (formats.includes('tfjs')) {
      const counting: DirectoryWriter = { dir: writer.dir, writeFile: write };
      await writeLayersModel(counting, state, meta);
      const model = await loadLayersModelFromDir(writer.dir);
      try {
        const logits = tf.tidy(() => (model.predict(tf.tensor2d(x, [n, blockSize], 'int32')) as tf.Tensor).dataSync() as Float32Array);
        await importLayersModel(writer.dir); // the lab's own import path must accept it too
        await accept('tfjs', { maxAbsLogitDiff: maxAbsDiff(logits, reference), checkedWith: 'tf.loadLayersModel + predict' });
      } finally {
        model.dispose();
      }
    } else {
      await write(LAB_SIDECAR_FILE, sidecar);
    }

    if (formats.includes('onnx')) {
      await write(ONNX_FILE, encodeOnnxModel(state, meta));
      decodeOnnxModel(await readBytes(tmp(ONNX_FILE)), tmp(ONNX_FILE)); // the lab's own import path must accept it
      const logits = await onnxLogits(tmp(ONNX_FILE), x, n, blockSize);
      await accept(
        'onnx',
        typeof logits === 'string'
          ? { maxAbsLogitDiff: null, checkedWith: 'onnxruntime-node', skipped: logits }
          : { maxAbsLogitDiff: maxAbsDiff(logits, reference), checkedWith: 'onnxruntime-node' },
      );
    }

    if (formats.includes('safetensors')) {
      await write(SAFETENSORS_FILE, encodeModelSafetensors(state, meta));
      const reread = decodeModelSafetensors(await readBytes(tmp(SAFETENSORS_FILE)), tmp(SAFETENSORS_FILE));
      const logits = inferLogitsTf(reread.state, x, n);
      await accept('safetensors', { maxAbsLogitDiff: maxAbsDiff(logits, reference), checkedWith: 'strict safetensors reader + engine forward' });
    }

    const names = [...files.map((f) => path.basename(f.path)), MODEL_CARD_FILE];
    await write(MODEL_CARD_FILE, renderModelCard(state, meta, options.card, verification, names));
    return { outDir, files, verification };
  });
}

export interface ImportedModel {
  state: ModelState;
  vocab: string[];
  format: ExportFormat;
  folded: boolean;
  /** The file the model was read from. */
  source: string;
}

/** Largest model file the lab reads (the lecture's models are well under 1 MB); refused before reading. */
export const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

async function readBytes(file: string): Promise<Uint8Array> {
  const info = await statOrNull(file);
  if (info && !info.isFile()) throw new LabError('MODEL_FILE', `${file}: not a regular file`, { file });
  if (info && info.size > MAX_MODEL_FILE_BYTES) {
    throw new LabError('MODEL_FILE', `${file}: ${info.size} bytes is more than a model file may hold (${MAX_MODEL_FILE_BYTES})`, { file });
  }
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new LabError('MODEL_FILE', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

function imported(result: { state: ModelState; meta: LabModelMeta }, format: ExportFormat, source: string): ImportedModel {
  return { state: result.state, vocab: result.meta.vocab, format, folded: result.meta.folded, source };
}

/**
 * Loads a model exported by the lab: a folder (preferring model.safetensors, then model.onnx, then the Layers
 * model), a `.safetensors` or `.onnx` file, or a Layers `model.json` (with `lab-model.json` beside it).
 */
export async function importModel(p: string): Promise<ImportedModel> {
  // An export being replaced right now is read from its previous version (see writeDirectoryAtomic).
  const target = await resolveSwapped(p);
  const stat = await statOrNull(target);
  if (!stat) throw new LabError('MODEL_FILE', `${p}: no such file or folder`, { file: p });
  if (stat.isDirectory()) {
    if (await statOrNull(path.join(target, SAFETENSORS_FILE))) return importModel(path.join(target, SAFETENSORS_FILE));
    if (await statOrNull(path.join(target, ONNX_FILE))) return importModel(path.join(target, ONNX_FILE));
    if (await statOrNull(path.join(target, LAYERS_MODEL_FILE))) return imported(await importLayersModel(target), 'tfjs', path.join(target, LAYERS_MODEL_FILE));
    throw new LabError('MODEL_FILE', `${p}: folder holds no model (${SAFETENSORS_FILE}, ${ONNX_FILE} or ${LAYERS_MODEL_FILE})`, { file: p });
  }
  const base = path.basename(target);
  if (base.endsWith('.safetensors')) {
    return imported(decodeModelSafetensors(await readBytes(target), target), 'safetensors', target);
  }
  if (base.endsWith('.onnx')) return imported(decodeOnnxModel(await readBytes(target), target), 'onnx', target);
  if (base.endsWith('.json')) {
    const dir = path.dirname(target);
    return imported(await importLayersModel(dir), 'tfjs', path.join(dir, LAYERS_MODEL_FILE));
  }
  throw new LabError('MODEL_FILE', `${p}: not a model file (expected .safetensors, .onnx, a model.json or an export folder)`, { file: p });
}
