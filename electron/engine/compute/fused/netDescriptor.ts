/**
 * Lays a model out in wasm memory and writes the `Net` / `Layer` descriptors of native/kernel/net.h, at the
 * offsets the loaded kernel reports (kernelLayout.ts).
 *
 * Two regions: the model region (parameters in params.ts's row-major layout, their gradients, per-feature
 * vectors), allocated once; and the row region (inputs and [rows, features] activations for `capacity`
 * rows), re-planned when a larger batch or inference chunk arrives.
 */
import type { ModelState } from '../../model/params.js';
import { linearLayouts, paramSpecs, sizeOf, type LinearLayout } from '../../model/params.js';
import type { KernelLayout, LayerField } from './kernelLayout.js';
import type { WasmArena } from './wasmArena.js';

/** Where one tensor lives: byte address and length in floats. */
export interface Slot {
  addr: number;
  length: number;
}

/** Per hidden/output block, the row-region buffers the wrapper reads back (activation and its gradient). */
export interface BlockRows {
  layout: LinearLayout;
  H: number;
  dH: number;
}

export interface NetPlan {
  /** Where each descriptor field lives, as the loaded kernel says. */
  layout: KernelLayout;
  net: number;
  /** Every tensor (params and buffers) by lecture name. */
  tensors: Map<string, Slot>;
  /** Gradient of every trainable tensor by the tensor's name (canonical order: the kernel's update order). */
  grads: Map<string, Slot>;
  /** Byte address of the float64 [trainable × 4] update-moments buffer the kernel fills on request. */
  moments: number;
  /** Filled by `planRows`. */
  rows: { capacity: number; x: number; y: number; blocks: BlockRows[] };
}

/** Allocates the model region, copies the state's tensors in and writes the fixed descriptor fields. */
export function planModel(arena: WasmArena, state: ModelState, layout: KernelLayout): NetPlan {
  const { config, vocabSize } = state;
  const { net: NET, layer: LAYER } = layout;
  const layouts = linearLayouts(config, vocabSize);
  const net = arena.alloc(NET.words);
  const layerBase = arena.alloc(LAYER.words * layouts.length);
  const tensors = new Map<string, Slot>();
  const grads = new Map<string, Slot>();
  for (const spec of paramSpecs(config, vocabSize)) {
    const length = sizeOf(spec.shape);
    const data = state.tensors[spec.name];
    if (!data || data.length !== length) {
      throw new Error(`fused backend: tensor ${spec.name} has ${data?.length ?? 'no'} values, expected ${length}`);
    }
    const addr = arena.alloc(length);
    arena.f32().set(data, addr >> 2);
    tensors.set(spec.name, { addr, length });
    if (spec.trainable) grads.set(spec.name, { addr: arena.alloc(length), length });
  }
  // 16-byte aligned like every allocation, so the float64 view below is aligned too.
  const moments = arena.alloc(grads.size * 4 * 2);
  const updateOrder = layouts.flatMap((l) => [
    `W${l.index}`,
    ...(l.block.bias ? [`b${l.index}`] : []),
    ...(l.block.batchNorm ? [`gamma${l.index}`, `beta${l.index}`] : []),
  ]);
  if (['C', ...updateOrder].join() !== [...grads.keys()].join()) {
    throw new Error('fused backend: the kernel updates tensors in a different order than paramSpecs lists them');
  }
  const i32 = arena.i32();
  const f32 = arena.f32();
  const w = net >> 2;
  i32[w + NET.at.nlayers] = layouts.length;
  i32[w + NET.at.block] = config.blockSize;
  i32[w + NET.at.emb] = config.embeddingSize;
  i32[w + NET.at.vocab] = vocabSize;
  f32[w + NET.at.eps] = config.batchNorm.eps;
  f32[w + NET.at.momentum] = config.batchNorm.momentum;
  i32[w + NET.at.C] = tensors.get('C')!.addr;
  i32[w + NET.at.dC] = grads.get('C')!.addr;
  i32[w + NET.at.layers] = layerBase;
  for (const [k, l] of layouts.entries()) {
    const i = l.index;
    const set = (field: LayerField, value: number) => {
      arena.i32()[(layerBase >> 2) + k * LAYER.words + LAYER.at[field]] = value;
    };
    set('in', l.inFeatures);
    set('out', l.outFeatures);
    set('bias', l.block.bias ? 1 : 0);
    set('bn', l.block.batchNorm ? 1 : 0);
    set('act', layout.act[l.activation]);
    set('W', tensors.get(`W${i}`)!.addr);
    set('dW', grads.get(`W${i}`)!.addr);
    set('WT', arena.alloc(l.inFeatures * l.outFeatures));
    if (l.block.bias) {
      set('b', tensors.get(`b${i}`)!.addr);
      set('db', grads.get(`b${i}`)!.addr);
    }
    if (l.block.batchNorm) {
      set('gamma', tensors.get(`gamma${i}`)!.addr);
      set('dgamma', grads.get(`gamma${i}`)!.addr);
      set('beta', tensors.get(`beta${i}`)!.addr);
      set('dbeta', grads.get(`beta${i}`)!.addr);
      set('rmean', tensors.get(`mean${i}`)!.addr);
      set('rvar', tensors.get(`var${i}`)!.addr);
    }
    for (const field of ['istd', 'bmean', 'bvar', 's1', 's2', 's3'] as const) set(field, arena.alloc(l.outFeatures));
  }
  return { layout, net, tensors, grads, moments, rows: { capacity: 0, x: 0, y: 0, blocks: [] } };
}

/**
 * (Re)allocates the row region for `capacity` rows after `mark` and points the descriptor at it.
 * Without BatchNorm and activation a block's output aliases its Linear output (and likewise the gradients).
 */
export function planRows(arena: WasmArena, plan: NetPlan, state: ModelState, capacity: number, mark: number): void {
  const { config, vocabSize } = state;
  const { net: NET, layer: LAYER } = plan.layout;
  arena.reset(mark);
  const width = config.blockSize * config.embeddingSize;
  const x = arena.alloc(capacity * config.blockSize);
  const y = arena.alloc(capacity);
  const H0 = arena.alloc(capacity * width);
  const dH0 = arena.alloc(capacity * width);
  const w = plan.net >> 2;
  const layerBase = arena.i32()[w + NET.at.layers];
  const blocks: BlockRows[] = [];
  for (const [k, l] of linearLayouts(config, vocabSize).entries()) {
    const n = capacity * l.outFeatures;
    const plain = !l.block.batchNorm && l.activation === 'none';
    const Z = arena.alloc(n);
    const XH = l.block.batchNorm ? arena.alloc(n) : 0;
    const H = plain ? Z : arena.alloc(n);
    const dH = arena.alloc(n);
    const dZ = plain ? dH : arena.alloc(n);
    const i32 = arena.i32();
    const base = (layerBase >> 2) + k * LAYER.words;
    i32[base + LAYER.at.Z] = Z;
    i32[base + LAYER.at.XH] = XH;
    i32[base + LAYER.at.H] = H;
    i32[base + LAYER.at.dH] = dH;
    i32[base + LAYER.at.dZ] = dZ;
    blocks.push({ layout: l, H, dH });
  }
  const i32 = arena.i32();
  i32[w + NET.at.capacity] = capacity;
  i32[w + NET.at.x] = x;
  i32[w + NET.at.y] = y;
  i32[w + NET.at.H0] = H0;
  i32[w + NET.at.dH0] = dH0;
  plan.rows = { capacity, x, y, blocks };
}
