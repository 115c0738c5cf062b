/**
 * What the model-reader fuzz suites share (io-fuzz-bytes.test.ts: byte-level damage; io-fuzz-json.test.ts:
 * structure-aware JSON edits): the real export every mutation starts from, and the outcome check — a
 * LabError('MODEL_FILE') whose message is one line naming the file, or a model that is consistent (a valid
 * vocabulary, exactly the tensors its configuration implies, usable by the engine's forward pass) and, after a
 * same-length byte edit that left the metadata alone, one whose tensors differ from the original in no more
 * values than bytes were edited. Each suite counts the outcomes per reader in its own `tally`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import { vocabularyProblem } from '../../electron/engine/data/index.js';
import { LabError } from '../../electron/engine/errors.js';
import { exportModel, SAFETENSORS_FILE } from '../../electron/engine/io/exportModel.js';
import type { LabModelMeta } from '../../electron/engine/io/labMeta.js';
import { importLayersModel, LAB_SIDECAR_FILE, LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, loadLayersModelFromDir } from '../../electron/engine/io/layers.js';
import { ONNX_FILE } from '../../electron/engine/io/onnx.js';
import { inferLogitsTf, randomContexts } from '../../electron/engine/io/verify.js';
import { paramSpecs, sizeOf, type ModelState } from '../../electron/engine/model/params.js';
import { UNSAFE_CHARACTER } from '../../electron/engine/util/displayText.js';
import { randomState, tinyConfig, useCpuBackend, VOCAB } from './io-fixtures.js';

export const root = mkdtempSync(path.join(tmpdir(), 'lab-io-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real export the mutations start from: bn3-style (BatchNorm buffers included), all three formats. */
const original = randomState(tinyConfig(true), 31);
const exportDir = path.join(root, 'export');
export const files: Record<'safetensors' | 'onnx' | 'modelJson' | 'weights' | 'sidecar', Uint8Array> = {} as never;

beforeAll(async () => {
  await useCpuBackend();
  await exportModel(original, {
    formats: ['tfjs', 'onnx', 'safetensors'],
    outDir: exportDir,
    vocab: VOCAB,
    card: { title: 'fuzz' },
  });
  const read = (name: string) => new Uint8Array(readFileSync(path.join(exportDir, name)));
  files.safetensors = read(SAFETENSORS_FILE);
  files.onnx = read(ONNX_FILE);
  files.modelJson = read(LAYERS_MODEL_FILE);
  files.weights = read(LAYERS_WEIGHTS_FILE);
  files.sidecar = read(LAB_SIDECAR_FILE);
});

/**
 * A uniform fraction in [0, 1), scaled to the file's length when applied. (fc.double is uniform over the bit
 * patterns, not over [0, 1): most of its draws are tiny and would all land on the first bytes.)
 */
export const fraction = fc.integer({ min: 0, max: 999_999 }).map((k) => k / 1_000_000);

export interface Mutated {
  bytes: Uint8Array;
  /** Offsets (in the original) of bytes changed in place; null once the length changed. */
  inPlace: number[] | null;
}

// ---------------------------------------------------------------------------------------------------------
// The outcome check shared by every reader (and both suites)

export const tally: Record<string, { loaded: number; refused: number }> = {};
function count(reader: string, outcome: 'loaded' | 'refused'): void {
  tally[reader] ??= { loaded: 0, refused: 0 };
  tally[reader][outcome]++;
}

function expectOneLineModelFileError(e: unknown, where: string): void {
  if (!(e instanceof LabError)) throw e; // any other exception fails the property, stack and all
  expect(e.code).toBe('MODEL_FILE');
  expect(e.message).not.toMatch(UNSAFE_CHARACTER);
  expect(e.message.startsWith(where), e.message).toBe(true);
  expect(e.message.length).toBeLessThan(1000);
}

/** A loaded model is consistent and usable; after in-place edits outside the metadata, nearly equal. */
function expectConsistent(loaded: { state: ModelState; meta: LabModelMeta }, inPlaceEdits: number | null): void {
  const { state, meta } = loaded;
  expect(vocabularyProblem(meta.vocab)).toBeNull();
  expect(state.vocabSize).toBe(meta.vocab.length);
  const specs = paramSpecs(state.config, state.vocabSize);
  expect(Object.keys(state.tensors).sort()).toEqual(specs.map((s) => s.name).sort());
  for (const s of specs) expect(state.tensors[s.name].length).toBe(sizeOf(s.shape));
  const n = 2;
  expect(inferLogitsTf(state, randomContexts(state.vocabSize, state.config.blockSize, n, 5), n).length).toBe(n * state.vocabSize);
  const sameShape = JSON.stringify(state.config) === JSON.stringify(original.config) && meta.vocab.join('\u0000') === VOCAB.join('\u0000');
  if (inPlaceEdits !== null && sameShape) {
    let differing = 0;
    for (const s of specs) {
      const a = new Uint32Array(state.tensors[s.name].buffer, state.tensors[s.name].byteOffset, state.tensors[s.name].length);
      const b = new Uint32Array(original.tensors[s.name].buffer, original.tensors[s.name].byteOffset, original.tensors[s.name].length);
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) differing++;
    }
    expect(differing).toBeLessThanOrEqual(inPlaceEdits);
  }
}

export function inMemory(reader: string, where: string, decode: (bytes: Uint8Array) => { state: ModelState; meta: LabModelMeta }, m: Mutated): void {
  let loaded;
  try {
    loaded = decode(m.bytes);
  } catch (e) {
    expectOneLineModelFileError(e, where);
    count(reader, 'refused');
    return;
  }
  expectConsistent(loaded, m.inPlace?.length ?? null);
  count(reader, 'loaded');
}

/** Writes one file of a Layers folder and tries both loaders (the lab's import and tf.loadLayersModel). */
export async function onDisk(reader: string, dir: string, file: string, bytes: Uint8Array, inPlace: number | null): Promise<void> {
  writeFileSync(path.join(dir, file), bytes);
  try {
    expectConsistent(await importLayersModel(dir), inPlace);
    count(`${reader} (import)`, 'loaded');
  } catch (e) {
    expectOneLineModelFileError(e, dir);
    count(`${reader} (import)`, 'refused');
  }
  let model: tf.LayersModel | null = null;
  try {
    model = await loadLayersModelFromDir(dir);
  } catch (e) {
    expectOneLineModelFileError(e, dir);
    count(`${reader} (tf.loadLayersModel)`, 'refused');
    return;
  }
  try {
    // Loaded by tf: it must also predict, with the vocabulary's width.
    const out = tf.tidy(() => model!.predict(tf.tensor2d(randomContexts(VOCAB.length, 3, 2, 9), [2, 3], 'int32')) as tf.Tensor);
    expect(out.shape).toEqual([2, VOCAB.length]);
    out.dispose();
    count(`${reader} (tf.loadLayersModel)`, 'loaded');
  } finally {
    model.dispose();
  }
}

export function layersFolder(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, LAYERS_MODEL_FILE), files.modelJson);
  writeFileSync(path.join(dir, LAYERS_WEIGHTS_FILE), files.weights);
  writeFileSync(path.join(dir, LAB_SIDECAR_FILE), files.sidecar);
  return dir;
}
