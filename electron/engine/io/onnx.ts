/**
 * ONNX export (IR 7, opset 13), written by hand with the small protobuf writer — no dependency.
 *
 * Graph (initialisers keep the lab's tensor names, so the file reads like the lecture):
 *   tokens int64 [N, block] → Gather(C, axis 0) [N, block, emb] → Flatten(axis 1) [N, block·emb]
 *   → per Linear i: MatMul(W{i} [in,out]) → Add(b{i}) → BatchNormalization(gamma{i}, beta{i}, mean{i}, var{i}, ε)
 *   → Tanh/Relu → … → logits float [N, vocab].
 * Input dtype: int64, the convention of PyTorch exports and of `np.int64` token arrays; Gather takes it directly,
 * so no Cast node. BatchNormalization appears only for blocks that still have BN: a folded model has none.
 * The lab metadata (vocab, config, folded) travels in `metadata_props` under keys `makemore-lab.*`, which is
 * what lets `decodeOnnxModel` rebuild the ModelState from the initialisers.
 */
import { LabError } from '../errors.js';
import { quoteShort } from '../util/displayText.js';
import { linearLayouts, paramSpecs, type ModelState } from '../model/params.js';
import { assembleState, labMetaFromStrings, labMetaToStrings, type LabModelMeta, type RawTensor } from './labMeta.js';
import { FLOAT, INT64, floatTensorProto, nodeProto, valueInfoProto, type Attribute } from './onnxProto.js';
import { decodeUtf8, ProtoError, ProtoWriter, readFields, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT, type ProtoField } from './protobuf.js';

export const ONNX_FILE = 'model.onnx';
export const ONNX_OPSET = 13;
const IR_VERSION = 7; // the IR version that introduced opset 13
const METADATA_PREFIX = 'makemore-lab.';

/** The graph's nodes, inputs and outputs (everything but the initialisers) for a configuration. */
function graphStructure(meta: LabModelMeta): { nodes: Uint8Array[]; inputs: Uint8Array[]; outputs: Uint8Array[] } {
  const { config } = meta;
  const vocabSize = meta.vocab.length;
  const nodes: ProtoWriter[] = [
    nodeProto('Gather', 'embedding', ['C', 'tokens'], ['emb'], [{ name: 'axis', int: 0 }]),
    nodeProto('Flatten', 'flatten', ['emb'], ['x0'], [{ name: 'axis', int: 1 }]),
  ];
  const layouts = linearLayouts(config, vocabSize);
  let x = 'x0';
  for (const l of layouts) {
    const i = l.index;
    const step = (op: string, name: string, inputs: string[], attributes: Attribute[] = []) => {
      const out = `${name}_out`;
      nodes.push(nodeProto(op, name, [x, ...inputs], [out], attributes));
      x = out;
    };
    step('MatMul', `linear${i}`, [`W${i}`]);
    if (l.block.bias) step('Add', `bias${i}`, [`b${i}`]);
    if (l.block.batchNorm) step('BatchNormalization', `batchnorm${i}`, [`gamma${i}`, `beta${i}`, `mean${i}`, `var${i}`], [{ name: 'epsilon', float: config.batchNorm.eps }]);
    if (l.activation === 'tanh') step('Tanh', `tanh${i}`, []);
    else if (l.activation === 'relu') step('Relu', `relu${i}`, []);
  }
  nodes.push(nodeProto('Identity', 'output', [x], ['logits']));
  return {
    nodes: nodes.map((n) => n.finish()),
    inputs: [valueInfoProto('tokens', INT64, ['N', config.blockSize]).finish()],
    outputs: [valueInfoProto('logits', FLOAT, ['N', vocabSize]).finish()],
  };
}

/** Serialises a model as ONNX bytes. */
export function encodeOnnxModel(state: ModelState, meta: LabModelMeta): Uint8Array {
  const structure = graphStructure(meta);
  const graph = new ProtoWriter();
  for (const n of structure.nodes) graph.bytes(1, n);
  graph.string(2, 'makemore_mlp');
  for (const spec of paramSpecs(state.config, state.vocabSize)) graph.message(5, floatTensorProto(spec.name, spec.shape, state.tensors[spec.name]));
  for (const i of structure.inputs) graph.bytes(11, i);
  for (const o of structure.outputs) graph.bytes(12, o);

  const model = new ProtoWriter()
    .varint(1, IR_VERSION)
    .string(2, 'makemore-lab')
    .string(3, String(meta.version))
    .string(6, 'Character-level MLP from the makemore lectures, exported by Makemore Lab.')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, ONNX_OPSET));
  for (const [key, value] of labMetaToStrings(meta)) {
    model.message(14, new ProtoWriter().string(1, METADATA_PREFIX + key).string(2, value));
  }
  return model.finish();
}

function fail(where: string, message: string): never {
  throw new LabError('MODEL_FILE', `${where}: ${message}`, { file: where });
}

const lenFields = (fields: ProtoField[], n: number): Uint8Array[] =>
  fields.filter((f) => f.field === n && f.wire === WIRE_LEN).map((f) => f.value as Uint8Array);

function readTensor(bytes: Uint8Array): { name: string; tensor: RawTensor } {
  const fields = readFields(bytes);
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of fields) {
    if (f.field === 1 && f.wire === WIRE_VARINT) dims.push(Number(BigInt.asIntN(64, f.value)));
    else if (f.field === 1 && f.wire === WIRE_LEN) for (const d of readPackedVarints(f.value)) dims.push(d);
    else if (f.field === 2 && f.wire === WIRE_VARINT) dataType = Number(f.value);
    else if (f.field === 8 && f.wire === WIRE_LEN) name = decodeUtf8(f.value);
    else if (f.field === 9 && f.wire === WIRE_LEN) raw = f.value;
    else if (f.field === 4 && f.wire === WIRE_LEN) {
      if (f.value.length % 4) throw new ProtoError('packed float_data length is not a multiple of 4');
      const v = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
      for (let k = 0; k < f.value.length; k += 4) floats.push(v.getFloat32(k, true));
    } else if (f.field === 4 && f.wire === WIRE_FIXED32) floats.push(new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true));
    else if (f.field === 14) throw new ProtoError(`initializer ${quoteShort(name)} uses external data, which is not supported`);
  }
  if (dataType !== FLOAT) throw new ProtoError(`initializer ${quoteShort(name)} has data type ${dataType}; only FLOAT (1) is supported`);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new ProtoError(`initializer ${quoteShort(name)} has invalid dims`);
  let count = 1;
  for (const d of dims) count *= d;
  const available = raw ? raw.length / 4 : floats.length;
  if (count !== available) throw new ProtoError(`initializer ${quoteShort(name)} of shape ${quoteShort(dims)} holds ${available} values, needs ${count}`);
  const data = new Float32Array(count);
  if (raw) {
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let k = 0; k < count; k++) data[k] = v.getFloat32(4 * k, true);
  } else data.set(floats);
  return { name, tensor: { shape: dims, data } };
}

function readPackedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0n;
  let shift = 0n;
  for (const b of bytes) {
    value |= BigInt(b & 0x7f) << shift;
    if (b & 0x80) {
      shift += 7n;
      if (shift > 63n) throw new ProtoError('packed varint too long');
    } else {
      out.push(Number(BigInt.asIntN(64, value)));
      value = 0n;
      shift = 0n;
    }
  }
  if (shift !== 0n) throw new ProtoError('truncated packed varint');
  return out;
}

function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, k) => x.length === b[k].length && x.every((v, j) => v === b[k][j]));
}

/**
 * Rebuilds a ModelState from an ONNX file the lab exported: configuration from `metadata_props`, tensors from
 * the initialisers, and a check that the graph is exactly the one that configuration exports — an edited
 * graph would compute something the lab cannot reproduce, so it is refused rather than silently misread.
 */
export function decodeOnnxModel(bytes: Uint8Array, where = 'ONNX file'): { state: ModelState; meta: LabModelMeta } {
  try {
    const model = readFields(bytes);
    // Keys are the file's: a Map, so 'makemore-lab.__proto__' is just a key (and is ignored).
    const metadata = new Map<string, string>();
    for (const entry of lenFields(model, 14)) {
      const kv = readFields(entry);
      const key = decodeUtf8(lenFields(kv, 1)[0] ?? new Uint8Array());
      const value = decodeUtf8(lenFields(kv, 2)[0] ?? new Uint8Array());
      if (!key.startsWith(METADATA_PREFIX)) continue;
      const name = key.slice(METADATA_PREFIX.length);
      if (metadata.has(name)) fail(where, `metadata key ${quoteShort(key)} appears twice`);
      metadata.set(name, value);
    }
    const graphs = lenFields(model, 7);
    if (graphs.length !== 1) fail(where, `expected one graph, found ${graphs.length} (not an ONNX model?)`);
    const meta = labMetaFromStrings(metadata, where);
    const graph = readFields(graphs[0]);
    const tensors = new Map<string, RawTensor>();
    for (const init of lenFields(graph, 5)) {
      const { name, tensor } = readTensor(init);
      if (tensors.has(name)) fail(where, `initializer ${quoteShort(name)} appears twice`);
      tensors.set(name, tensor);
    }
    const state = assembleState(meta, tensors, where);
    const expected = graphStructure(meta);
    if (!sameBytes(lenFields(graph, 1), expected.nodes) || !sameBytes(lenFields(graph, 11), expected.inputs) || !sameBytes(lenFields(graph, 12), expected.outputs)) {
      fail(where, 'graph differs from the one the lab exports for its configuration (edited after export?)');
    }
    return { state, meta };
  } catch (e) {
    if (e instanceof ProtoError) fail(where, `malformed ONNX protobuf (${e.message})`);
    throw e;
  }
}
