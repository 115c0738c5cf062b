/**
 * Choosing and creating the compute backend, and saying why.
 *
 * Ranking for `auto` (fastest first): tensorflow-gpu (@tensorflow/tfjs-node-gpu) → tensorflow
 * (@tensorflow/tfjs-node) → fused (WebAssembly SIMD kernel) → wasm (@tensorflow/tfjs-backend-wasm) → cpu.
 * Except that for small models the fused kernel goes first: a libtensorflow step costs ~150 kernel launches
 * of tens of µs each whatever the size, which the fused kernel beats until the arithmetic dominates (see
 * `autoPlan`). Every backend ranked above the one that runs appears in the report with the reason it was
 * skipped. Native packages are optional and loaded inside try/catch: missing ones never crash the engine.
 */
import type { ModelConfig } from '../model/config.js';
import { linearLayouts, type ModelState } from '../model/params.js';
import { LabError } from '../errors.js';
import type { BackendChoice, BackendId, BackendReport, ComputeBackend } from './types.js';
import { createTfjsBackend } from './tfjs/tfjsBackend.js';
import { BackendUnavailableError, NATIVE_PACKAGES, firstLine, isInstalled, loadTf, type TfBackendId } from './tfLoaders.js';

/** Default ranking, fastest first (for models above the fused-kernel threshold). */
export const BACKEND_RANKING: readonly BackendId[] = ['tensorflow-gpu', 'tensorflow', 'fused', 'wasm', 'cpu'];

/**
 * Below this many floating-point operations per training step, `auto` prefers the fused kernel to
 * libtensorflow (GPU or CPU). Why 50 MFLOP: a libtensorflow step of this MLP family launches ~150 kernels at
 * ~20–30 µs each, ≈3–5 ms per step regardless of size; the fused kernel runs ≈12 GFLOP/s on one core, so it
 * finishes 50 MFLOP in ≈4 ms — about the point where the native path's fixed overhead stops dominating.
 * For reference: bn3 at batch 32 is ≈3 MFLOP/step (fused wins by far); hidden 1024 at batch 4096 is
 * ≈1.4 GFLOP/step (the GPU wins).
 */
export const FUSED_PREFERRED_MAX_FLOPS = 50e6;

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
  /** Backends ranked better in general but placed after `fused` for this size. */
  demoted: { id: BackendId; reason: string }[];
}

/**
 * Which backends to try, in order, for a choice and a model size (training FLOPs per step).
 * `auto` on a small model moves `fused` ahead of the libtensorflow backends.
 */
export function planBackends(choice: BackendChoice, flopsPerStep: number): BackendPlan {
  switch (choice) {
    case 'tensorflow':
      return { order: ['tensorflow-gpu', 'tensorflow'], demoted: [] };
    case 'fused':
    case 'wasm':
    case 'cpu':
      return { order: [choice], demoted: [] };
    case 'auto': {
      if (flopsPerStep >= FUSED_PREFERRED_MAX_FLOPS) return { order: [...BACKEND_RANKING], demoted: [] };
      const mflop = (x: number) => (x / 1e6).toPrecision(2);
      const reason = `slower than the fused kernel for this size (${mflop(flopsPerStep)} MFLOP/step < ${mflop(FUSED_PREFERRED_MAX_FLOPS)})`;
      return {
        order: ['fused', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
        demoted: [
          { id: 'tensorflow-gpu', reason },
          { id: 'tensorflow', reason },
        ],
      };
    }
  }
}

/** How one backend is brought up; injectable so the selection logic is testable without native packages. */
export type BackendLoader = (state: ModelState, report: BackendReport) => Promise<ComputeBackend>;

export interface CreateBackendOptions {
  /** Minibatch size the model will train with (the size decision); default 32. */
  batchSize?: number;
  /** Replace the loader of some backends (tests). */
  loaders?: Partial<Record<BackendId, BackendLoader>>;
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
  const plan = planBackends(choice, flops);
  const failed: { id: BackendId; reason: string }[] = [];
  for (const [k, id] of plan.order.entries()) {
    const report: BackendReport = { id, description: '', skipped: [...failed] };
    // Demoted backends come after the winner in the order but rank above it in general: say why they lost.
    for (const d of plan.demoted) {
      if (plan.order.indexOf(d.id) > k) report.skipped.push({ id: d.id, reason: withInstallNote(d.id, d.reason) });
    }
    try {
      const loader = opts.loaders?.[id] ?? DEFAULT_LOADERS[id];
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

async function fusedLoader(state: ModelState, report: BackendReport): Promise<ComputeBackend> {
  let createFusedBackend: (s: ModelState) => Promise<ComputeBackend>;
  try {
    ({ createFusedBackend } = await import('./fused/fusedBackend.js'));
  } catch (e) {
    throw new BackendUnavailableError(`the fused kernel module failed to load: ${firstLine(e)}`);
  }
  let backend: ComputeBackend;
  try {
    backend = await createFusedBackend(state);
  } catch (e) {
    throw new BackendUnavailableError(`the fused WebAssembly kernel failed to start: ${firstLine(e)}`);
  }
  return withReport(backend, { ...report, description: backend.report.description });
}

const DEFAULT_LOADERS: Record<BackendId, BackendLoader> = {
  'tensorflow-gpu': tfjsLoader('tensorflow-gpu'),
  tensorflow: tfjsLoader('tensorflow'),
  fused: fusedLoader,
  wasm: tfjsLoader('wasm'),
  cpu: tfjsLoader('cpu'),
};

/** The same backend with the selection's report (the fused backend builds its own, without skip reasons). */
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
