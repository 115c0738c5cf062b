/**
 * The model files inside a run folder: `checkpoint.safetensors` (every tensor, including BatchNorm running
 * buffers, with the lab metadata) and `model/` (a TensorFlow.js Layers model + `lab-model.json`).
 * The checkpoint is what the lab reloads (fold, eval, sample); the Layers model is for other tools.
 */
import path from 'node:path';
import { subfolderWriter, writeDirectoryAtomic, writeFileAtomic, type DirectoryWriter } from '../io/atomic.js';
import { makeLabMeta } from '../io/labMeta.js';
import { writeLayersModel } from '../io/layers.js';
import { decodeModelSafetensors, encodeModelSafetensors } from '../io/safetensors.js';
import { promises as fs } from 'node:fs';
import { LabError } from '../errors.js';
import type { ModelState } from '../model/params.js';
import { CHECKPOINT_FILE, MODEL_DIR } from './runFolder.js';

export interface SaveModelOptions {
  /** Also write the TensorFlow.js Layers model (slower; done at the end of a run, not for every checkpoint). */
  layers?: boolean;
  /** The state is a BatchNorm-folded model. */
  folded?: boolean;
}

/** Writes the checkpoint and, unless `layers: false`, the Layers model folder; each atomically. */
export async function saveRunModel(dir: string, state: ModelState, vocab: string[], options: SaveModelOptions = {}): Promise<void> {
  const meta = makeLabMeta(state.config, vocab, options.folded ?? false);
  await writeFileAtomic(path.join(dir, CHECKPOINT_FILE), encodeModelSafetensors(state, meta));
  if (options.layers ?? true) {
    await writeDirectoryAtomic(path.join(dir, MODEL_DIR), (writer) => writeLayersModel(writer, state, meta));
  }
}

/** Writes the checkpoint and the Layers model folder into a folder being built (see writeDirectoryAtomic). */
export async function writeModelFiles(writer: DirectoryWriter, state: ModelState, vocab: string[], options: { folded?: boolean } = {}): Promise<void> {
  const meta = makeLabMeta(state.config, vocab, options.folded ?? false);
  await writer.writeFile(CHECKPOINT_FILE, encodeModelSafetensors(state, meta));
  await writeLayersModel(await subfolderWriter(writer, MODEL_DIR), state, meta);
}

/** Reads a run's checkpoint back into a model state. */
export async function loadRunModel(runDir: string): Promise<{ state: ModelState; vocab: string[] }> {
  const file = path.join(runDir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch {
    const isFolder = await fs.stat(runDir).then((s) => s.isDirectory(), () => false);
    throw new LabError('RUN', isFolder ? `${runDir} has no saved model yet (${CHECKPOINT_FILE} is missing)` : `${runDir}: no such run folder`);
  }
  const { state, meta } = decodeModelSafetensors(bytes, file);
  return { state, vocab: meta.vocab };
}
