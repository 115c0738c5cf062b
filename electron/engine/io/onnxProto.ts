/**
 * The ONNX protobuf messages the lab writes (NodeProto, TensorProto, ValueInfoProto, ModelProto), shared by the
 * model export (onnx.ts) and the onnxruntime training backend's step graphs (compute/onnxruntime/stepGraph.ts).
 * Field numbers are onnx.proto's.
 */
import { ProtoWriter } from './protobuf.js';

// onnx.proto TensorProto.DataType
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
// onnx.proto AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

export type Attribute = { name: string; int: number } | { name: string; float: number };

export function nodeProto(op: string, name: string, inputs: string[], outputs: string[], attributes: Attribute[] = []): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name).string(4, op);
  for (const a of attributes) {
    const attr = new ProtoWriter().string(1, a.name);
    if ('int' in a) attr.varint(3, a.int).varint(20, ATTR_INT);
    else attr.float(2, a.float).varint(20, ATTR_FLOAT);
    w.message(5, attr);
  }
  return w;
}

export function floatTensorProto(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(1, d);
  w.varint(2, FLOAT).string(8, name);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let k = 0; k < values.length; k++) view.setFloat32(4 * k, values[k], true);
  return w.bytes(9, raw);
}

/** An int32 or int64 constant (shapes, axes, class indices), stored as raw little-endian data. */
export function intTensorProto(name: string, dims: number[], values: readonly number[], elemType: typeof INT32 | typeof INT64): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(1, d);
  w.varint(2, elemType).string(8, name);
  const size = elemType === INT64 ? 8 : 4;
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  values.forEach((v, k) => (elemType === INT64 ? view.setBigInt64(8 * k, BigInt(v), true) : view.setInt32(4 * k, v, true)));
  return w.bytes(9, raw);
}

/** A named tensor type; a string dimension is symbolic (e.g. the batch "N"). */
export function valueInfoProto(name: string, elemType: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'string' ? new ProtoWriter().string(2, d) : new ProtoWriter().varint(1, d));
  const tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** A graph under construction: nodes in topological order, the graph's inputs and outputs, constants. */
export class OnnxGraphWriter {
  private readonly nodes: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly constants: ProtoWriter[] = [];
  private readonly constantNames = new Set<string>();
  private count = 0;

  /** Adds a node; its output is `out` when given, else a fresh name. Returns the output's name. */
  op(op: string, inputs: string[], attributes: Attribute[] = [], out?: string): string {
    const output = out ?? `${op.toLowerCase()}_${this.count}`;
    this.nodes.push(nodeProto(op, `n${this.count++}`, inputs, [output], attributes));
    return output;
  }

  input(name: string, elemType: number, dims: (number | string)[]): string {
    this.inputs.push(valueInfoProto(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: (number | string)[]): void {
    this.outputs.push(valueInfoProto(name, elemType, dims));
  }

  /** A float constant (scalar when dims is []), added once per name. */
  floatConst(name: string, dims: number[], values: readonly number[]): string {
    if (!this.constantNames.has(name)) {
      this.constantNames.add(name);
      this.constants.push(floatTensorProto(name, dims, Float32Array.from(values)));
    }
    return name;
  }

  intConst(name: string, dims: number[], values: readonly number[], elemType: typeof INT32 | typeof INT64): string {
    if (!this.constantNames.has(name)) {
      this.constantNames.add(name);
      this.constants.push(intTensorProto(name, dims, values, elemType));
    }
    return name;
  }

  /** The ModelProto bytes (IR 7, default domain at `opset`). */
  encode(graphName: string, opset: number): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, graphName);
    for (const c of this.constants) graph.message(5, c);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    return new ProtoWriter()
      .varint(1, 7)
      .string(2, 'makemore-lab')
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').varint(2, opset))
      .finish();
  }
}
