/**
 * The onnxruntime compute backend: one whole training step (forward, cross-entropy, backward, SGD) as ONE
 * onnxruntime-node run of the graph stepGraph.ts writes for the model's configuration, on onnxruntime's CPU
 * kernels (MLAS: AVX2/AVX-512 FMA matrix products, intra-op threads). Faster than the fused WebAssembly kernel
 * once the matrix products dominate; slower for small nets, where its per-op dispatch costs more than the
 * arithmetic (select.ts ranks them by measured rates).
 *
 * Weights are double-buffered: every tensor has two Float32Arrays, the step reads set `cur` and writes the new
 * values into set `1 − cur` (pre-allocated fetches), then the sets swap. A refused or failed step therefore
 * leaves the model as it was, and no buffer of the model is made per step (the binding's returned copies aside:
 * ortSession.ts). Gradients, activations and activation
 * gradients are graph outputs fetched (into buffers of their own) only on the steps that capture them.
 */
import { outsideVocabulary } from '../vocabCheck.js';
import { linearLayouts, paramSpecs, sizeOf, type ModelState, type ParamSpec } from '../../model/params.js';
import type { BackendReport, CaptureRequest, ComputeBackend, LayerTrace } from '../types.js';
import type { Tensor } from 'onnxruntime-node';
import { OrtSyncSession, floatTensor, int32Tensor } from './ortSession.js';
import {
  STEP_IO, activationGradName, activationName, encodeInferenceGraph, encodeTrainStepGraph, gradName, nextName, usesBatchNorm,
} from './stepGraph.js';

export interface OnnxruntimeBackendOptions {
  /** onnxruntime's intra-op threads (default 1). */
  threads?: number;
}

/** One tensor's two buffers (the model state swaps between them) and their onnxruntime views. */
interface DoubleBuffer {
  spec: ParamSpec;
  data: [Float32Array, Float32Array];
  views: [Tensor, Tensor];
}

/** Everything whose size depends on the batch: made once per batch size. */
interface RowBuffers {
  rows: number;
  x: Int32Array;
  y: Int32Array;
  nll: Float32Array;
  /** Feeds and fetches by the parity of the current tensor set, plain and capturing. */
  feeds: [Record<string, Tensor>, Record<string, Tensor>];
  fetches: [Record<string, Tensor>, Record<string, Tensor>];
  captureFetches: [Record<string, Tensor>, Record<string, Tensor>];
  trace: LayerTrace[];
}

/** Rows per inference chunk: about 1 MiB per activation buffer, within [64, 4096] (as the fused kernel). */
function inferenceChunk(state: ModelState): number {
  const { config, vocabSize } = state;
  const widest = Math.max(config.blockSize * config.embeddingSize, vocabSize, ...config.hidden.map((h) => h.size));
  return Math.min(4096, Math.max(64, Math.floor(262144 / widest)));
}

class OnnxruntimeBackend implements ComputeBackend {
  readonly report: BackendReport;
  private readonly specs: ParamSpec[];
  private readonly trainable: ParamSpec[];
  private readonly buffers = new Map<string, DoubleBuffer>();
  private readonly grads: Readonly<Record<string, Float32Array>>;
  private readonly gradViews: Record<string, Tensor>;
  private readonly moments: Float64Array;
  private readonly scalars = { lr: new Float32Array(1), invN: new Float32Array(1), invN1: new Float32Array(1) };
  private readonly scalarViews: Record<string, Tensor>;
  private readonly batchNorm: boolean;
  private readonly state0: ModelState;
  private cur: 0 | 1 = 0;
  private rowBuffers: RowBuffers | null = null;
  private lastCapture: CaptureRequest = { gradients: false, trace: false };
  private train: OrtSyncSession | null;
  private infer: OrtSyncSession | null = null;
  private disposed = false;

  constructor(
    state: ModelState,
    private readonly threads: number,
  ) {
    this.state0 = { config: structuredClone(state.config), vocabSize: state.vocabSize, tensors: {} };
    this.specs = paramSpecs(state.config, state.vocabSize);
    this.trainable = this.specs.filter((s) => s.trainable);
    this.batchNorm = usesBatchNorm(state);
    for (const spec of this.specs) {
      const length = sizeOf(spec.shape);
      const given = state.tensors[spec.name];
      if (!given || given.length !== length) {
        throw new Error(`onnxruntime backend: tensor ${spec.name} has ${given?.length ?? 'no'} values, expected ${length}`);
      }
      const data: [Float32Array, Float32Array] = [given.slice(), new Float32Array(length)];
      this.buffers.set(spec.name, { spec, data, views: [floatTensor(data[0], spec.shape), floatTensor(data[1], spec.shape)] });
    }
    const grads: Record<string, Float32Array> = {};
    this.gradViews = {};
    for (const spec of this.trainable) {
      grads[spec.name] = new Float32Array(sizeOf(spec.shape));
      this.gradViews[gradName(spec.name)] = floatTensor(grads[spec.name], spec.shape);
    }
    this.grads = Object.freeze(grads);
    this.moments = new Float64Array(this.trainable.length * 4);
    this.scalarViews = {
      [STEP_IO.lr]: floatTensor(this.scalars.lr, []),
      [STEP_IO.invN]: floatTensor(this.scalars.invN, []),
      ...(this.batchNorm ? { [STEP_IO.invN1]: floatTensor(this.scalars.invN1, []) } : {}),
    };
    this.train = new OrtSyncSession(encodeTrainStepGraph(state), { threads });
    this.report = { id: 'onnxruntime', description: `onnxruntime-node CPU (MLAS), one graph per step, ${threads} thread${threads === 1 ? '' : 's'}`, skipped: [] };
  }

  trainStep(x: Int32Array, y: Int32Array, lr: number, capture: CaptureRequest): number {
    const session = this.live(this.train);
    const rows = y.length;
    const block = this.state0.config.blockSize;
    if (x.length !== rows * block) throw new RangeError(`trainStep: x has ${x.length} values, expected ${rows}×${block}`);
    if (rows < (this.batchNorm ? 2 : 1)) throw new RangeError(`trainStep: batch of ${rows} is too small${this.batchNorm ? ' for BatchNorm (needs 2)' : ''}`);
    // Checked before the run: onnxruntime's Gather would refuse a bad token, but an out-of-range target would
    // just match no class. Nothing is written before this point.
    const refused = outsideVocabulary('trainStep', x, y, this.state0.vocabSize);
    if (refused) throw new RangeError(refused);
    const r = this.rowsFor(rows);
    r.x.set(x);
    r.y.set(y);
    this.scalars.lr[0] = lr;
    this.scalars.invN[0] = 1 / rows;
    this.scalars.invN1[0] = 1 / (rows - 1);
    const p = this.cur;
    session.run(r.feeds[p], capture.gradients || capture.trace ? r.captureFetches[p] : r.fetches[p]);
    this.cur = p === 0 ? 1 : 0;
    this.lastCapture = capture;
    let total = 0;
    for (let k = 0; k < rows; k++) total += r.nll[k];
    return total / rows;
  }

  gradients(): Record<string, Float32Array> {
    this.live(this.train);
    if (!this.lastCapture.gradients) throw new Error('gradients(): the last trainStep did not ask for capture.gradients');
    return this.grads;
  }

  /**
   * The update:data moments (types.ts): per trainable tensor, Σ(g − g₀), Σ(g − g₀)², Σ(w − w₀), Σ(w − w₀)² in
   * float64 over this step's gradient and the updated weights, shifted by the mean of the first 16 entries
   * (rounded to float32, so a constant tensor's deviations are exactly 0), as the fused kernel's sgd_moments.
   */
  updateMoments(): Float64Array {
    this.live(this.train);
    if (!this.lastCapture.gradients) throw new Error('updateMoments(): the last trainStep did not ask for capture.gradients');
    this.trainable.forEach((spec, t) => {
      const g = this.grads[spec.name];
      const w = this.buffers.get(spec.name)!.data[this.cur];
      const n = g.length;
      const head = Math.min(n, 16);
      let hg = 0;
      let hw = 0;
      for (let k = 0; k < head; k++) {
        hg += g[k];
        hw += w[k];
      }
      const g0 = head ? Math.fround(hg / head) : 0;
      const w0 = head ? Math.fround(hw / head) : 0;
      let sg = 0;
      let sg2 = 0;
      let sw = 0;
      let sw2 = 0;
      for (let k = 0; k < n; k++) {
        const dg = g[k] - g0;
        const dw = w[k] - w0;
        sg += dg;
        sg2 += dg * dg;
        sw += dw;
        sw2 += dw * dw;
      }
      this.moments.set([sg, sg2, sw, sw2], 4 * t);
    });
    return this.moments;
  }

  trace(): LayerTrace[] {
    this.live(this.train);
    if (!this.lastCapture.trace || !this.rowBuffers) throw new Error('trace(): the last trainStep did not ask for capture.trace');
    return this.rowBuffers.trace;
  }

  tensor(name: string): Float32Array {
    this.live(this.train);
    const buffer = this.buffers.get(name);
    if (!buffer) throw new Error(`onnxruntime backend: no tensor named ${name}`);
    return buffer.data[this.cur];
  }

  logits(x: Int32Array, n: number): Float32Array {
    const vocab = this.state0.vocabSize;
    const out = new Float32Array(n * vocab);
    this.inferChunks('logits', x, null, n, (start, rows, logits) => out.set(logits.subarray(0, rows * vocab), start * vocab));
    return out;
  }

  loss(x: Int32Array, y: Int32Array, n: number): number {
    if (n <= 0) throw new RangeError('loss: needs at least one example');
    const vocab = this.state0.vocabSize;
    let total = 0;
    this.inferChunks('loss', x, y, n, (start, rows, _logits, logProbs) => {
      for (let r = 0; r < rows; r++) total -= logProbs[r * vocab + y[start + r]];
    });
    return total / n;
  }

  state(): ModelState {
    this.live(this.train);
    const tensors: Record<string, Float32Array> = {};
    for (const [name, b] of this.buffers) tensors[name] = b.data[this.cur].slice();
    return { config: structuredClone(this.state0.config), vocabSize: this.state0.vocabSize, tensors };
  }

  dispose(): void {
    this.train?.dispose();
    this.infer?.dispose();
    this.train = null;
    this.infer = null;
    this.disposed = true;
  }

  /** Inference (BatchNorm from the running buffers) over n examples in chunks, each handed to `onChunk`. */
  private inferChunks(
    what: 'logits' | 'loss',
    x: Int32Array,
    y: Int32Array | null,
    n: number,
    onChunk: (start: number, rows: number, logits: Float32Array, logProbs: Float32Array) => void,
  ): void {
    this.live(this.train);
    const { blockSize: block } = this.state0.config;
    const vocab = this.state0.vocabSize;
    if (x.length < n * block) throw new RangeError(`x has ${x.length} values, expected at least ${n}×${block}`);
    if (y && y.length < n) throw new RangeError(`y has ${y.length} values, expected at least ${n}`);
    const refused = outsideVocabulary(what, x.subarray(0, n * block), y && y.subarray(0, n), vocab);
    if (refused) throw new RangeError(refused);
    this.infer ??= new OrtSyncSession(encodeInferenceGraph(this.state0), { threads: this.threads });
    const chunk = Math.min(n, inferenceChunk(this.state0));
    const logits = new Float32Array(chunk * vocab);
    const logProbs = new Float32Array(chunk * vocab);
    const feeds: Record<string, Tensor> = {};
    for (const [name, b] of this.buffers) feeds[name] = b.views[this.cur];
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      feeds[STEP_IO.x] = int32Tensor(x.subarray(start * block, (start + rows) * block), [rows, block]);
      this.infer.run(feeds, {
        [STEP_IO.logits]: floatTensor(logits.subarray(0, rows * vocab), [rows, vocab]),
        [STEP_IO.logProbs]: floatTensor(logProbs.subarray(0, rows * vocab), [rows, vocab]),
      });
      onChunk(start, rows, logits, logProbs);
    }
  }

  /** The batch-sized buffers and the feeds/fetches over them, remade only when the batch size changes. */
  private rowsFor(rows: number): RowBuffers {
    if (this.rowBuffers?.rows === rows) return this.rowBuffers;
    const { config, vocabSize } = this.state0;
    const x = new Int32Array(rows * config.blockSize);
    const y = new Int32Array(rows);
    const nll = new Float32Array(rows);
    const common = { [STEP_IO.x]: int32Tensor(x, [rows, config.blockSize]), [STEP_IO.y]: int32Tensor(y, [rows]), ...this.scalarViews };
    const trace: LayerTrace[] = [];
    const traceViews: Record<string, Tensor> = {};
    for (const l of linearLayouts(config, vocabSize).filter((l) => !l.isOutput)) {
      const kind = l.activation === 'none' ? 'linear' : l.activation;
      const activation = new Float32Array(rows * l.outFeatures);
      const gradient = new Float32Array(rows * l.outFeatures);
      trace.push({ layer: l.index, name: `${kind}${l.index}`, activation, gradient });
      traceViews[activationName(l.index)] = floatTensor(activation, [rows, l.outFeatures]);
      traceViews[activationGradName(l.index)] = floatTensor(gradient, [rows, l.outFeatures]);
    }
    const feedsFor = (p: 0 | 1) => {
      const feeds: Record<string, Tensor> = { ...common };
      for (const [name, b] of this.buffers) feeds[name] = b.views[p];
      return feeds;
    };
    const fetchesFor = (p: 0 | 1) => {
      const fetches: Record<string, Tensor> = { [STEP_IO.nll]: floatTensor(nll, [rows]) };
      for (const [name, b] of this.buffers) fetches[nextName(name)] = b.views[p === 0 ? 1 : 0];
      return fetches;
    };
    // One capturing fetch list for gradients and trace alike: both come out of the same run for free.
    const captureFor = (p: 0 | 1) => ({ ...fetchesFor(p), ...this.gradViews, ...traceViews });
    this.rowBuffers = { rows, x, y, nll, feeds: [feedsFor(0), feedsFor(1)], fetches: [fetchesFor(0), fetchesFor(1)], captureFetches: [captureFor(0), captureFor(1)], trace };
    return this.rowBuffers;
  }

  private live<T>(session: T | null): T {
    if (this.disposed || !session) throw new Error('onnxruntime backend used after dispose()');
    return session;
  }
}

/** Creates an onnxruntime backend training a copy of `state`. Throws when onnxruntime-node cannot load here. */
export function createOnnxruntimeBackend(state: ModelState, options: OnnxruntimeBackendOptions = {}): ComputeBackend {
  return new OnnxruntimeBackend(state, Math.max(1, Math.floor(options.threads ?? 1)));
}
