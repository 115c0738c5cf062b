import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import fc from 'fast-check';
import { LabError } from '../../electron/engine/errors.js';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { decodeOnnxModel, encodeOnnxModel } from '../../electron/engine/io/onnx.js';
import { ProtoWriter, readFields, WIRE_LEN, WIRE_VARINT, type ProtoField } from '../../electron/engine/io/protobuf.js';
import { inferLogitsTf, maxAbsDiff, randomContexts } from '../../electron/engine/io/verify.js';
import { modelCases, randomState, sameFloats, tinyConfig, useCpuBackend, VOCAB } from './io-fixtures.js';

beforeAll(useCpuBackend);

/** op_type of every node in the graph, read back with the generic protobuf reader. */
function opTypes(bytes: Uint8Array): string[] {
  const graph = readFields(bytes).find((f) => f.field === 7)!.value as Uint8Array;
  return readFields(graph)
    .filter((f) => f.field === 1 && f.wire === WIRE_LEN)
    .map((node) => Buffer.from(readFields(node.value as Uint8Array).find((f) => f.field === 4)!.value as Uint8Array).toString('utf8'));
}

async function runOrt(bytes: Uint8Array, x: Int32Array, n: number, block: number): Promise<{ logits: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(['tokens']);
    expect(session.outputNames).toEqual(['logits']);
    const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(x, BigInt), [n, block]) });
    return { logits: out.logits.data as Float32Array, dims: out.logits.dims };
  } finally {
    await session.release();
  }
}

describe('ONNX export', () => {
  it.each(modelCases())('onnxruntime-node logits of $name equal forwardTf infer to ≤ 1e-5', async ({ state, folded }) => {
    const bytes = encodeOnnxModel(state, makeLabMeta(state.config, VOCAB, folded));
    const n = 300;
    const x = randomContexts(state.vocabSize, state.config.blockSize, n, 3);
    const { logits, dims } = await runOrt(bytes, x, n, state.config.blockSize);
    expect(dims).toEqual([n, VOCAB.length]);
    const want = inferLogitsTf(state, x, n);
    expect(maxAbsDiff(logits, want)).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.5);

    const ops = opTypes(bytes);
    const hasBn = state.config.output.batchNorm || state.config.hidden.some((h) => h.batchNorm);
    expect(ops.includes('BatchNormalization')).toBe(hasBn);
    if (folded) expect(ops).not.toContain('BatchNormalization');
    expect(ops.slice(0, 2)).toEqual(['Gather', 'Flatten']);
    expect(ops.filter((o) => o === 'MatMul')).toHaveLength(state.config.hidden.length + 1);

    const back = decodeOnnxModel(bytes, 'm.onnx');
    expect(back.meta.folded).toBe(folded);
    expect(back.meta.vocab).toEqual(VOCAB);
    expect(back.state.config).toEqual(state.config);
    for (const [name, data] of Object.entries(state.tensors)) expect(sameFloats(back.state.tensors[name], data), name).toBe(true);
  });

  it('refuses a file whose graph was edited, and one without lab metadata', () => {
    const state = randomState(tinyConfig(false), 4);
    const bytes = encodeOnnxModel(state, makeLabMeta(state.config, VOCAB, true));
    const text = Buffer.from(bytes);
    const at = text.indexOf('Tanh');
    const edited = Uint8Array.from(bytes);
    edited.set(Buffer.from('Relu'), at);
    expect(() => decodeOnnxModel(edited, 'e.onnx')).toThrow(/graph differs/);
    const noMeta = Uint8Array.from(bytes);
    noMeta.set(Buffer.from('makemore-lXb'), text.indexOf('makemore-lab.format'));
    expect(() => decodeOnnxModel(noMeta, 'e.onnx')).toThrow(/no makemore-lab metadata/);
    expect(() => decodeOnnxModel(new Uint8Array([0x0a, 0xff, 0xff]), 'e.onnx')).toThrow(LabError);
  });

  it('every truncation or single-byte corruption is a LabError or a clean decode (fast-check)', () => {
    const state = randomState(tinyConfig(true), 6);
    const good = encodeOnnxModel(state, makeLabMeta(state.config, VOCAB, false));
    const attempt = (bytes: Uint8Array) => {
      try {
        decodeOnnxModel(bytes, 'damaged.onnx');
      } catch (e) {
        if (!(e instanceof LabError)) throw e;
      }
    };
    for (let len = 0; len < good.length; len += 7) expect(() => decodeOnnxModel(good.subarray(0, len), 'cut.onnx')).toThrow(LabError);
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const bytes = good.slice();
        bytes[at] = value;
        attempt(bytes);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });
});

/** Re-emits a message's fields (varint and length-delimited ones, all an ONNX model uses) after `edit`. */
function reencode(fields: ProtoField[]): Uint8Array {
  const w = new ProtoWriter();
  for (const f of fields) {
    if (f.wire === WIRE_VARINT) w.varint(f.field, f.value);
    else if (f.wire === WIRE_LEN) w.bytes(f.field, f.value);
    else throw new Error(`unexpected wire type ${f.wire}`);
  }
  return w.finish();
}

/** The model with its graph's fields passed through `edit`. */
function editGraph(model: Uint8Array, edit: (graph: ProtoField[]) => ProtoField[]): Uint8Array {
  return reencode(readFields(model).map((f) => (f.field === 7 && f.wire === WIRE_LEN ? { ...f, value: reencode(edit(readFields(f.value))) } : f)));
}

function initializer(name: Uint8Array | string, values: number[]): ProtoField {
  const w = new ProtoWriter().varint(1, values.length).varint(2, 1);
  w.bytes(8, typeof name === 'string' ? new TextEncoder().encode(name) : name);
  w.bytes(9, new Uint8Array(Float32Array.from(values).buffer));
  return { field: 5, wire: WIRE_LEN, value: w.finish() };
}

describe('ONNX reader against crafted names and vocabularies (issue 8, items 6 and 10)', () => {
  const state = randomState(tinyConfig(false), 9);
  const good = encodeOnnxModel(state, makeLabMeta(state.config, VOCAB, true));

  it('the re-encoder is faithful: an unedited round trip is byte-identical', () => {
    expect(Buffer.from(editGraph(good, (g) => g)).equals(Buffer.from(good))).toBe(true);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])("refuses an extra initializer named '%s'", (name) => {
    const bytes = editGraph(good, (g) => [...g, initializer(name, [1])]);
    expect(() => decodeOnnxModel(bytes, 'p.onnx')).toThrow(new RegExp(`p\\.onnx: unexpected tensor\\(s\\) "${name}"`));
  });

  it("reads a name's bytes exactly: a BOM before 'C' is not 'C'", () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x43]);
    const renamed = editGraph(good, (g) =>
      g.map((f) => {
        if (f.field !== 5 || f.wire !== WIRE_LEN) return f;
        const fields = readFields(f.value);
        const isC = fields.some((x) => x.field === 8 && x.wire === WIRE_LEN && Buffer.from(x.value).toString() === 'C');
        return isC ? { ...f, value: reencode(fields.map((x): ProtoField => (x.field === 8 && x.wire === WIRE_LEN ? { ...x, value: bom } : x))) } : f;
      }),
    );
    expect(() => decodeOnnxModel(renamed, 'bom.onnx')).toThrow(/bom\.onnx: tensor 'C' is missing/);
  });

  it("refuses a vocabulary of multi-character tokens even when its joined text is the expected one", () => {
    const joined = ['.', 'ab', ...VOCAB.slice(3), 'Z'];
    const bytes = encodeOnnxModel(state, makeLabMeta(state.config, joined, true));
    expect(() => decodeOnnxModel(bytes, 'v.onnx')).toThrow(/v\.onnx: invalid vocabulary: token 1 \("ab"\) is not exactly one character/);
  });

  it('refuses a metadata key that appears twice (the ONNX checker does too)', () => {
    const extra = new ProtoWriter().string(1, 'makemore-lab.folded').string(2, 'false').finish();
    const bytes = reencode([...readFields(good), { field: 14, wire: WIRE_LEN, value: extra }]);
    expect(() => decodeOnnxModel(bytes, 'd.onnx')).toThrow(/d\.onnx: metadata key "makemore-lab\.folded" appears twice/);
  });
});
