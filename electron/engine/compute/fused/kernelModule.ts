/**
 * Finding, compiling and instantiating the fused kernel (`resources/kernel/mlp.wasm`, built from
 * native/kernel/ by `npm run build:kernel` and committed, so running the lab needs no C toolchain).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The slice of the WebAssembly JS API used here, typed locally: the engine's tsconfig has no DOM lib
 * (which is where TypeScript declares WebAssembly), and Node's types declare only part of it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<{ exports: Record<string, unknown> }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const KERNEL_RELATIVE_PATH = path.join('resources', 'kernel', 'mlp.wasm');

/** Where to load the kernel from; by default it is searched for upwards from this module. */
export interface KernelSource {
  /** Explicit path to mlp.wasm (the packaged app passes its resources path). */
  wasmPath?: string;
  /** The module's bytes, when the caller already has them. */
  wasmBytes?: Uint8Array;
}

/** The functions mlp.c exports (see native/kernel/mlp.c for their contracts). */
export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  /** The descriptor layout table (native/kernel/layout.h; read by kernelLayout.ts): entry count, then per entry. */
  mlp_layout_count(): number;
  /** Byte address of a NUL-terminated name ("Net.eps", "Layer", "act.tanh"); 0 out of range. */
  mlp_layout_name(i: number): number;
  mlp_layout_offset(i: number): number;
  mlp_layout_size(i: number): number;
  /** A character code: 's' struct, 'i' int, 'f' float, 'p' pointer, 'c' constant. */
  mlp_layout_kind(i: number): number;
  /**
   * Mean loss before the update, or −1 for a token/target outside the vocabulary — checked before anything is
   * written, so a refused batch changes nothing (not even BatchNorm's running buffers). `moments` is 0 (plain step)
   * or the byte address of 4 float64 per trainable tensor, filled in canonical order during the update.
   */
  mlp_train_step(net: number, rows: number, lr: number, moments: number): number;
  /** Sum of row losses when `withLoss` is 1 (else 0), or −1 for a bad token (or, with `withLoss`, target). */
  mlp_infer(net: number, rows: number, withLoss: number): number;
}

/**
 * Walks up from `startDir` (default: this module's folder) to the first folder containing
 * resources/kernel/mlp.wasm — the repository root in development, the app root when bundled.
 */
export function findKernelWasm(startDir: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, KERNEL_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`fused kernel not found: no ${KERNEL_RELATIVE_PATH} above ${startDir} (run \`npm run build:kernel\`)`);
    }
    dir = parent;
  }
}

const compiledByPath = new Map<string, Promise<WasmModule>>();

/** Compiles the kernel once per file per process; every backend instantiates its own memory from it. */
function compileKernel(source: KernelSource): Promise<WasmModule> {
  if (source.wasmBytes) return wasm.compile(source.wasmBytes);
  const file = path.resolve(source.wasmPath ?? findKernelWasm());
  const cached = compiledByPath.get(file);
  if (cached) return cached;
  const compiled = wasm.compile(readFileSync(file));
  compiledByPath.set(file, compiled);
  compiled.catch(() => compiledByPath.delete(file));
  return compiled;
}

export async function instantiateKernel(source: KernelSource = {}): Promise<KernelExports> {
  const module = await compileKernel(source);
  const instance = await wasm.instantiate(module, {});
  return instance.exports as unknown as KernelExports;
}
