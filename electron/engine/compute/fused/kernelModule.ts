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
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<{ exports: Record<string, unknown> }>;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
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

/**
 * The kernel's memory, in 64 KiB pages: at least build.sh's --initial-memory (1 MiB; a smaller one fails to
 * link, so every test would catch a mismatch), at most wasm32's 4 GiB, which a shared memory must declare up
 * front (address space is reserved, not committed). Shared, so worker threads can run on it (kernelThreads.ts).
 */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 65536;

/** The functions mlp.c exports (see native/kernel/mlp.c for their contracts), plus the memory it runs on. */
export interface KernelExports {
  memory: WasmMemory;
  __heap_base: { value: number };
  /** This instance's stack pointer (each thread's instance moves its own; see kernelThreads.ts). */
  __stack_pointer: { value: number };
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
  /** Parts per large product (1 = single-threaded); whether the calling thread may block in atomic.wait. */
  mlp_set_threads(threads: number, mainCanWait: number): void;
  /** Workers that have entered mlp_worker (each then takes part in every large product). */
  mlp_threads_ready(): number;
  /** Floats of packing scratch each worker needs. */
  mlp_pack_floats(): number;
  /** Multiply-adds from which a product is split over threads (native/kernel/threads.h, PAR_MIN_MACS). */
  mlp_par_min_macs(): number;
  /** Overrides when a product is split (multiply-adds, rows per part ≥ 4): tests and the threshold measurement. */
  mlp_set_split(minMacs: number, minRows: number, callerOnePart: number): void;
  /** Products split across threads so far. */
  mlp_threads_jobs(): number;
  /** Parts of split products that workers ran so far. */
  mlp_threads_worker_parts(): number;
  /** Makes every mlp_worker return. */
  mlp_threads_quit(): void;
  /** A worker thread's loop (never returns until mlp_threads_quit); `pack` is its scratch. */
  mlp_worker(pack: number): void;
}

/** One instantiated kernel: its exports, the compiled module and the shared memory (both for worker threads). */
export interface KernelInstance {
  exports: KernelExports;
  module: WasmModule;
  memory: WasmMemory;
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

/** Instantiates the kernel on a fresh shared memory of its own. */
export async function instantiateKernel(source: KernelSource = {}): Promise<KernelInstance> {
  const module = await compileKernel(source);
  const memory = new wasm.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = await wasm.instantiate(module, { env: { memory } });
  return { exports: { ...(instance.exports as unknown as KernelExports), memory }, module, memory };
}
