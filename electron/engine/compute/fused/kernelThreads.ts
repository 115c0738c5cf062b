/**
 * The fused kernel's worker threads: each is a Node `worker_threads` Worker that instantiates the same compiled
 * module on the backend's shared memory, moves its stack pointer to a region of its own (two instances must
 * never share a stack) and enters `mlp_worker`, where it sleeps until the training thread hands out part of a
 * large matrix product (native/kernel/threads.h). Results are bit-identical for any thread count, so workers
 * may join at any time: a product simply uses those that are ready.
 *
 * Workers are unref'd — they never keep a process alive — and a process that exits or is killed takes them with
 * it. They are started only when a step has a product large enough to be split, so small networks (the lecture
 * presets) never start one.
 */
import os from 'node:os';
import type { KernelInstance } from './kernelModule.js';

/**
 * Runs inside each worker (eval'd as CommonJS, so bundling needs no separate file). The module and the shared
 * memory come in workerData; the worker returns only when the backend is disposed (mlp_threads_quit).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, stackTop, pack } = workerData;
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
exports.__stack_pointer.value = stackTop;
exports.mlp_worker(pack);
`;

/** Bytes of stack per worker: the kernel's own is 64 KiB (build.sh), and its deepest call chain uses far less. */
const WORKER_STACK_BYTES = 65536;

/** Where `LAB_KERNEL_THREADS` (set by sweeps for their training processes) or the machine says how many threads. */
export function defaultKernelThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.LAB_KERNEL_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return availableCores();
}

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/**
 * Threads per training process when `parallel` processes train at once (a sweep's --parallel): the cores
 * divided between them, at least 1, so a sweep never runs more kernel threads than the machine has cores.
 */
export function threadsPerProcess(parallel: number, cores: number = availableCores()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, parallel)));
}

/** Whether this thread may block in Atomics.wait (Node's threads may; a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** When the kernel splits a product (default: native/kernel/threads.h's PAR_MIN_MACS and PAR_MIN_ROWS). */
export interface SplitThresholds {
  minMacs: number;
  /** Rows per part, at least 4. */
  minRows: number;
  /** The calling thread runs one part only and leaves the others to the workers (tests: so theirs are checked). */
  callerOnePart?: boolean;
}

/** Workers inside the kernel, products split so far, and why a worker failed (if one did). */
export interface ThreadStats {
  ready: number;
  splitProducts: number;
  /** Parts of those products the workers ran (the calling thread runs the rest). */
  workerParts: number;
  failure?: string;
}

type WorkerLike = { unref(): void; terminate(): Promise<number>; on(event: 'error', listener: (e: unknown) => void): unknown };
type WorkerConstructor = new (source: string, options: { eval: true; workerData: unknown; execArgv: string[] }) => WorkerLike;

/** worker_threads' Worker, or why it cannot be had here (the caller then stays on one thread). */
async function loadWorker(): Promise<WorkerConstructor | string> {
  try {
    const { Worker } = await import('node:worker_threads');
    return Worker as unknown as WorkerConstructor;
  } catch (e) {
    return `worker_threads unavailable (${e instanceof Error ? e.message : String(e)})`;
  }
}

export class KernelThreads {
  private workers: WorkerLike[] = [];
  /** Why a worker failed, if one did. */
  private failure: string | undefined;
  private started = false;
  /** Set when the threads cannot run here; the kernel then does everything on the calling thread. */
  private unavailable: string | null;
  /** Multiply-adds from which the kernel splits a product: below it, starting workers would buy nothing. */
  readonly minMacs: number;

  private constructor(
    private readonly kernel: KernelInstance,
    readonly wanted: number,
    private readonly Worker: WorkerConstructor | null,
    unavailable: string | null,
  ) {
    this.unavailable = unavailable;
    this.minMacs = kernel.exports.mlp_par_min_macs();
    kernel.exports.mlp_set_threads(1, 0);
  }

  static async create(kernel: KernelInstance, wanted: number, split?: SplitThresholds): Promise<KernelThreads> {
    if (!Number.isInteger(wanted) || wanted < 1) throw new RangeError(`fused backend: threads must be a positive integer, got ${wanted}`);
    if (split) kernel.exports.mlp_set_split(split.minMacs, split.minRows, split.callerOnePart ? 1 : 0);
    if (wanted === 1) return new KernelThreads(kernel, 1, null, null);
    const Worker = await loadWorker();
    if (typeof Worker === 'string') return new KernelThreads(kernel, 1, null, Worker);
    return new KernelThreads(kernel, wanted, Worker, null);
  }

  /** "2 threads", or "1 thread (why not more)". */
  describe(): string {
    if (this.unavailable) return `1 thread: ${this.unavailable}`;
    return this.wanted === 1 ? '1 thread' : `${this.wanted} threads`;
  }

  /** Whether a step whose largest product has `macs` multiply-adds would use the workers (so they should run). */
  wants(macs: number): boolean {
    return !this.started && this.wanted > 1 && !this.unavailable && macs >= this.minMacs;
  }

  /**
   * Starts the workers; `allocate(bytes)` reserves a 16-byte-aligned region of the shared memory for each one's
   * stack and packing scratch. Synchronous: the workers join the products as they become ready.
   */
  start(allocate: (bytes: number) => number): void {
    if (this.started || !this.Worker) return;
    this.started = true;
    const { exports, module, memory } = this.kernel;
    const packBytes = exports.mlp_pack_floats() * 4;
    try {
      for (let k = 1; k < this.wanted; k++) {
        const stackBase = allocate(WORKER_STACK_BYTES);
        const pack = allocate(packBytes);
        // execArgv: [] — the process's own flags (--input-type=module, loaders) would change how the source is read.
        const worker = new this.Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module, memory, stackTop: stackBase + WORKER_STACK_BYTES, pack } });
        // A worker that fails to start never enters mlp_worker, so it is never counted in a product: nothing waits
        // on it, and the products are split over those that did start. The first reason is kept for stats().
        worker.on('error', (e) => {
          this.failure ??= e instanceof Error ? e.message : String(e);
        });
        worker.unref();
        this.workers.push(worker);
      }
    } catch (e) {
      this.unavailable = `worker threads failed to start (${e instanceof Error ? e.message : String(e)})`;
    }
    if (this.workers.length > 0) exports.mlp_set_threads(this.workers.length + 1, canBlock() ? 1 : 0);
  }

  /** Workers that have entered the kernel (and so share the large products), and products split so far. */
  stats(): ThreadStats {
    const k = this.kernel.exports;
    const stats: ThreadStats = { ready: k.mlp_threads_ready(), splitProducts: k.mlp_threads_jobs(), workerParts: k.mlp_threads_worker_parts() };
    if (this.failure) stats.failure = this.failure;
    return stats;
  }

  /** Resolves once every started worker is inside the kernel; rejects after `timeoutMs`. */
  async whenReady(timeoutMs = 10_000): Promise<void> {
    const t0 = Date.now();
    while (this.stats().ready < this.workers.length) {
      if (this.failure) throw new Error(`fused backend: a kernel thread failed to start: ${this.failure}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`fused backend: ${this.stats().ready} of ${this.workers.length} kernel threads started within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Lets every worker return and ends it. */
  dispose(): void {
    if (this.workers.length === 0) return;
    this.kernel.exports.mlp_threads_quit();
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
