import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sameFloats } from './io-fixtures.js';
import { LabError } from '../../electron/engine/errors.js';
import { decodeModelSafetensors, decodeSafetensors, encodeModelSafetensors, encodeSafetensors } from '../../electron/engine/io/safetensors.js';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { modelCases, randomState, tinyConfig, VOCAB } from './io-fixtures.js';

/** Builds a file from a hand-written header and data, to produce each kind of malformed file. */
function rawFile(header: unknown, data: Uint8Array, declaredLength?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown;
  try {
    decodeSafetensors(bytes, 'x.safetensors');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(LabError);
  expect((error as LabError).code).toBe('MODEL_FILE');
  expect((error as LabError).message).toMatch(pattern);
}

const f32 = (n: number) => new Uint8Array(4 * n);

describe('safetensors writer', () => {
  it('writes a spec-conformant file: LE u64 length, space-padded 8-aligned header, contiguous F32 offsets', () => {
    const a = Float32Array.from([1.5, -2, 3.25, 0]);
    const b = Float32Array.from([7]);
    const bytes = encodeSafetensors([{ name: 'a', shape: [2, 2], data: a }, { name: 'b', shape: [1], data: b }], new Map([['k', 'v']]));
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(text.slice(text.lastIndexOf('}') + 1))).toBe(true);
    const header = JSON.parse(text);
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [1], data_offsets: [16, 20] });
    expect(bytes.length).toBe(8 + n + 20);
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2);
    expect(view.getFloat32(8 + n + 16, true)).toBe(7);
  });

  it.each(modelCases())('round-trips $name bit-exactly with its metadata', ({ state, folded }) => {
    const bytes = encodeModelSafetensors(state, makeLabMeta(state.config, VOCAB, folded));
    const back = decodeModelSafetensors(bytes, 'm.safetensors');
    expect(back.meta.vocab).toEqual(VOCAB);
    expect(back.meta.folded).toBe(folded);
    expect(back.state.config).toEqual(state.config);
    expect(Object.keys(back.state.tensors)).toEqual(Object.keys(state.tensors));
    for (const [name, data] of Object.entries(state.tensors)) expect(sameFloats(back.state.tensors[name], data), name).toBe(true);
    const metadata = decodeSafetensors(bytes).metadata;
    expect(JSON.parse(metadata.get('vocab')!)).toEqual(VOCAB);
    expect(metadata.get('blockSize')).toBe('3');
  });
});

describe('safetensors strict reader', () => {
  const ok = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  it('accepts a minimal valid file', () => {
    expect(decodeSafetensors(rawFile(ok, f32(2))).tensors.get('t')!.shape).toEqual([2]);
  });
  it('rejects each malformation with a clear MODEL_FILE error', () => {
    rejects(new Uint8Array(5), /too short/);
    rejects(rawFile(ok, f32(2), 200_000_000n), /exceeds the 100000000-byte limit/);
    rejects(rawFile(ok, f32(2), 2n ** 63n), /exceeds/);
    rejects(rawFile(ok, f32(2), 500n), /truncated: header needs 500 bytes/);
    rejects(rawFile({ t: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, f32(2)), /unknown dtype "F33"/);
    rejects(rawFile({ t: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, f32(2)), /dtype F16; only F32/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)), /shape \[3\] needs 12 bytes but its offsets span 8/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /beyond the 4 data bytes/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, f32(2)), /begin after end/);
    rejects(
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)),
      /overlaps/,
    );
    rejects(
      rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)),
      /hole in the data: bytes 4–8/,
    );
    rejects(rawFile(ok, f32(3)), /4 trailing data bytes/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(2)), /invalid shape/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32(2)), /invalid data_offsets/);
    rejects(rawFile({ __metadata__: { a: 1 }, ...ok }, f32(2)), /__metadata__ value "a" is not a string/);
    rejects(rawFile([1, 2], f32(0)), /not a JSON object|does not start/);
    rejects(rawFile({ t: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, f32(2)), /needs .* bytes but its offsets span 8/);
  });
  it('rejects a model file whose tensors do not match its configuration', () => {
    const state = randomState(tinyConfig(true), 3);
    const meta = makeLabMeta(state.config, VOCAB, false);
    const bad = { ...state, tensors: { ...state.tensors, W1: state.tensors.W1.subarray(0, 8) } };
    const entries = Object.entries(bad.tensors).map(([name, data]) => ({ name, shape: name === 'W1' ? [2, 4] : [data.length], data }));
    expect(() => decodeModelSafetensors(encodeSafetensors(entries, new Map()), 'm')).toThrow(/no makemore-lab metadata/);
    expect(() => decodeModelSafetensors(encodeModelSafetensors(state, { ...meta, vocab: VOCAB.slice(0, -1) }), 'm')).toThrow(/tensor 'C' has shape \[27, 4\], expected \[26, 4\]/);
  });
});

describe('safetensors reader against crafted names, vocabularies and a BOM (issue 8, items 6 and 10)', () => {
  const state = randomState(tinyConfig(true), 8);
  const good = encodeModelSafetensors(state, makeLabMeta(state.config, VOCAB, false));
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  const headerText = Buffer.from(good.subarray(8, 8 + headerLength)).toString('utf8').trimEnd();
  const data = good.subarray(8 + headerLength);

  /** The good file with its header text replaced (and optionally more data bytes). */
  function withHeader(text: string, extraData = new Uint8Array(0)): Uint8Array {
    const json = Buffer.from(text, 'utf8');
    const out = new Uint8Array(8 + json.length + data.length + extraData.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    out.set(extraData, 8 + json.length + data.length);
    return out;
  }

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    "refuses an extra tensor named '%s' (Object.prototype names are not expected tensors)",
    (name) => {
      // Written as text: an object literal would not carry a '__proto__' key into JSON.
      const entry = `"${name}":{"dtype":"F32","shape":[1],"data_offsets":[${data.length},${data.length + 4}]}`;
      const bytes = withHeader(`{${entry},${headerText.slice(1)}`, new Uint8Array(4));
      expect(decodeSafetensors(bytes).tensors.has(name)).toBe(true); // the container itself is well-formed
      expect(() => decodeModelSafetensors(bytes, 'p.safetensors')).toThrow(new RegExp(`p\\.safetensors: unexpected tensor\\(s\\) "${name}"`));
    },
  );

  it('keeps the message one short line when a name, dtype or vocabulary token is 5,000 characters long', () => {
    const long = 'x'.repeat(5000);
    const entry = `"${long}":{"dtype":"F32","shape":[1],"data_offsets":[${data.length},${data.length + 4}]}`;
    const messages = [
      () => decodeModelSafetensors(withHeader(`{${entry},${headerText.slice(1)}`, new Uint8Array(4)), 'l.safetensors'),
      () => decodeSafetensors(rawFile({ t: { dtype: long, shape: [1], data_offsets: [0, 4] } }, f32(1)), 'l.safetensors'),
      () => decodeSafetensors(rawFile({ [long]: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), 'l.safetensors'),
      () => decodeModelSafetensors(encodeModelSafetensors(state, { ...makeLabMeta(state.config, VOCAB, false), vocab: ['.', long, ...VOCAB.slice(2)] }), 'l.safetensors'),
    ].map((load) => {
      try {
        load();
      } catch (e) {
        return (e as Error).message;
      }
      return 'loaded';
    });
    for (const m of messages) {
      expect(m).toMatch(/^l\.safetensors: /);
      expect(m.length).toBeLessThan(200);
    }
  });

  it('refuses a dtype named after an Object.prototype property', () => {
    for (const dtype of ['constructor', 'toString', '__proto__']) {
      rejects(rawFile({ t: { dtype, shape: [1], data_offsets: [0, 4] } }, f32(1)), new RegExp(`unknown dtype "${dtype}"`));
    }
  });

  it('refuses a UTF-8 BOM before the JSON header (TextDecoder would silently drop it)', () => {
    const bytes = withHeader(`\uFEFF${headerText}`);
    expect(() => decodeModelSafetensors(bytes, 'bom.safetensors')).toThrow(/bom\.safetensors: header does not start with '\{' \(starts with a UTF-8 byte order mark\)/);
  });

  it("refuses vocabularies whose tokens are not one character each, or lack '.' at 0 — also when the joined text matches", () => {
    const metaWith = (vocab: string[]) => encodeModelSafetensors(state, { ...makeLabMeta(state.config, VOCAB, false), vocab });
    // ['.', 'ab', 'c', …, 'z', 'Z'] has the right length and joins to the same text as VOCAB + 'Z'.
    const joined = ['.', 'ab', ...VOCAB.slice(3), 'Z'];
    expect(joined.length).toBe(VOCAB.length);
    expect(() => decodeModelSafetensors(metaWith(joined), 'v.safetensors')).toThrow(/v\.safetensors: invalid vocabulary: token 1 \("ab"\) is not exactly one character/);
    expect(() => decodeModelSafetensors(metaWith(['', ...VOCAB.slice(1)]), 'v')).toThrow(/token 0 must be "\."/);
    expect(() => decodeModelSafetensors(metaWith([...VOCAB.slice(1), '.']), 'v')).toThrow(/token 0 must be "\."/);
    expect(() => decodeModelSafetensors(metaWith(['.', ...VOCAB.slice(2), 'a']), 'v')).not.toThrow(); // order is free
    expect(() => decodeModelSafetensors(metaWith(['.', 'a', ...VOCAB.slice(2, -1), 'a']), 'v')).toThrow(/token 26 \("a"\) appears twice/);
    expect(() => decodeModelSafetensors(metaWith(['.', '\u001b', ...VOCAB.slice(2)]), 'v')).toThrow(/token 1 is U\+001B/);
    expect(() => decodeModelSafetensors(metaWith(['.', 'e\u0301', ...VOCAB.slice(2)]), 'v')).toThrow(/not exactly one character/);
    expect(decodeModelSafetensors(metaWith(['.', '𝒜', ...VOCAB.slice(2)]), 'v').meta.vocab[1]).toBe('𝒜'); // one code point, two UTF-16 units
  });
});

describe('safetensors reader against damaged files (fast-check)', () => {
  const state = randomState(tinyConfig(true), 5);
  const good = encodeModelSafetensors(state, makeLabMeta(state.config, VOCAB, false));
  const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));

  /** Either a LabError or a successful load; any other exception fails the property. */
  function loadOrLabError(bytes: Uint8Array): 'loaded' | 'rejected' {
    try {
      decodeModelSafetensors(bytes, 'damaged.safetensors');
      return 'loaded';
    } catch (e) {
      if (e instanceof LabError && e.code === 'MODEL_FILE') return 'rejected';
      throw e;
    }
  }

  it(`rejects every truncation of a ${good.length}-byte file with a LabError`, () => {
    for (let len = 0; len < good.length; len++) expect(loadOrLabError(good.subarray(0, len))).toBe('rejected');
  });

  it('any single-byte corruption is rejected with a LabError or loads cleanly; inside float data it always loads', () => {
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const bytes = good.slice();
        bytes[at] = value;
        const outcome = loadOrLabError(bytes);
        if (at >= headerEnd) expect(outcome).toBe('loaded');
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('any single-byte corruption of the header region is caught or harmless (exhaustive over positions)', () => {
    for (let at = 0; at < headerEnd; at++) {
      for (const value of [0x00, 0x20, 0x22, 0x30, 0x39, 0x5b, 0x7d, 0xff]) {
        const bytes = good.slice();
        bytes[at] = value;
        loadOrLabError(bytes);
      }
    }
  });
});
