/**
 * A synchronous onnxruntime-node session, for a training step that must stay synchronous
 * (`ComputeBackend.trainStep` returns the loss).
 *
 * onnxruntime-node's public `InferenceSession.run` is async only, but all it does is call its native binding's
 * `run(feeds, fetches, options)` — which is synchronous — inside `setImmediate` (dist/backend.js). This module
 * is the one place that reaches past the public API into `onnxruntime-node/dist/binding` (typed in its
 * binding.d.ts); everything else sees `OrtSyncSession`.
 *
 * Fetches given as tensors are pre-allocated outputs: onnxruntime writes into their buffers, so the model's
 * state stays in buffers made once. The binding (1.30) still hands back a COPY of every fetched output in a new
 * ArrayBuffer (checked: writing into the returned data leaves ours unchanged); the backend drops those copies
 * at once. That is one copy of the fetched tensors per step (bn3 shape, H 512: ≈ 1.1 MB of weights; RSS stayed
 * at 148 MiB over 4,000 steps), small beside the step's arithmetic, and the one allocation left.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { InferenceSession, OnnxValue, Tensor, TensorConstructor } from 'onnxruntime-node';

interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: InferenceSession.SessionOptions): void;
  readonly inputMetadata: { name: string }[];
  readonly outputMetadata: { name: string }[];
  run(feeds: Record<string, OnnxValue>, fetches: Record<string, OnnxValue | null>, options: InferenceSession.RunOptions): Record<string, OnnxValue>;
  dispose(): void;
}

interface BindingModule {
  binding: { InferenceSession: new () => BindingSession };
  initOrt: () => void;
}

interface Loaded {
  binding: BindingModule;
  Tensor: TensorConstructor;
}

let loaded: Loaded | null = null;

/**
 * Why onnxruntime-node cannot run on this machine, or null when it can — cheap (no native code is loaded), for
 * the UI's backend menu: the package must be installed and ship a binary for this platform/arch (1.30 has none
 * for Intel macOS; installers keep only their own platform's).
 */
export function onnxruntimeUnavailable(platform: string = process.platform, arch: string = process.arch): string | null {
  let root: string;
  try {
    root = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  } catch {
    return 'onnxruntime-node is not installed';
  }
  const binary = path.join(root, 'bin', 'napi-v6', platform, arch, 'onnxruntime_binding.node');
  return existsSync(binary) ? null : `onnxruntime-node has no binary for ${platform}/${arch}`;
}

/**
 * Loads the native binding (once). Throws with the loader's message when this platform has no binary
 * (onnxruntime-node 1.30 ships none for Intel macOS) or the package is missing.
 */
export function loadOrt(): Loaded {
  if (loaded) return loaded;
  const missing = onnxruntimeUnavailable();
  if (missing) throw new Error(missing);
  const requireHere = createRequire(import.meta.url);
  const bindingPath = requireHere.resolve('onnxruntime-node/dist/binding');
  const binding = requireHere(bindingPath) as BindingModule;
  // The Tensor class the binding was initialised with: onnxruntime-node's own copy of onnxruntime-common.
  const common = createRequire(bindingPath)('onnxruntime-common') as { Tensor: TensorConstructor };
  binding.initOrt();
  loaded = { binding, Tensor: common.Tensor };
  return loaded;
}

/** A float32 tensor over `data` (no copy: onnxruntime reads, or as a fetch writes, these very bytes). */
export function floatTensor(data: Float32Array, dims: readonly number[]): Tensor {
  return new (loadOrt().Tensor)('float32', data, dims);
}

export function int32Tensor(data: Int32Array, dims: readonly number[]): Tensor {
  return new (loadOrt().Tensor)('int32', data, dims);
}

export interface OrtSessionOptions {
  /** Threads onnxruntime's kernels (MLAS matrix products, elementwise ops) may use. */
  threads: number;
}

export class OrtSyncSession {
  private session: BindingSession | null;
  readonly inputNames: string[];
  readonly outputNames: string[];

  constructor(model: Uint8Array, options: OrtSessionOptions) {
    const { binding } = loadOrt();
    const session = new binding.binding.InferenceSession();
    // Sequential execution (one step's ops depend on each other anyway), intra-op threads for the big
    // products, every graph optimisation (MatMul+Transpose fusion in particular).
    session.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
      // Idle intra-op threads sleep instead of spinning: on a 2-core machine shared with other work a spinning
      // thread steals the core the next op needs (bn3 shape, H 512 / B 256, 2 threads: 16 steps/s spinning vs
      // 70 sleeping; H 1024 / B 1024: 2.1 vs 12.4).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    this.session = session;
    this.inputNames = session.inputMetadata.map((m) => m.name);
    this.outputNames = session.outputMetadata.map((m) => m.name);
  }

  /**
   * Runs the graph now. Each fetch is a pre-allocated tensor (written in place) or null (allocated by
   * onnxruntime); the returned tensors are copies (see the file comment).
   */
  run(feeds: Record<string, Tensor>, fetches: Record<string, Tensor | null>): Record<string, Tensor> {
    if (!this.session) throw new Error('onnxruntime session used after dispose()');
    return this.session.run(feeds, fetches, {}) as Record<string, Tensor>;
  }

  dispose(): void {
    this.session?.dispose();
    this.session = null;
  }
}
