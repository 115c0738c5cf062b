/**
 * The layout of the kernel's `Net` / `Layer` descriptors, taken from the kernel itself.
 *
 * native/kernel/net.h declares each struct once, as a field list that also generates an exported table
 * (native/kernel/layout.h): every field's byte offset, size and kind, every struct's size and every activation
 * code. The wrapper reads that table at load and takes every offset from it, so there is no hand-kept copy to
 * drift. What the wrapper does declare is WHICH fields it fills and AS WHAT (an int, a float or a pointer):
 * that is the meaning of the descriptor, not its layout. Any disagreement — a field missing or unknown, of
 * another kind or size, outside its struct or overlapping another — is a load error naming the field.
 */
import type { Activation } from '../../model/config.js';
import type { KernelExports } from './kernelModule.js';

/** How the wrapper writes a field: an int32, a float32 or a wasm32 pointer (an int32 byte address). */
type FieldKind = 'int' | 'float' | 'pointer';

/** The `Net` fields the wrapper fills, and as what. */
const NET_FIELDS = {
  nlayers: 'int', block: 'int', emb: 'int', vocab: 'int', capacity: 'int', eps: 'float', momentum: 'float',
  x: 'pointer', y: 'pointer', C: 'pointer', dC: 'pointer', H0: 'pointer', dH0: 'pointer', layers: 'pointer',
} as const satisfies Record<string, FieldKind>;

/** The `Layer` fields the wrapper fills, and as what. */
const LAYER_FIELDS = {
  in: 'int', out: 'int', bias: 'int', bn: 'int', act: 'int',
  W: 'pointer', dW: 'pointer', WT: 'pointer', b: 'pointer', db: 'pointer', gamma: 'pointer', dgamma: 'pointer',
  beta: 'pointer', dbeta: 'pointer', rmean: 'pointer', rvar: 'pointer', Z: 'pointer', XH: 'pointer', H: 'pointer',
  dH: 'pointer', dZ: 'pointer', istd: 'pointer', bmean: 'pointer', bvar: 'pointer', s1: 'pointer', s2: 'pointer',
  s3: 'pointer',
} as const satisfies Record<string, FieldKind>;

const ACTIVATIONS: readonly Activation[] = ['none', 'tanh', 'relu'];

export type NetField = keyof typeof NET_FIELDS;
export type LayerField = keyof typeof LAYER_FIELDS;

/** One struct's size and its fields' positions, in 4-byte words (the wrapper writes Int32/Float32 words). */
export interface StructLayout<F extends string> {
  words: number;
  at: Record<F, number>;
}

export interface KernelLayout {
  net: StructLayout<NetField>;
  layer: StructLayout<LayerField>;
  /** The value of `Layer.act` for each activation. */
  act: Record<Activation, number>;
}

/** One entry of the kernel's table, as layout.h exports it (kind is a character code). */
export interface LayoutEntry {
  name: string;
  offset: number;
  size: number;
  kind: string;
}

/** The kernel and this wrapper disagree on the descriptor: the kernel and the TypeScript are out of step. */
export class KernelLayoutError extends Error {
  override readonly name = 'KernelLayoutError';
  constructor(detail: string) {
    super(`fused kernel: mlp.wasm does not match the wrapper (rebuild it with \`npm run build:kernel\`): ${detail}`);
  }
}

const KIND_CODES: Record<string, FieldKind> = { i: 'int', f: 'float', p: 'pointer' };

/** Reads the whole table out of a loaded kernel (names are NUL-terminated ASCII in its memory). */
export function readLayoutTable(kernel: KernelExports): LayoutEntry[] {
  const count = kernel.mlp_layout_count();
  if (!Number.isInteger(count) || count < 0 || count > 1000) throw new KernelLayoutError(`its layout table claims ${count} entries`);
  const entries: LayoutEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      name: cString(kernel.memory.buffer, kernel.mlp_layout_name(i)),
      offset: kernel.mlp_layout_offset(i),
      size: kernel.mlp_layout_size(i),
      kind: String.fromCharCode(kernel.mlp_layout_kind(i)),
    });
  }
  return entries;
}

function cString(buffer: ArrayBuffer, addr: number): string {
  const bytes = new Uint8Array(buffer);
  if (!(addr > 0 && addr < bytes.length)) throw new KernelLayoutError(`a layout entry's name is at address ${addr}`);
  const end = bytes.indexOf(0, addr);
  if (end < 0 || end - addr > 64) throw new KernelLayoutError(`a layout entry's name at ${addr} is not a short C string`);
  return String.fromCharCode(...bytes.subarray(addr, end));
}

/** Checks the table against the fields the wrapper fills and turns it into word offsets. */
export function checkLayout(entries: readonly LayoutEntry[]): KernelLayout {
  const byName = new Map<string, LayoutEntry>();
  for (const e of entries) {
    if (byName.has(e.name)) throw new KernelLayoutError(`${e.name} appears twice in its layout table`);
    byName.set(e.name, e);
  }
  const net = checkStruct('Net', NET_FIELDS, byName);
  const layer = checkStruct('Layer', LAYER_FIELDS, byName);
  const act = {} as Record<Activation, number>;
  for (const a of ACTIVATIONS) {
    const e = byName.get(`act.${a}`);
    if (!e || e.kind !== 'c') throw new KernelLayoutError(`it has no code for activation act.${a}`);
    act[a] = e.offset;
    byName.delete(`act.${a}`);
  }
  // Whatever is left is something the kernel expects and the wrapper would never write (it would read as 0).
  const unknown = [...byName.keys()];
  if (unknown.length > 0) throw new KernelLayoutError(`it has ${unknown.join(', ')}, which the wrapper does not fill`);
  return { net, layer, act };
}

function checkStruct<F extends string>(struct: string, fields: Record<F, FieldKind>, byName: Map<string, LayoutEntry>): StructLayout<F> {
  const head = byName.get(struct);
  if (!head || head.kind !== 's') throw new KernelLayoutError(`it has no struct ${struct}`);
  if (!(head.size > 0 && head.size % 4 === 0)) throw new KernelLayoutError(`struct ${struct} has size ${head.size} bytes`);
  byName.delete(struct);
  const at = {} as Record<F, number>;
  const owner = new Map<number, string>();
  for (const [field, want] of Object.entries(fields) as [F, FieldKind][]) {
    const name = `${struct}.${field}`;
    const e = byName.get(name);
    if (!e) throw new KernelLayoutError(`it has no field ${name}, which the wrapper fills`);
    const kind = KIND_CODES[e.kind];
    if (kind !== want) throw new KernelLayoutError(`${name} is ${kind ? article(kind) : `of kind '${e.kind}'`} there, the wrapper writes ${article(want)}`);
    if (e.size !== 4) throw new KernelLayoutError(`${name} is ${e.size} bytes there, the wrapper writes 4`);
    if (!(Number.isInteger(e.offset) && e.offset >= 0 && e.offset % 4 === 0 && e.offset + 4 <= head.size)) {
      throw new KernelLayoutError(`${name} is at byte ${e.offset}, not a word inside ${struct}'s ${head.size} bytes`);
    }
    const clash = owner.get(e.offset);
    if (clash) throw new KernelLayoutError(`${name} and ${clash} are both at byte ${e.offset}`);
    owner.set(e.offset, name);
    at[field] = e.offset / 4;
    byName.delete(name);
  }
  return { words: head.size / 4, at };
}

function article(kind: FieldKind): string {
  return kind === 'int' ? 'an int' : `a ${kind}`;
}

/** The checked layout of a loaded kernel. */
export function kernelLayout(kernel: KernelExports): KernelLayout {
  return checkLayout(readLayoutTable(kernel));
}
