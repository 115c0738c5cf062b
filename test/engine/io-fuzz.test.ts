/**
 * Fuzzing every model reader with damaged copies of real exported files (issue 8: "each model reader — zero
 * crashes, zero hangs, every refusal a typed error with one line").
 *
 * The per-format tests (io-safetensors, io-onnx, io-layers) cover every truncation and single-byte overwrite.
 * This suite extends them to what they do not reach: bit flips, inserted, deleted and duplicated byte runs and
 * sequences of up to four of them; weights.bin and lab-model.json (the sidecar had no corruption test); and
 * structure-aware mutations of the JSON a reader parses (hostile values, Object.prototype keys, removed keys).
 *
 * Every input must give either a LabError('MODEL_FILE') whose message is one line naming the file, or a model
 * that is consistent (a valid vocabulary, exactly the tensors its configuration implies, usable by the
 * engine's forward pass) — and after a same-length byte edit that left the metadata alone, a model whose
 * tensors differ from the original in no more values than bytes were edited.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vocabularyProblem } from '../../electron/engine/data/index.js';
import { LabError } from '../../electron/engine/errors.js';
import { exportModel, SAFETENSORS_FILE } from '../../electron/engine/io/exportModel.js';
import type { LabModelMeta } from '../../electron/engine/io/labMeta.js';
import { importLayersModel, LAB_SIDECAR_FILE, LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, loadLayersModelFromDir } from '../../electron/engine/io/layers.js';
import { decodeOnnxModel, ONNX_FILE } from '../../electron/engine/io/onnx.js';
import { decodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { inferLogitsTf, randomContexts } from '../../electron/engine/io/verify.js';
import { paramSpecs, sizeOf, type ModelState } from '../../electron/engine/model/params.js';
import { UNSAFE_CHARACTER } from '../../electron/engine/util/displayText.js';
import { randomState, tinyConfig, useCpuBackend, VOCAB } from './io-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'lab-io-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real export the mutations start from: bn3-style (BatchNorm buffers included), all three formats. */
const original = randomState(tinyConfig(true), 31);
const exportDir = path.join(root, 'export');
const files: Record<'safetensors' | 'onnx' | 'modelJson' | 'weights' | 'sidecar', Uint8Array> = {} as never;

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

// ---------------------------------------------------------------------------------------------------------
// Byte-level mutations

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'duplicate'; at: number; length: number };

/** Bytes that mean something to JSON or protobuf, so inserted runs often parse a little further. */
const significantByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x30, 0x39, 0x2d, 0x65, 0x5c, 0x00, 0x08, 0x0a, 0x12, 0x1a, 0x80, 0xff, 0xef, 0xbb, 0xbf),
);
/**
 * A uniform fraction in [0, 1), scaled to the file's length when applied. (fc.double is uniform over the bit
 * patterns, not over [0, 1): most of its draws are tiny and would all land on the first bytes.)
 */
const fraction = fc.integer({ min: 0, max: 999_999 }).map((k) => k / 1_000_000);
const position = fraction;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: position }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.array(significantByte, { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
).map((m) => ({ ...m, at: m.at as number }) as Mutation);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

interface Mutated {
  bytes: Uint8Array;
  /** Offsets (in the original) of bytes changed in place; null once the length changed. */
  inPlace: number[] | null;
}

function applyMutations(source: Uint8Array, ms: Mutation[]): Mutated {
  let bytes = Uint8Array.from(source);
  let inPlace: number[] | null = [];
  for (const m of ms) {
    const at = Math.floor(m.at * Math.max(bytes.length, 1));
    switch (m.kind) {
      case 'flip':
        if (bytes.length === 0) break;
        bytes[at] ^= 1 << m.bit;
        inPlace?.push(at);
        break;
      case 'set':
        if (bytes.length === 0) break;
        bytes[at] = m.value;
        inPlace?.push(at);
        break;
      case 'cut':
        bytes = bytes.slice(0, at);
        inPlace = null;
        break;
      case 'delete':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
        inPlace = null;
        break;
      case 'insert':
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
        inPlace = null;
        break;
      case 'duplicate':
        bytes = Uint8Array.from([...bytes.subarray(0, at + m.length), ...bytes.subarray(at, at + m.length), ...bytes.subarray(at + m.length)]);
        inPlace = null;
        break;
    }
  }
  return { bytes, inPlace };
}

// ---------------------------------------------------------------------------------------------------------
// The outcome check shared by every reader

const tally: Record<string, { loaded: number; refused: number }> = {};
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

function inMemory(reader: string, where: string, decode: (bytes: Uint8Array) => { state: ModelState; meta: LabModelMeta }, m: Mutated): void {
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
async function onDisk(reader: string, dir: string, file: string, bytes: Uint8Array, inPlace: number | null): Promise<void> {
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

function layersFolder(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, LAYERS_MODEL_FILE), files.modelJson);
  writeFileSync(path.join(dir, LAYERS_WEIGHTS_FILE), files.weights);
  writeFileSync(path.join(dir, LAB_SIDECAR_FILE), files.sidecar);
  return dir;
}

// ---------------------------------------------------------------------------------------------------------
// Structure-aware JSON mutations

const HOSTILE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', '__metadata__', 'vocab', 'name'];
const HOSTILE_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 1e308, -1e-300, 2 ** 53, 2 ** 31, '', '.', 'ab', '\u001b[2J', '__proto__', 'constructor', 'F32', 'float32',
  [], [[]], {}, [0, 0], [-1], ['.', 'ab', 'c'], { __proto__: null }, 'x'.repeat(5000),
];

/** Every path to a node of a JSON value (the root is []). */
function jsonPaths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => jsonPaths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) jsonPaths(v, [...at, k], out);
  return out;
}

/** Sets an own, enumerable property even for '__proto__' (plain assignment would change the prototype). */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

type JsonEdit = { op: 'replace' | 'delete' | 'addKey' | 'wrap'; target: number; key: string; value: unknown };
const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  op: fc.constantFrom('replace', 'replace', 'delete', 'addKey', 'wrap'),
  target: fraction,
  key: fc.constantFrom(...HOSTILE_KEYS),
  value: fc.constantFrom(...HOSTILE_VALUES),
}) as fc.Arbitrary<JsonEdit>;

/** A deep copy of `json` with one edit (JSON round trip keeps own '__proto__' keys as data). */
function editJson(json: unknown, e: JsonEdit): unknown {
  const copy = JSON.parse(JSON.stringify(json));
  const paths = jsonPaths(copy);
  const p = paths[Math.floor(e.target * paths.length)];
  if (p.length === 0) return e.op === 'wrap' ? [copy] : e.op === 'replace' ? e.value : copy;
  let parent: any = copy;
  for (const k of p.slice(0, -1)) parent = parent[k];
  const last = p[p.length - 1];
  switch (e.op) {
    case 'replace':
      if (Array.isArray(parent)) parent[last as number] = e.value;
      else define(parent, last as string, e.value);
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'addKey': {
      const node = parent[last];
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) define(node, e.key, e.value);
      else if (Array.isArray(node)) node.push(e.value);
      break;
    }
    case 'wrap':
      if (Array.isArray(parent)) parent[last as number] = [parent[last as number]];
      else define(parent, last as string, [parent[last]]);
      break;
  }
  return copy;
}

/** A safetensors file with its JSON header replaced by `header` (data bytes unchanged). */
function withSafetensorsHeader(bytes: Uint8Array, header: unknown): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = new TextEncoder().encode(JSON.stringify(header) ?? 'null');
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

function safetensorsHeader(bytes: Uint8Array): any {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

// ---------------------------------------------------------------------------------------------------------

// Inputs per property; fixed seeds, so every run tries the same inputs.
const RUNS = { safetensors: 2000, onnx: 2000, modelJson: 200, weights: 150, sidecar: 200, safetensorsJson: 500, onnxMetaJson: 300, sidecarJson: 150 };

describe('model-reader fuzz (fast-check): loads consistently or one typed line, never another exception', () => {
  it('the unmutated export loads in every reader, equal to the model that was exported', async () => {
    inMemory('baseline', 'm', (b) => decodeModelSafetensors(b, 'm'), { bytes: files.safetensors, inPlace: [] });
    inMemory('baseline', 'm', (b) => decodeOnnxModel(b, 'm'), { bytes: files.onnx, inPlace: [] });
    await onDisk('baseline', layersFolder('baseline'), LAB_SIDECAR_FILE, files.sidecar, 0);
    expect(tally.baseline).toEqual({ loaded: 2, refused: 0 });
    expect(tally['baseline (import)'].loaded + tally['baseline (tf.loadLayersModel)'].loaded).toBe(2);
  });

  it(`safetensors: ${RUNS.safetensors} byte-mutation sequences`, () => {
    const where = path.join(root, 'damaged.safetensors');
    fc.assert(
      fc.property(mutations, (ms) => inMemory('safetensors', where, (b) => decodeModelSafetensors(b, where), applyMutations(files.safetensors, ms))),
      { numRuns: RUNS.safetensors, seed: 101 },
    );
  });

  it(`ONNX: ${RUNS.onnx} byte-mutation sequences`, () => {
    const where = path.join(root, 'damaged.onnx');
    fc.assert(
      fc.property(mutations, (ms) => inMemory('onnx', where, (b) => decodeOnnxModel(b, where), applyMutations(files.onnx, ms))),
      { numRuns: RUNS.onnx, seed: 102 },
    );
  });

  it(`TF.js Layers model.json: ${RUNS.modelJson} byte-mutation sequences, both loaders`, async () => {
    const dir = layersFolder('model-json');
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => {
        const m = applyMutations(files.modelJson, ms);
        await onDisk('model.json', dir, LAYERS_MODEL_FILE, m.bytes, null);
      }),
      { numRuns: RUNS.modelJson, seed: 103 },
    );
  });

  it(`TF.js Layers weights.bin: ${RUNS.weights} byte-mutation sequences, both loaders`, async () => {
    const dir = layersFolder('weights');
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => {
        const m = applyMutations(files.weights, ms);
        await onDisk('weights.bin', dir, LAYERS_WEIGHTS_FILE, m.bytes, m.inPlace?.length ?? null);
      }),
      { numRuns: RUNS.weights, seed: 104 },
    );
  });

  it(`lab-model.json: ${RUNS.sidecar} byte-mutation sequences, both loaders`, async () => {
    const dir = layersFolder('sidecar');
    await fc.assert(
      fc.asyncProperty(mutations, async (ms) => {
        const m = applyMutations(files.sidecar, ms);
        await onDisk('lab-model.json', dir, LAB_SIDECAR_FILE, m.bytes, null);
      }),
      { numRuns: RUNS.sidecar, seed: 105 },
    );
  });

  it(`safetensors header JSON: ${RUNS.safetensorsJson} structural edits (hostile values, prototype keys, deletions), metadata JSON included`, () => {
    const where = path.join(root, 'edited.safetensors');
    const header = safetensorsHeader(files.safetensors);
    fc.assert(
      fc.property(jsonEdit, fc.constantFrom('header', 'vocab', 'config'), (e, part) => {
        let edited: unknown;
        if (part === 'header') edited = editJson(header, e);
        else {
          // The lab metadata travels as JSON strings inside __metadata__: edit the JSON inside the string.
          edited = JSON.parse(JSON.stringify(header));
          const meta = (edited as any).__metadata__;
          meta[part] = JSON.stringify(editJson(JSON.parse(meta[part]), e)) ?? 'undefined';
        }
        inMemory('safetensors (JSON edits)', where, (b) => decodeModelSafetensors(b, where), { bytes: withSafetensorsHeader(files.safetensors, edited), inPlace: null });
      }),
      { numRuns: RUNS.safetensorsJson, seed: 106 },
    );
  });

  it(`ONNX metadata JSON: ${RUNS.onnxMetaJson} structural edits of the vocabulary string (same length, so the protobuf stays well-formed)`, () => {
    const where = path.join(root, 'edited.onnx');
    const text = Buffer.from(files.onnx);
    const vocabJson = JSON.stringify(VOCAB);
    const at = text.indexOf(vocabJson);
    expect(at).toBeGreaterThan(0);
    fc.assert(
      fc.property(jsonEdit, (e) => {
        // Same-length edits only (the protobuf length prefix stays right): overwrite the vocab JSON with an
        // edited one, padded with spaces or truncated; anything else is the byte-level property above.
        const edited = Buffer.from((JSON.stringify(editJson(VOCAB, e)) ?? '').padEnd(vocabJson.length, ' ').slice(0, vocabJson.length));
        const bytes = Uint8Array.from(files.onnx);
        bytes.set(edited, at);
        inMemory('onnx (JSON edits)', where, (b) => decodeOnnxModel(b, where), { bytes, inPlace: null });
      }),
      { numRuns: RUNS.onnxMetaJson, seed: 107 },
    );
  });

  it(`lab-model.json: ${RUNS.sidecarJson} structural edits, both loaders`, async () => {
    const dir = layersFolder('sidecar-json');
    const sidecar = JSON.parse(new TextDecoder().decode(files.sidecar));
    await fc.assert(
      fc.asyncProperty(jsonEdit, async (e) => {
        await onDisk('lab-model.json (JSON edits)', dir, LAB_SIDECAR_FILE, new TextEncoder().encode(JSON.stringify(editJson(sidecar, e)) ?? ''), null);
      }),
      { numRuns: RUNS.sidecarJson, seed: 108 },
    );
  });

  it('counts: every reader saw both outcomes where both are possible', () => {
    const total = Object.entries(tally)
      .filter(([k]) => !k.startsWith('baseline'))
      .reduce((n, [, t]) => n + t.loaded + t.refused, 0);
    console.log(`model-reader fuzz: ${total} reader calls — ${JSON.stringify(tally)}`);
    for (const reader of ['safetensors', 'onnx', 'weights.bin (import)', 'safetensors (JSON edits)', 'lab-model.json (JSON edits) (import)']) {
      expect(tally[reader].loaded, reader).toBeGreaterThan(0);
      expect(tally[reader].refused, reader).toBeGreaterThan(0);
    }
  });
});
