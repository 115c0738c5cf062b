/**
 * The interface every training compute path implements: the TensorFlow.js paths (tensorflow / wasm / cpu
 * backends, explicit forward and backward written in tf ops), the fused WebAssembly-SIMD kernel and the
 * onnxruntime step graph (onnxruntime-node's CPU kernels).
 *
 * A compute backend owns one model's tensors while it trains. Everything above it (trainer loop, inspectors,
 * folding, saving) works on plain Float32Arrays, so backends are interchangeable and are all checked against
 * the same gradient oracle (`tf.grads` over `forwardTf`).
 */
import type { ModelState } from '../model/params.js';

/** What `--backend` and the app can ask for. `auto` picks the fastest available for the model's size. */
export type BackendChoice = 'auto' | 'tensorflow' | 'onnxruntime' | 'fused' | 'wasm' | 'cpu';

/** The backend actually running. */
export type BackendId = 'tensorflow-gpu' | 'tensorflow' | 'onnxruntime' | 'fused' | 'wasm' | 'cpu';

/** Which backend runs and why the ones ranked above it were not used. */
export interface BackendReport {
  id: BackendId;
  /** Human description, e.g. "fused WebAssembly SIMD kernel (TensorFlow.js tensors for export)". */
  description: string;
  /** For every backend ranked better that was skipped: why (not installed, failed to load, slower for this size…). */
  skipped: { id: BackendId; reason: string }[];
}

/** Per-step capture flags; everything off is the fast path. */
export interface CaptureRequest {
  /** Keep this step's parameter gradients readable through `gradients()` (every-step update:data ratios). */
  gradients: boolean;
  /** Keep activations and layer-output gradients readable through `trace()` (every K steps). */
  trace: boolean;
}

/** Activation output of one hidden block and the loss gradient with respect to it, for one batch. */
export interface LayerTrace {
  /** 1-based hidden block index (matches W{i}). */
  layer: number;
  /** e.g. "tanh1" — activation kind plus index, as the lecture labels its plots. */
  name: string;
  /** Row-major [batch, size]. */
  activation: Float32Array;
  /** dLoss/d(activation) [batch, size]. */
  gradient: Float32Array;
}

export interface ComputeBackend {
  readonly report: BackendReport;

  /**
   * One SGD step on a minibatch, in training mode: batch statistics for BatchNorm (unbiased variance) with the
   * running buffers updated (running = (1 − m)·running + m·batch), then every trainable param −= lr·grad.
   * @param x int32 contexts, row-major [batch, blockSize]
   * @param y int32 targets [batch]
   * @returns the minibatch loss computed before the update
   */
  trainStep(x: Int32Array, y: Int32Array, lr: number, capture: CaptureRequest): number;

  /**
   * Gradients of the last `trainStep` that asked for them, by parameter name (trainable params only).
   * The arrays may be views into backend memory: valid until the next call into the backend; copy to keep.
   */
  gradients(): Record<string, Float32Array>;

  /**
   * Optional fast path for the every-step update:data ratios. After a `trainStep` with `capture.gradients`:
   * per trainable param in canonical order (`paramSpecs(…).filter((s) => s.trainable)`), four float64 sums
   * [sumG, sumSqG, sumW, sumSqW] over this step's gradient g and the weights w AFTER the update — each taken
   * about a per-tensor shift (a backend may subtract any constant c from every entry, e.g. the first one,
   * to avoid cancellation): the variance (sumSq − sum²/n)/(n − 1) is unchanged by the shift, and is all they
   * are for (see inspect/updateRatio.ts `updateToDataFromMoments`). A view valid until the next call; copy to keep.
   * Backends without it leave the ratios to `gradients()` + `tensor()`.
   */
  updateMoments?(): Float64Array;

  /** Per hidden block activations and their gradients from the last `trainStep` with `trace: true`. */
  trace(): LayerTrace[];

  /** Current value of one tensor (param or buffer) — a view valid until the next call; copy to keep. */
  tensor(name: string): Float32Array;

  /** Inference-mode logits (BatchNorm with running statistics), row-major [n, vocab]. */
  logits(x: Int32Array, n: number): Float32Array;

  /** Inference-mode mean cross-entropy over n examples (batched internally so whole splits fit in memory). */
  loss(x: Int32Array, y: Int32Array, n: number): number;

  /** A copy of every tensor (params and buffers) as a standalone model state. */
  state(): ModelState;

  /** Frees backend memory (tf tensors, wasm memory). The backend is unusable afterwards. */
  dispose(): void;
}
