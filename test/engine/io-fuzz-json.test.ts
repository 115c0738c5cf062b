/**
 * Fuzzing the model readers with structure-aware edits of the JSON they parse (issue 8): hostile values,
 * Object.prototype keys, removed keys and wrapped nodes, in the safetensors header and the lab metadata inside
 * it, in the ONNX vocabulary string and in lab-model.json. Byte-level damage is io-fuzz-bytes.test.ts; the
 * outcome check (loads consistently, or one typed line) is io-fuzz-harness.ts.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAB_SIDECAR_FILE } from '../../electron/engine/io/layers.js';
import { decodeOnnxModel } from '../../electron/engine/io/onnx.js';
import { decodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { VOCAB } from './io-fixtures.js';
import { files, fraction, inMemory, layersFolder, onDisk, root, tally } from './io-fuzz-harness.js';

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
const RUNS = { safetensorsJson: 500, onnxMetaJson: 300, sidecarJson: 150 };

describe('model-reader fuzz, JSON edits (fast-check): loads consistently or one typed line, never another exception', () => {
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
    const total = Object.values(tally).reduce((n, t) => n + t.loaded + t.refused, 0);
    console.log(`model-reader fuzz (JSON edits): ${total} reader calls — ${JSON.stringify(tally)}`);
    for (const reader of ['safetensors (JSON edits)', 'lab-model.json (JSON edits) (import)']) {
      expect(tally[reader].loaded, reader).toBeGreaterThan(0);
      expect(tally[reader].refused, reader).toBeGreaterThan(0);
    }
  });
});
