/**
 * The fused compute backend: the whole training step (forward, cross-entropy, backward, SGD) of the MLP
 * family as one call into a WebAssembly SIMD kernel (native/kernel/mlp.c), instead of hundreds of
 * TensorFlow.js kernel launches.
 *
 * The kernel keeps every gradient, activation and activation-gradient of the last step in its memory, so
 * capturing for the inspectors costs nothing beyond reading views. Per step the JS side only copies the
 * batch in (two `set`s) and makes one call; nothing is allocated. With capture.gradients the kernel also
 * sums, during its SGD pass, the float64 moments behind every update:data ratio (`updateMoments`), so the
 * inspectors need not read every gradient and weight again in JS.
 */
import { outsideVocabulary } from '../vocabCheck.js';
import { linearLayouts, type ModelState } from '../../model/params.js';
import type { BackendReport, CaptureRequest, ComputeBackend, LayerTrace } from '../types.js';
import { instantiateKernel, type KernelExports, type KernelSource } from './kernelModule.js';
import { kernelLayout } from './kernelLayout.js';
import { KernelThreads, defaultKernelThreads, type SplitThresholds, type ThreadStats } from './kernelThreads.js';
import { planModel, planRows, type NetPlan } from './netDescriptor.js';
import { WasmArena } from './wasmArena.js';

export interface FusedBackendOptions extends KernelSource {
  /**
   * Threads for the large matrix products (default: LAB_KERNEL_THREADS, else the machine's cores). 1 keeps
   * everything on the calling thread; any count gives bit-identical results.
   */
  threads?: number;
  /** When a product is split across the threads (tests split every product; default: the kernel's measured thresholds). */
  split?: SplitThresholds;
  /** Start the threads now and wait until they run (tests, benchmarks), instead of at the first large product. */
  eagerThreads?: boolean;
}

/** The fused backend, plus what its threads did (tests check that products were really split). */
export interface FusedComputeBackend extends ComputeBackend {
  threadStats(): ThreadStats;
}

/** Rows per inference chunk: about 1 MiB per activation buffer, within [64, 4096]. */
function inferenceChunk(state: ModelState): number {
  const { config, vocabSize } = state;
  const widest = Math.max(config.blockSize * config.embeddingSize, vocabSize, ...config.hidden.map((h) => h.size));
  return Math.min(4096, Math.max(64, Math.floor(262144 / widest)));
}

/** Typed-array views over one `ArrayBuffer` of the kernel's memory. */
interface MemoryViews {
  buffer: ArrayBuffer;
  grads: Readonly<Record<string, Float32Array>>;
  tensors: Map<string, Float32Array>;
  moments: Float64Array;
}

/**
 * Why the kernel refused a batch (it answers only −1): looked for only after a refusal, so the every-step path
 * pays nothing for the message.
 */
function refusal(what: string, x: Int32Array, y: Int32Array | null, vocab: number): string {
  return outsideVocabulary(what, x, y, vocab) ?? `${what}: a token or target is outside the vocabulary [0, ${vocab}); nothing was changed`;
}

class FusedBackend implements FusedComputeBackend {
  readonly report: BackendReport;
  private kernel: KernelExports | null;
  private readonly arena: WasmArena;
  private readonly plan: NetPlan;
  /** End of the model region (and of the worker threads' regions, once started): the row region is re-planned from here. */
  private rowMark: number;
  /** in·out of the widest Linear: a step's largest product has rows times this many multiply-adds. */
  private readonly maxLayerMacs: number;
  private readonly usesBatchNorm: boolean;
  private readonly chunk: number;
  private lastRows = 0;
  private lastCapture: CaptureRequest = { gradients: false, trace: false };
  /**
   * Views into wasm memory, made once and reused until the memory grows (which detaches them), so reading
   * gradients and tensors every step allocates nothing (bn3: ≈1.1 → ≈0.6 µs for gradients() + 10 tensor()).
   */
  private views: MemoryViews | null = null;

  /** Configuration and vocabulary size (tensor values live only in wasm memory). */
  private readonly state0: ModelState;

  constructor(
    kernel: KernelExports,
    state: ModelState,
    private readonly threads: KernelThreads,
  ) {
    this.report = { id: 'fused', description: `fused WebAssembly SIMD kernel, ${threads.describe()}`, skipped: [] };
    // Every descriptor offset comes from the kernel; a kernel out of step with this wrapper fails here, by field.
    const layout = kernelLayout(kernel);
    this.kernel = kernel;
    this.arena = new WasmArena(kernel.memory, kernel.__heap_base.value);
    this.plan = planModel(this.arena, state, layout);
    const state0: ModelState = { config: structuredClone(state.config), vocabSize: state.vocabSize, tensors: {} };
    this.state0 = state0;
    this.rowMark = this.arena.mark();
    this.usesBatchNorm = state0.config.hidden.some((h) => h.batchNorm) || state0.config.output.batchNorm;
    this.chunk = inferenceChunk(state0);
    this.maxLayerMacs = Math.max(...linearLayouts(state0.config, state0.vocabSize).map((l) => l.inFeatures * l.outFeatures));
    planRows(this.arena, this.plan, state0, 32, this.rowMark);
  }

  trainStep(x: Int32Array, y: Int32Array, lr: number, capture: CaptureRequest): number {
    const kernel = this.live();
    const rows = y.length;
    const block = this.state0.config.blockSize;
    if (x.length !== rows * block) throw new RangeError(`trainStep: x has ${x.length} values, expected ${rows}×${block}`);
    if (rows < (this.usesBatchNorm ? 2 : 1)) throw new RangeError(`trainStep: batch of ${rows} is too small${this.usesBatchNorm ? ' for BatchNorm (needs 2)' : ''}`);
    this.ensureRows(rows);
    const i32 = this.arena.i32();
    i32.set(x, this.plan.rows.x >> 2);
    i32.set(y, this.plan.rows.y >> 2);
    const loss = kernel.mlp_train_step(this.plan.net, rows, lr, capture.gradients ? this.plan.moments : 0);
    // The kernel checks the whole batch before it writes anything, so a refused step leaves the model as it was.
    if (loss < 0) throw new RangeError(refusal('trainStep', x, y, this.state0.vocabSize));
    this.lastRows = rows;
    this.lastCapture = capture;
    return loss;
  }

  gradients(): Record<string, Float32Array> {
    this.live();
    if (!this.lastCapture.gradients) throw new Error('gradients(): the last trainStep did not ask for capture.gradients');
    return this.liveViews().grads;
  }

  updateMoments(): Float64Array {
    this.live();
    if (!this.lastCapture.gradients) throw new Error('updateMoments(): the last trainStep did not ask for capture.gradients');
    return this.liveViews().moments;
  }

  trace(): LayerTrace[] {
    this.live();
    if (!this.lastCapture.trace) throw new Error('trace(): the last trainStep did not ask for capture.trace');
    const rows = this.lastRows;
    return this.plan.rows.blocks
      .filter((b) => !b.layout.isOutput)
      .map((b) => {
        const n = rows * b.layout.outFeatures;
        const kind = b.layout.activation === 'none' ? 'linear' : b.layout.activation;
        return {
          layer: b.layout.index,
          name: `${kind}${b.layout.index}`,
          activation: this.arena.floats(b.H, n),
          gradient: this.arena.floats(b.dH, n),
        };
      });
  }

  tensor(name: string): Float32Array {
    this.live();
    const view = this.liveViews().tensors.get(name);
    if (!view) throw new Error(`fused backend: no tensor named ${name}`);
    return view;
  }

  logits(x: Int32Array, n: number): Float32Array {
    const vocab = this.state0.vocabSize;
    const out = new Float32Array(n * vocab);
    this.inferChunks(x, null, n, (start, rows, logitsAddr) => {
      out.set(this.arena.f32().subarray(logitsAddr >> 2, (logitsAddr >> 2) + rows * vocab), start * vocab);
    });
    return out;
  }

  loss(x: Int32Array, y: Int32Array, n: number): number {
    if (n <= 0) throw new RangeError('loss: needs at least one example');
    return this.inferChunks(x, y, n, () => {}) / n;
  }

  state(): ModelState {
    this.live();
    const tensors: Record<string, Float32Array> = {};
    for (const [name, slot] of this.plan.tensors) tensors[name] = this.arena.floats(slot.addr, slot.length).slice();
    return { config: structuredClone(this.state0.config), vocabSize: this.state0.vocabSize, tensors };
  }

  dispose(): void {
    // Wasm memory cannot be freed explicitly; dropping the instance (and ending the workers, which hold the
    // memory too) lets the GC reclaim it.
    this.threads.dispose();
    this.kernel = null;
  }

  /** Runs inference over n examples in chunks; returns the summed loss when targets are given. */
  private inferChunks(x: Int32Array, y: Int32Array | null, n: number, onChunk: (start: number, rows: number, logitsAddr: number) => void): number {
    const kernel = this.live();
    const block = this.state0.config.blockSize;
    if (x.length < n * block) throw new RangeError(`x has ${x.length} values, expected at least ${n}×${block}`);
    if (y && y.length < n) throw new RangeError(`y has ${y.length} values, expected at least ${n}`);
    this.ensureRows(Math.min(n, this.chunk));
    const rowsPerCall = this.plan.rows.capacity;
    const logitsAddr = this.plan.rows.blocks[this.plan.rows.blocks.length - 1].H;
    // Inference reuses the row buffers: the last training step's trace is gone (also if a chunk is refused below).
    this.lastCapture = { gradients: this.lastCapture.gradients, trace: false };
    let total = 0;
    for (let start = 0; start < n; start += rowsPerCall) {
      const rows = Math.min(rowsPerCall, n - start);
      const i32 = this.arena.i32();
      i32.set(x.subarray(start * block, (start + rows) * block), this.plan.rows.x >> 2);
      if (y) i32.set(y.subarray(start, start + rows), this.plan.rows.y >> 2);
      const sum = kernel.mlp_infer(this.plan.net, rows, y ? 1 : 0);
      if (sum < 0) {
        // Every earlier chunk passed, so the first bad value up to this chunk's end is in this chunk.
        const upTo = start + rows;
        throw new RangeError(refusal(y ? 'loss' : 'logits', x.subarray(0, upTo * block), y && y.subarray(0, upTo), this.state0.vocabSize));
      }
      total += sum;
      onChunk(start, rows, logitsAddr);
    }
    return total;
  }

  /**
   * Room for `rows` rows, and the worker threads once a product of this size would be split. Their stacks and
   * scratch go right after the model region, so the row region (scratch too: nothing in it outlives a call) is
   * planned again after them.
   */
  private ensureRows(rows: number): void {
    if (this.threads.wants(rows * this.maxLayerMacs)) this.startThreads();
    if (rows > this.plan.rows.capacity) planRows(this.arena, this.plan, this.state0, rows, this.rowMark);
  }

  startThreads(): KernelThreads {
    this.arena.reset(this.rowMark);
    this.threads.start((bytes) => this.arena.alloc(Math.ceil(bytes / 4)));
    this.rowMark = this.arena.mark();
    planRows(this.arena, this.plan, this.state0, this.plan.rows.capacity, this.rowMark);
    return this.threads;
  }

  threadStats(): ThreadStats {
    return this.threads.stats();
  }

  private liveViews(): MemoryViews {
    const buffer = this.arena.currentBuffer();
    if (this.views?.buffer === buffer) return this.views;
    const views = (slots: Map<string, { addr: number; length: number }>) =>
      new Map([...slots].map(([name, slot]) => [name, this.arena.floats(slot.addr, slot.length)] as const));
    this.views = {
      buffer,
      // Frozen: the same record is handed out on every call.
      grads: Object.freeze(Object.fromEntries(views(this.plan.grads))),
      tensors: views(this.plan.tensors),
      moments: this.arena.doubles(this.plan.moments, this.plan.grads.size * 4),
    };
    return this.views;
  }

  private live(): KernelExports {
    if (!this.kernel) throw new Error('fused backend used after dispose()');
    return this.kernel;
  }
}

/**
 * Creates a fused backend training a copy of `state`. The kernel is found next to the repository/app root
 * (resources/kernel/mlp.wasm) unless `options` gives a path or the bytes.
 */
export async function createFusedBackend(state: ModelState, options: FusedBackendOptions = {}): Promise<FusedComputeBackend> {
  const kernel = await instantiateKernel(options);
  const threads = await KernelThreads.create(kernel, options.threads ?? defaultKernelThreads(), options.split);
  const backend = new FusedBackend(kernel.exports, state, threads);
  if (options.eagerThreads) await backend.startThreads().whenReady();
  return backend;
}
