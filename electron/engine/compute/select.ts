/**
 * Choosing and creating the compute backend, and saying why.
 *
 * Ranking for `auto` (fastest first): tensorflow-gpu (@tensorflow/tfjs-node-gpu) → tensorflow
 * (@tensorflow/tfjs-node) → onnxruntime (one onnxruntime-node graph per step) → fused (WebAssembly SIMD kernel)
 * → wasm (@tensorflow/tfjs-backend-wasm) → cpu.
 * But `auto` orders them by predicted step time for the model's size (per-step overhead + FLOPs at a measured
 * rate, `MEASURED_RATES`): a libtensorflow step costs ~150 kernel launches of tens of µs each whatever the size,
 * which the fused kernel beats until the arithmetic dominates (see `planBackends`). Every backend ranked above the one that runs appears in the report with the reason it was
 * skipped. Native packages are optional and loaded inside try/catch: missing ones never crash the engine.
 */
import type { ModelConfig } from '../model/config.js';
import { linearLayouts, type ModelState } from '../model/params.js';
import { LabError } from '../errors.js';
import type { BackendChoice, BackendId, BackendReport, ComputeBackend } from './types.js';
import { createTfjsBackend } from './tfjs/tfjsBackend.js';
import { defaultKernelThreads } from './fused/kernelThreads.js';
import { onnxruntimeUnavailable } from './onnxruntime/ortSession.js';
import { BackendUnavailableError, NATIVE_PACKAGES, firstLine, isInstalled, loadTf, type TfBackendId } from './tfLoaders.js';

/** General ranking, fastest first on large models; ties in predicted step time keep this order. */
export const BACKEND_RANKING: readonly BackendId[] = ['tensorflow-gpu', 'tensorflow', 'onnxruntime', 'fused', 'wasm', 'cpu'];

/**
 * What a training step costs on one backend: a fixed part that does not grow with the model (kernel launches,
 * dispatch, per-step bookkeeping) plus the arithmetic at a sustained rate. `source` says where the figures come
 * from, and is printed with them.
 */
export interface BackendRate {
  overheadMs: number;
  gflops: number;
  source: string;
}
export type RateTable = Record<BackendId, BackendRate>;

/**
 * The rates `auto` ranks by (docs/performance.md has the measurements). fused: fitted to steps per CPU-second of
 * bn3-shaped nets on the 2-core EPYC (scripts/compare-sizes.sh, 2026-11-30: 8,100/s at 3 MFLOP, 5.1/s at 6.8 GFLOP).
 * onnxruntime (one thread): fitted the same way to its steps per CPU-second in the same run of compare-sizes.sh
 * (2026-11-30, load average 6–7: 3,363/s at 3.0 MFLOP, 14.3/s at 6.8 GFLOP; it predicts 206/s at 447 MFLOP,
 * measured 195). The fused line and this one cross at ≈12 MFLOP per step; bench-sizes.ts measured the two level
 * there (bn3 shape, H 100 / B 128: 2,128 vs 2,263 steps per CPU-second), fused ahead at 6 MFLOP (3,528 vs 3,124)
 * and onnxruntime ahead at 18 MFLOP (1,366 vs 1,994).
 * wasm and cpu: a rate from single tf.js matMuls (PERF-NOTES: ≈12 GFLOP/s plain, ≈8× slower transposed, on wasm;
 * ≈0.6 on cpu) and the overhead that makes bn3-fold's measured 781 and 121 steps/s (compare-pytorch.sh).
 * The libtensorflow backends could not be installed in this workplace, so theirs are ESTIMATES: ≈150 kernel
 * launches per step at 20–25 µs, and a conservative sustained rate (OpenBLAS-class CPU on 2 cores; a mid-range
 * GPU). Replace an estimate by a measurement by passing `rates` to createBackend.
 */
export const MEASURED_RATES: RateTable = {
  'tensorflow-gpu': { overheadMs: 3.75, gflops: 5000, source: 'estimated' },
  tensorflow: { overheadMs: 3, gflops: 50, source: 'estimated' },
  onnxruntime: { overheadMs: 0.27, gflops: 98, source: 'measured' },
  fused: { overheadMs: 0.036, gflops: 34, source: 'measured' },
  wasm: { overheadMs: 1.0, gflops: 10, source: 'fitted to one measurement' },
  cpu: { overheadMs: 3.3, gflops: 0.6, source: 'fitted to one measurement' },
};

/**
 * Wall-clock speed-up of the fused kernel on 2 threads over 1 for steps whose products are split: measured 1.0–1.47×
 * (bn3-shaped nets of width 256–1024, scripts/compare-sizes.sh and bench-sizes.ts, 2026-11-30) on the 2-core
 * machine while three other sessions kept it at load average 7–12, so its second core was rarely free; this is the
 * middle of that range, not what an idle machine would give. More threads are assumed to add the same fraction
 * of a core each — an assumption, since only 2 cores could be measured.
 */
export const FUSED_TWO_THREAD_SPEEDUP = 1.25;
/**
 * Training steps below this many FLOPs have no product large enough for the kernel to split (native/kernel/
 * threads.h, PAR_MIN_MACS = 2^22 multiply-adds: a bn3-shaped net reaches it at width 256, batch 64 ≈ 31 MFLOP), so
 * they run at the one-thread rate whatever the thread count.
 */
export const FUSED_SPLIT_FROM_FLOPS = 30e6;

/**
 * The onnxruntime backend's rate on `threads` intra-op threads: its one-thread rate whatever the count. On the
 * shared 2-core machine its second thread gave 0.71–2.02× wall-clock over one (bn3 shape, H 256–1024, three runs
 * at load average 4–7, 2026-11-30; slower than one thread in one whole run): no speed-up could be relied on, so
 * none is assumed.
 */
export function onnxruntimeRate(threads: number, oneThread: BackendRate = MEASURED_RATES.onnxruntime): BackendRate {
  return threads <= 1 ? oneThread : { ...oneThread, source: `${oneThread.source} on 1 thread, assumed the same on ${threads}` };
}

/**
 * onnxruntime runs one intra-op thread for steps below this many FLOPs, whatever the thread budget: there its pool
 * costs more than it gives. Measured on the 2-core machine (bn3 shape, bench-sizes.ts/compare-sizes.sh, load
 * 0.05–3.6, 2026-11-30), steps/s on 1 vs 2 threads: 61 MFLOP 1,018 vs 722; 447 MFLOP 241 vs 197 (218 vs 180 in
 * another run); 895 MFLOP 139 vs 148 (and 107 in a second round); 973 MFLOP 93 vs 119; 1.7 GFLOP 76 vs 112 (68 vs
 * 86); 3.4 GFLOP 39 vs 51; 6.8 GFLOP 18.6 vs 27.4. The crossover lies between 0.45 and 0.97 GFLOP.
 */
export const ONNXRUNTIME_THREADS_FROM_FLOPS = 0.9e9;

/** onnxruntime's intra-op threads for a step of `flopsPerStep` when `threads` are available to the process. */
export function onnxruntimeThreads(threads: number, flopsPerStep: number): number {
  return flopsPerStep < ONNXRUNTIME_THREADS_FROM_FLOPS ? 1 : threads;
}

/** The fused kernel's rate on `threads` threads for a step of `flopsPerStep` (its `source` says which). */
export function fusedRate(threads: number, flopsPerStep: number, oneThread: BackendRate = MEASURED_RATES.fused): BackendRate {
  if (threads <= 1 || flopsPerStep < FUSED_SPLIT_FROM_FLOPS) return oneThread;
  const speedup = 1 + (threads - 1) * (FUSED_TWO_THREAD_SPEEDUP - 1);
  return { overheadMs: oneThread.overheadMs, gflops: oneThread.gflops * speedup, source: `${oneThread.source} on 1 thread, ×${speedup.toFixed(2)} on ${threads}` };
}

/** Predicted milliseconds per training step of `flopsPerStep` at `rate`. */
export function predictStepMs(rate: BackendRate, flopsPerStep: number): number {
  return rate.overheadMs + flopsPerStep / (rate.gflops * 1e6);
}

/**
 * Training FLOPs per step of the MLP family: each Linear costs 2·B·in·out forward and twice that backward
 * (dW and dh), so 6·B·Σ in·out; elementwise work (BatchNorm, tanh, softmax) is O(B·width) and ignored.
 */
export function trainingFlopsPerStep(config: ModelConfig, vocabSize: number, batchSize: number): number {
  const macs = linearLayouts(config, vocabSize).reduce((sum, l) => sum + l.inFeatures * l.outFeatures, 0);
  return 6 * batchSize * macs;
}

/** The order in which to try backends, plus the ones demoted (with the reason) — a pure decision. */
export interface BackendPlan {
  order: BackendId[];
  /** Backends ranked better in general but placed after the first choice for this size, and why. */
  demoted: { id: BackendId; reason: string }[];
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(2));

/** "predicted 4.1 ms/step (estimated: 3.75 ms + 3.0 MFLOP at 5000 GFLOP/s)" */
function describePrediction(id: BackendId, flopsPerStep: number, rates: RateTable): string {
  const r = rates[id];
  return `${fmt(predictStepMs(r, flopsPerStep))} ms/step (${r.source}: ${fmt(r.overheadMs)} ms + ${fmt(flopsPerStep / 1e6)} MFLOP at ${fmt(r.gflops)} GFLOP/s)`;
}

/** Why `loser` (ranked above `winner` in general) was passed over for this size, with both predictions. */
export function slowerReason(loser: BackendId, winner: BackendId, flopsPerStep: number, rates: RateTable = MEASURED_RATES): string {
  return `slower than ${winner} for this size: predicted ${describePrediction(loser, flopsPerStep, rates)} vs ${describePrediction(winner, flopsPerStep, rates)}`;
}

/**
 * Which backends to try, in order, for a choice and a model size (training FLOPs per step). `auto` orders every
 * backend by its predicted step time from `rates` (ties keep BACKEND_RANKING's order), so the fused kernel leads
 * while per-step overhead dominates and a faster-computing backend takes over once the arithmetic does.
 */
export function planBackends(choice: BackendChoice, flopsPerStep: number, rates: RateTable = MEASURED_RATES): BackendPlan {
  switch (choice) {
    case 'tensorflow':
      return { order: ['tensorflow-gpu', 'tensorflow'], demoted: [] };
    case 'onnxruntime':
    case 'fused':
    case 'wasm':
    case 'cpu':
      return { order: [choice], demoted: [] };
    case 'auto': {
      const ms = (id: BackendId) => predictStepMs(rates[id], flopsPerStep);
      const order = [...BACKEND_RANKING].sort((a, b) => ms(a) - ms(b) || BACKEND_RANKING.indexOf(a) - BACKEND_RANKING.indexOf(b));
      return { order, demoted: outrankedBy(order, 0).map((id) => ({ id, reason: slowerReason(id, order[0], flopsPerStep, rates) })) };
    }
  }
}

/** Backends placed after order[k] that rank above it in general. */
function outrankedBy(order: BackendId[], k: number): BackendId[] {
  const rank = (id: BackendId) => BACKEND_RANKING.indexOf(id);
  return order.slice(k + 1).filter((id) => rank(id) < rank(order[k]));
}

/** How one backend is brought up; injectable so the selection logic is testable without native packages. */
export type BackendLoader = (state: ModelState, report: BackendReport) => Promise<ComputeBackend>;

export interface CreateBackendOptions {
  /** Minibatch size the model will train with (the size decision); default 32. */
  batchSize?: number;
  /**
   * Per-backend step costs `auto` ranks by (default MEASURED_RATES, the fused and onnxruntime ones for the
   * threads they will run); tests and fresh measurements inject their own.
   */
  rates?: RateTable;
  /** Replace the loader of some backends (tests). */
  loaders?: Partial<Record<BackendId, BackendLoader>>;
  /**
   * Threads for the fused kernel's large products and onnxruntime's intra-op pool (default: LAB_KERNEL_THREADS,
   * else the machine's cores); onnxruntime uses more than one only for steps of 0.9 GFLOP or more
   * (`onnxruntimeThreads`).
   */
  kernelThreads?: number;
}

/**
 * Creates the compute backend for `choice`, trying backends in `planBackends` order. Its `report` says which
 * runs and, for every better-ranked backend skipped, why.
 * @throws LabError('BACKEND') when a forced backend (anything but `auto`) cannot be loaded
 */
export async function createBackend(
  state: ModelState,
  choice: BackendChoice,
  opts: CreateBackendOptions = {},
): Promise<ComputeBackend> {
  const flops = trainingFlopsPerStep(state.config, state.vocabSize, opts.batchSize ?? 32);
  // The measured rates for the threads each will run (injected rates are taken as they are).
  const threads = opts.kernelThreads ?? defaultKernelThreads();
  const ortThreads = onnxruntimeThreads(threads, flops);
  const rates = opts.rates ?? { ...MEASURED_RATES, fused: fusedRate(threads, flops), onnxruntime: onnxruntimeRate(ortThreads) };
  const plan = planBackends(choice, flops, rates);
  const failed: { id: BackendId; reason: string }[] = [];
  for (const [k, id] of plan.order.entries()) {
    const report: BackendReport = { id, description: '', skipped: [...failed] };
    // Under auto, backends placed after this one but ranked above it in general lost on predicted speed: say so.
    if (choice === 'auto') {
      for (const lost of outrankedBy(plan.order, k)) {
        report.skipped.push({ id: lost, reason: withInstallNote(lost, slowerReason(lost, id, flops, rates)) });
      }
    }
    try {
      const loader =
        opts.loaders?.[id] ?? (id === 'fused' ? fusedLoader(opts.kernelThreads) : id === 'onnxruntime' ? onnxruntimeLoader(ortThreads) : DEFAULT_LOADERS[id]);
      return await loader(state, report);
    } catch (e) {
      failed.push({ id, reason: e instanceof BackendUnavailableError ? e.message : `failed to start: ${firstLine(e)}` });
    }
  }
  const reasons = failed.map((f) => `${f.id}: ${f.reason}`).join('; ');
  if (choice === 'tensorflow') {
    throw new LabError(
      'BACKEND',
      `backend 'tensorflow' is not available (${reasons}). Install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA), or use --backend auto.`,
    );
  }
  throw new LabError('BACKEND', `backend '${choice}' is not available (${reasons}).`);
}

/** Adds "not installed" to a demotion reason when the native package is missing anyway (cheap check). */
function withInstallNote(id: BackendId, reason: string): string {
  const pkg = id === 'tensorflow-gpu' || id === 'tensorflow' ? NATIVE_PACKAGES[id] : null;
  return pkg && !isInstalled(pkg) ? `${reason}; also ${pkg} is not installed` : reason;
}

/** A tf.js backend: load (once), activate, and build the explicit forward/backward backend on it. */
function tfjsLoader(id: TfBackendId): BackendLoader {
  return async (state, report) => {
    const loaded = await loadTf(id);
    await loaded.tf.setBackend(loaded.tfBackend);
    return createTfjsBackend(loaded.tf, state, { ...report, description: loaded.description });
  };
}

/**
 * A backend in a module of its own, imported only when it is chosen (so its dependencies load only then) and then
 * started; either failure becomes one line saying which step failed.
 */
function lazyLoader<M>(
  load: () => Promise<M>,
  moduleName: string,
  start: (module: M, state: ModelState) => ComputeBackend | Promise<ComputeBackend>,
  engineName: string,
): BackendLoader {
  return async (state, report) => {
    let module: M;
    try {
      module = await load();
    } catch (e) {
      throw new BackendUnavailableError(`${moduleName} failed to load: ${firstLine(e)}`);
    }
    let backend: ComputeBackend;
    try {
      backend = await start(module, state);
    } catch (e) {
      throw new BackendUnavailableError(`${engineName} failed to start: ${firstLine(e)}`);
    }
    return withReport(backend, { ...report, description: backend.report.description });
  };
}

const fusedLoader = (threads: number | undefined): BackendLoader =>
  lazyLoader(
    () => import('./fused/fusedBackend.js'),
    'the fused kernel module',
    (m, state) => m.createFusedBackend(state, threads === undefined ? {} : { threads }),
    'the fused WebAssembly kernel',
  );

/** The onnxruntime step graph; one line when onnxruntime-node cannot run here (no binary for this platform). */
const onnxruntimeLoader = (threads: number): BackendLoader => {
  const load = lazyLoader(
    () => import('./onnxruntime/onnxruntimeBackend.js'),
    'the onnxruntime backend module',
    (m, state) => m.createOnnxruntimeBackend(state, { threads }),
    'onnxruntime-node',
  );
  return async (state, report) => {
    const missing = onnxruntimeUnavailable();
    if (missing) throw new BackendUnavailableError(missing);
    return load(state, report);
  };
};

const DEFAULT_LOADERS: Record<BackendId, BackendLoader> = {
  'tensorflow-gpu': tfjsLoader('tensorflow-gpu'),
  tensorflow: tfjsLoader('tensorflow'),
  onnxruntime: onnxruntimeLoader(defaultKernelThreads()),
  fused: fusedLoader(undefined),
  wasm: tfjsLoader('wasm'),
  cpu: tfjsLoader('cpu'),
};

/** The same backend with the selection's report (fused and onnxruntime build their own, without skip reasons). */
function withReport(inner: ComputeBackend, report: BackendReport): ComputeBackend {
  return {
    report,
    trainStep: (x, y, lr, capture) => inner.trainStep(x, y, lr, capture),
    gradients: () => inner.gradients(),
    // Optional: only where the inner backend has it, so callers still see whether the fast path exists.
    ...(inner.updateMoments ? { updateMoments: () => inner.updateMoments!() } : {}),
    trace: () => inner.trace(),
    tensor: (name) => inner.tensor(name),
    logits: (x, n) => inner.logits(x, n),
    loss: (x, y, n) => inner.loss(x, y, n),
    state: () => inner.state(),
    dispose: () => inner.dispose(),
  };
}
