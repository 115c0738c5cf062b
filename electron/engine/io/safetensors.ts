/**
 * safetensors (https://github.com/huggingface/safetensors): `u64 LE header length N`, `N bytes of JSON header`,
 * then the raw little-endian tensor bytes. Each header entry is `{dtype, shape, data_offsets: [begin, end]}`
 * relative to the start of the data; `__metadata__` is a string→string map.
 *
 * The writer emits F32 only, offsets contiguous in canonical order (no holes), the header padded with spaces
 * so the data starts 8-byte aligned. The reader is strict, like the reference implementation: every way a file
 * can be malformed is a LabError('MODEL_FILE') naming the problem, and nothing is read out of bounds.
 */
import { LabError } from '../errors.js';
import { quoteShort } from '../util/displayText.js';
import { isPlainObject } from '../util/isPlainObject.js';
import { assembleState, labMetaFromStrings, labMetaToStrings, type LabModelMeta, type RawTensor } from './labMeta.js';
import { paramSpecs, type ModelState } from '../model/params.js';

/** The reference implementation's limit; a larger header is treated as hostile. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Every dtype the format defines, with its byte width; only F32 is loadable by the lab. A Map, because the
 * dtype string comes from the file (`'constructor' in {}` is true).
 */
const DTYPE_BYTES = new Map<string, number>(
  Object.entries({ BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 }),
);

export interface SafetensorsEntry {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  tensors: Map<string, RawTensor>;
  metadata: Map<string, string>;
}

/** Serialises F32 tensors (in the given order) and string metadata. */
export function encodeSafetensors(entries: readonly SafetensorsEntry[], metadata: ReadonlyMap<string, string>): Uint8Array {
  // No prototype: a tensor named '__proto__' becomes a key like any other instead of replacing the prototype.
  const header: Record<string, unknown> = Object.create(null);
  header.__metadata__ = Object.fromEntries(metadata);
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__') throw new Error("encodeSafetensors: '__metadata__' is reserved");
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count !== e.data.length) throw new Error(`encodeSafetensors: '${e.name}' has ${e.data.length} values for shape [${e.shape}]`);
    header[e.name] = { dtype: 'F32', shape: e.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    for (let k = 0; k < e.data.length; k++, at += 4) view.setFloat32(at, e.data[k], true);
  }
  return out;
}

function fail(where: string, message: string): never {
  throw new LabError('MODEL_FILE', `${where}: ${message}`, { file: where });
}

/** The first bytes of a header that does not start with '{', for the error message. */
function describeStart(header: Uint8Array): string {
  if (header[0] === 0xef && header[1] === 0xbb && header[2] === 0xbf) return 'a UTF-8 byte order mark';
  return header.length === 0 ? 'nothing: the header is empty' : `byte 0x${header[0].toString(16).padStart(2, '0')}`;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates a whole safetensors file held in memory. */
export function decodeSafetensors(bytes: Uint8Array, where = 'safetensors file'): SafetensorsContent {
  if (bytes.length < 8) fail(where, `truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(where, `header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) fail(where, `truncated: header needs ${headerLength} bytes, only ${bytes.length - 8} present`);

  let text: string;
  try {
    // ignoreBOM keeps a leading U+FEFF in the text (the default would silently drop it), so a BOM before the
    // JSON is refused below like any other byte that is not '{' — as the reference implementation does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail(where, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(where, `header does not start with '{' (starts with ${describeStart(bytes.subarray(8, 8 + headerLength))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(where, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) fail(where, 'header is not a JSON object');

  // Keys are the file's: read them with Object.hasOwn / Object.entries and keep them in Maps, never `in`.
  const metadata = new Map<string, string>();
  if (Object.hasOwn(header, '__metadata__')) {
    const m = header.__metadata__;
    if (!isPlainObject(m)) fail(where, '__metadata__ is not an object');
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string') fail(where, `__metadata__ value ${quoteShort(k)} is not a string`);
      metadata.set(k, v);
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const spans: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isPlainObject(entry)) fail(where, `entry ${quoteShort(name)} is not an object`);
    const dtype = Object.hasOwn(entry, 'dtype') ? entry.dtype : undefined;
    const shape = Object.hasOwn(entry, 'shape') ? entry.shape : undefined;
    const offsets = Object.hasOwn(entry, 'data_offsets') ? entry.data_offsets : undefined;
    const width = typeof dtype === 'string' ? DTYPE_BYTES.get(dtype) : undefined;
    if (width === undefined) fail(where, `tensor ${quoteShort(name)} has unknown dtype ${quoteShort(dtype)}`);
    if (dtype !== 'F32') fail(where, `tensor ${quoteShort(name)} has dtype ${dtype}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(where, `tensor ${quoteShort(name)} has an invalid shape ${quoteShort(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(where, `tensor ${quoteShort(name)} has invalid data_offsets ${quoteShort(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(where, `tensor ${quoteShort(name)} has data_offsets [${begin}, ${end}] with begin after end`);
    if (end > dataLength) fail(where, `tensor ${quoteShort(name)} ends at byte ${end}, beyond the ${dataLength} data bytes (truncated?)`);
    // Multiply step by step so a hostile shape cannot overflow past the comparison.
    let bytesNeeded = (shape as number[]).includes(0) ? 0 : width;
    for (const d of shape as number[]) {
      bytesNeeded *= d;
      if (bytesNeeded > dataLength) break;
    }
    if (bytesNeeded !== end - begin) {
      fail(where, `tensor ${quoteShort(name)} of shape ${quoteShort(shape)} needs ${bytesNeeded} bytes but its offsets span ${end - begin}`);
    }
    spans.push({ name, shape: shape as number[], begin, end });
  }

  // Sorted by start, the tensors must tile the data exactly: no overlap, no hole, nothing after the last.
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of sorted) {
    if (s.begin < cursor) fail(where, `tensor ${quoteShort(s.name)} overlaps the previous tensor (starts at ${s.begin}, previous ends at ${cursor})`);
    if (s.begin > cursor) fail(where, `hole in the data: bytes ${cursor}–${s.begin} belong to no tensor`);
    cursor = s.end;
  }
  if (cursor !== dataLength) fail(where, `${dataLength - cursor} trailing data bytes belong to no tensor`);

  const tensors = new Map<string, RawTensor>();
  for (const s of spans) {
    const data = new Float32Array((s.end - s.begin) / 4);
    for (let k = 0, at = dataStart + s.begin; k < data.length; k++, at += 4) data[k] = view.getFloat32(at, true);
    tensors.set(s.name, { shape: s.shape, data });
  }
  return { tensors, metadata };
}

/**
 * A model as safetensors: tensors keep the lab's names and layouts (`W{i}` is [in, out], as the lecture's own
 * `Linear.weight`), in canonical order; `__metadata__` carries the lab metadata (vocab and config as JSON).
 */
export function encodeModelSafetensors(state: ModelState, meta: LabModelMeta): Uint8Array {
  const entries = paramSpecs(state.config, state.vocabSize).map((spec) => ({ name: spec.name, shape: spec.shape, data: state.tensors[spec.name] }));
  return encodeSafetensors(entries, labMetaToStrings(meta));
}

export function decodeModelSafetensors(bytes: Uint8Array, where: string): { state: ModelState; meta: LabModelMeta } {
  const content = decodeSafetensors(bytes, where);
  const meta = labMetaFromStrings(content.metadata, where);
  return { state: assembleState(meta, content.tensors, where), meta };
}
