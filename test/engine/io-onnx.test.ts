import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import fc from 'fast-check';
import { LabError } from '../../electron/engine/errors.js';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { decodeOnnxModel, encodeOnnxModel } from '../../electron/engine/io/onnx.js';
import { readFields, WIRE_LEN } from '../../electron/engine/io/protobuf.js';
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
