/**
 * Fuzzing every model reader with damaged copies of real exported files, byte by byte (issue 8: "each model
 * reader — zero crashes, zero hangs, every refusal a typed error with one line").
 *
 * The per-format tests (io-safetensors, io-onnx, io-layers) cover every truncation and single-byte overwrite.
 * This suite extends them to what they do not reach: bit flips, inserted, deleted and duplicated byte runs and
 * sequences of up to four of them, and weights.bin and lab-model.json (the sidecar had no corruption test).
 * Structure-aware edits of the JSON a reader parses are io-fuzz-json.test.ts; the outcome check is
 * io-fuzz-harness.ts.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAB_SIDECAR_FILE, LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE } from '../../electron/engine/io/layers.js';
import { decodeOnnxModel } from '../../electron/engine/io/onnx.js';
import { decodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { files, fraction, inMemory, layersFolder, onDisk, root, tally, type Mutated } from './io-fuzz-harness.js';

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

/** `runs` mutation sequences of a whole-model file, decoded from memory as if read from `name`. */
type Decode = (bytes: Uint8Array, where: string) => ReturnType<typeof decodeOnnxModel>;
function fuzzInMemory(reader: string, name: string, decode: Decode, source: Uint8Array, runs: number, seed: number): void {
  const where = path.join(root, name);
  fc.assert(
    fc.property(mutations, (ms) => inMemory(reader, where, (b) => decode(b, where), applyMutations(source, ms))),
    { numRuns: runs, seed },
  );
}

/**
 * `runs` mutation sequences of one file of a TF.js Layers folder, each loaded by both loaders. Only the weights
 * are compared with the original after an in-place edit (an edit elsewhere may change what the weights mean).
 */
async function fuzzLayersFile(reader: string, file: string, source: Uint8Array, runs: number, seed: number): Promise<void> {
  const dir = layersFolder(reader);
  await fc.assert(
    fc.asyncProperty(mutations, async (ms) => {
      const m = applyMutations(source, ms);
      await onDisk(reader, dir, file, m.bytes, file === LAYERS_WEIGHTS_FILE ? (m.inPlace?.length ?? null) : null);
    }),
    { numRuns: runs, seed },
  );
}

// Inputs per property; fixed seeds, so every run tries the same inputs.
const RUNS = { safetensors: 2000, onnx: 2000, modelJson: 200, weights: 150, sidecar: 200 };

describe('model-reader fuzz, byte-level damage (fast-check): loads consistently or one typed line, never another exception', () => {
  it('the unmutated export loads in every reader, equal to the model that was exported', async () => {
    inMemory('baseline', 'm', (b) => decodeModelSafetensors(b, 'm'), { bytes: files.safetensors, inPlace: [] });
    inMemory('baseline', 'm', (b) => decodeOnnxModel(b, 'm'), { bytes: files.onnx, inPlace: [] });
    await onDisk('baseline', layersFolder('baseline'), LAB_SIDECAR_FILE, files.sidecar, 0);
    expect(tally.baseline).toEqual({ loaded: 2, refused: 0 });
    expect(tally['baseline (import)'].loaded + tally['baseline (tf.loadLayersModel)'].loaded).toBe(2);
  });

  it(`safetensors: ${RUNS.safetensors} byte-mutation sequences`, () => {
    fuzzInMemory('safetensors', 'damaged.safetensors', decodeModelSafetensors, files.safetensors, RUNS.safetensors, 101);
  });

  it(`ONNX: ${RUNS.onnx} byte-mutation sequences`, () => {
    fuzzInMemory('onnx', 'damaged.onnx', decodeOnnxModel, files.onnx, RUNS.onnx, 102);
  });

  it(`TF.js Layers model.json: ${RUNS.modelJson} byte-mutation sequences, both loaders`, async () => {
    await fuzzLayersFile('model.json', LAYERS_MODEL_FILE, files.modelJson, RUNS.modelJson, 103);
  });

  it(`TF.js Layers weights.bin: ${RUNS.weights} byte-mutation sequences, both loaders`, async () => {
    await fuzzLayersFile('weights.bin', LAYERS_WEIGHTS_FILE, files.weights, RUNS.weights, 104);
  });

  it(`lab-model.json: ${RUNS.sidecar} byte-mutation sequences, both loaders`, async () => {
    await fuzzLayersFile('lab-model.json', LAB_SIDECAR_FILE, files.sidecar, RUNS.sidecar, 105);
  });

  it('counts: every reader saw both outcomes where both are possible', () => {
    const total = Object.entries(tally)
      .filter(([k]) => !k.startsWith('baseline'))
      .reduce((n, [, t]) => n + t.loaded + t.refused, 0);
    console.log(`model-reader fuzz (bytes): ${total} reader calls — ${JSON.stringify(tally)}`);
    for (const reader of ['safetensors', 'onnx', 'weights.bin (import)']) {
      expect(tally[reader].loaded, reader).toBeGreaterThan(0);
      expect(tally[reader].refused, reader).toBeGreaterThan(0);
    }
  });
});
