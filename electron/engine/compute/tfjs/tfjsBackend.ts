/**
 * The TensorFlow.js compute backend: the model's tensors stay resident on one tf.js backend (tensorflow,
 * wasm or cpu) and each SGD step runs an EXPLICIT forward and backward pass written in tf ops, as in the
 * lecture's manual backprop — no recorded tape, so a step launches about half the kernels autodiff would
 * and allocates no gradient bookkeeping.
 *
 * The `tf` module is passed in so the same code runs on '@tensorflow/tfjs' (wasm/cpu) and on
 * '@tensorflow/tfjs-node(-gpu)'. The tf.js backend active when the backend is created is the one it keeps
 * using: every public method re-activates it, so a 'cpu' and a 'wasm' backend can live in one process.
 *
 * Readbacks: `trainStep` reads back only the loss scalar; gradients and traces are kept as tensors when the
 * capture flags ask and read lazily on `gradients()` / `trace()`.
 */
import { assertInVocabulary } from '../vocabCheck.js';
import type * as TF from '@tensorflow/tfjs';
import type { BackendReport, CaptureRequest, ComputeBackend, LayerTrace } from '../types.js';
import { linearLayouts, paramSpecs, type LinearLayout, type ModelState, type ParamSpec } from '../../model/params.js';
import { layerTraceName } from '../layerNames.js';

/** The TensorFlow.js namespace ('@tensorflow/tfjs' or the tfjs-node packages, which re-export it). */
export type TfModule = typeof TF;
type Tensor = TF.Tensor;
type Tensor1D = TF.Tensor1D;
type Tensor2D = TF.Tensor2D;

/** Rows per inference chunk: bounds memory for whole splits (182k rows) while keeping kernels large. */
export const INFERENCE_CHUNK_ROWS = 8192;

/** What the forward pass of one Linear block keeps for its backward pass. */
interface BlockSaved {
  /** Input to the Linear [B, in]. */
  input: Tensor2D;
  /** BatchNorm's normalised pre-activation x̂ = (z − μ)·inv [B, out] and inv = 1/√(var + ε) [out]. */
  xhat?: Tensor2D;
  inv?: Tensor1D;
  /** Output after the activation [B, out] (tanh′ = 1 − t², relu′ = step(t)). */
  output: Tensor2D;
}

interface StepResult {
  loss: TF.Scalar;
  /** Replacement for every trainable param and running buffer. */
  next: Record<string, Tensor>;
  grads: Record<string, Tensor> | null;
  trace: { activation: Tensor2D; gradient: Tensor2D }[] | null;
}

/**
 * @param tf the TensorFlow.js namespace, with the tf.js backend to use already set and ready
 * @param state the model to train (copied into tensors; the caller keeps its arrays)
 * @param report which backend this is and why better ones were skipped (from the selection)
 */
export async function createTfjsBackend(tf: TfModule, state: ModelState, report: BackendReport): Promise<ComputeBackend> {
  await tf.ready();
  return new TfjsBackend(tf, tf.getBackend(), state, report);
}

class TfjsBackend implements ComputeBackend {
  private readonly layouts: LinearLayout[];
  private readonly specs: ParamSpec[];
  private readonly trainable: string[];
  private readonly blockSize: number;
  private readonly features: number;
  private readonly eps: number;
  private readonly momentum: number;
  /**
   * On wasm, matMul with a transposed operand runs ≈8× slower than a plain one (PERF-NOTES), so the
   * backward pass transposes explicitly there; other backends take the transpose flags.
   */
  private readonly explicitTranspose: boolean;
  private params: Record<string, Tensor> = {};
  private captured: { grads: Record<string, Tensor> | null; trace: StepResult['trace'] } = { grads: null, trace: null };
  private gradCache: Record<string, Float32Array> | null = null;
  private traceCache: LayerTrace[] | null = null;
  private disposed = false;

  constructor(
    private readonly tf: TfModule,
    private readonly tfBackend: string,
    private readonly model: ModelState,
    readonly report: BackendReport,
  ) {
    const { config, vocabSize } = model;
    this.layouts = linearLayouts(config, vocabSize);
    this.specs = paramSpecs(config, vocabSize);
    this.trainable = this.specs.filter((s) => s.trainable).map((s) => s.name);
    this.blockSize = config.blockSize;
    this.features = config.blockSize * config.embeddingSize;
    this.eps = config.batchNorm.eps;
    this.momentum = config.batchNorm.momentum;
    this.explicitTranspose = tfBackend === 'wasm';
    for (const spec of this.specs) {
      const data = model.tensors[spec.name];
      if (!data) throw new Error(`model state has no tensor ${spec.name}`);
      this.params[spec.name] = tf.tensor(data.slice(), spec.shape, 'float32');
    }
  }

  trainStep(x: Int32Array, y: Int32Array, lr: number, capture: CaptureRequest): number {
    // Before any op: tf.oneHot silently maps an out-of-range target to a zero row (the step would train on it),
    // and a bad token throws only once the forward pass has started.
    assertInVocabulary('trainStep', x, y, this.model.vocabSize);
    this.activate();
    this.releaseCaptured();
    // tf.tidy keeps exactly the tensors reachable from the returned object; its typing wants an index signature.
    const result = this.tf.tidy(() => this.step(x, y, lr, capture) as unknown as TF.TensorContainer) as unknown as StepResult;
    const loss = result.loss.dataSync()[0];
    result.loss.dispose();
    for (const [name, tensor] of Object.entries(result.next)) {
      this.params[name].dispose();
      this.params[name] = tensor;
    }
    this.captured = { grads: result.grads, trace: result.trace };
    return loss;
  }

  gradients(): Record<string, Float32Array> {
    this.activate();
    if (!this.captured.grads) throw new Error('gradients(): the last trainStep did not capture gradients');
    if (!this.gradCache) {
      this.gradCache = {};
      for (const [name, g] of Object.entries(this.captured.grads)) this.gradCache[name] = g.dataSync() as Float32Array;
    }
    return this.gradCache;
  }

  trace(): LayerTrace[] {
    this.activate();
    if (!this.captured.trace) throw new Error('trace(): the last trainStep did not capture a trace');
    if (!this.traceCache) {
      const hidden = this.layouts.filter((l) => !l.isOutput);
      this.traceCache = this.captured.trace.map((t, k) => ({
        layer: hidden[k].index,
        name: layerTraceName(hidden[k]),
        activation: t.activation.dataSync() as Float32Array,
        gradient: t.gradient.dataSync() as Float32Array,
      }));
    }
    return this.traceCache;
  }

  tensor(name: string): Float32Array {
    this.activate();
    const t = this.params[name];
    if (!t) throw new Error(`unknown tensor ${name}`);
    return t.dataSync() as Float32Array;
  }

  logits(x: Int32Array, n: number): Float32Array {
    assertInVocabulary('logits', x.subarray(0, n * this.model.config.blockSize), null, this.model.vocabSize);
    this.activate();
    const vocab = this.model.vocabSize;
    const out = new Float32Array(n * vocab);
    for (let start = 0; start < n; start += INFERENCE_CHUNK_ROWS) {
      const rows = Math.min(INFERENCE_CHUNK_ROWS, n - start);
      const chunk = this.tf.tidy(() => this.forwardInfer(this.contexts(x, start, rows)));
      out.set(chunk.dataSync(), start * vocab);
      chunk.dispose();
    }
    return out;
  }

  loss(x: Int32Array, y: Int32Array, n: number): number {
    assertInVocabulary('loss', x.subarray(0, n * this.model.config.blockSize), y.subarray(0, n), this.model.vocabSize);
    this.activate();
    if (n === 0) return NaN;
    const tf = this.tf;
    // Sum of per-example losses accumulated on the device; one readback at the end.
    let total: TF.Scalar = tf.scalar(0);
    for (let start = 0; start < n; start += INFERENCE_CHUNK_ROWS) {
      const rows = Math.min(INFERENCE_CHUNK_ROWS, n - start);
      const next = tf.tidy(() => {
        const logp = tf.logSoftmax(this.forwardInfer(this.contexts(x, start, rows)));
        const targets = this.oneHot(y.subarray(start, start + rows));
        return tf.sub(total, tf.sum(tf.mul(logp, targets))) as TF.Scalar;
      });
      total.dispose();
      total = next;
    }
    const sum = total.dataSync()[0];
    total.dispose();
    return sum / n;
  }

  state(): ModelState {
    this.activate();
    const tensors: Record<string, Float32Array> = {};
    for (const spec of this.specs) tensors[spec.name] = (this.params[spec.name].dataSync() as Float32Array).slice();
    return { config: structuredClone(this.model.config), vocabSize: this.model.vocabSize, tensors };
  }

  dispose(): void {
    if (this.disposed) return;
    this.releaseCaptured();
    for (const t of Object.values(this.params)) t.dispose();
    this.params = {};
    this.disposed = true;
  }

  // ---------------------------------------------------------------------------------------------------------

  /** Makes this backend's tf.js backend the active one (synchronous once it is initialised). */
  private activate(): void {
    if (this.disposed) throw new Error('compute backend used after dispose()');
    if (this.tf.getBackend() !== this.tfBackend) void this.tf.setBackend(this.tfBackend);
  }

  private releaseCaptured(): void {
    if (this.captured.grads) this.tf.dispose(Object.values(this.captured.grads));
    if (this.captured.trace) for (const t of this.captured.trace) this.tf.dispose([t.activation, t.gradient]);
    this.captured = { grads: null, trace: null };
    this.gradCache = null;
    this.traceCache = null;
  }

  /** Int32 contexts for rows [start, start + rows) as a [rows, block] tensor. */
  private contexts(x: Int32Array, start: number, rows: number): Tensor2D {
    const b = this.blockSize;
    return this.tf.tensor2d(x.subarray(start * b, (start + rows) * b), [rows, b], 'int32');
  }

  /** Embedding lookup: (N, block) token ids → (N, block·emb) concatenated embeddings. */
  private embed(ids: Tensor2D): Tensor2D {
    const n = ids.shape[0];
    return this.tf.gather(this.params.C, ids.reshape([n * this.blockSize])).reshape([n, this.features]);
  }

  /** z = h·W (+ b), with relu fused into the matMul when nothing sits between them. */
  private linear(h: Tensor2D, layout: LinearLayout, fuseRelu: boolean): Tensor2D {
    const tf = this.tf;
    const W = this.params[`W${layout.index}`] as Tensor2D;
    const bias = layout.block.bias ? this.params[`b${layout.index}`] : undefined;
    if (!bias && !fuseRelu) return tf.matMul(h, W);
    return tf.fused.matMul({ a: h, b: W, bias, activation: fuseRelu ? 'relu' : 'linear' }) as Tensor2D;
  }

  private activation(z: Tensor2D, layout: LinearLayout): Tensor2D {
    if (layout.activation === 'tanh') return this.tf.tanh(z);
    if (layout.activation === 'relu') return this.tf.relu(z);
    return z;
  }

  /** Inference-mode logits: BatchNorm normalises with the running buffers. */
  private forwardInfer(ids: Tensor2D): Tensor2D {
    const tf = this.tf;
    let h = this.embed(ids);
    for (const l of this.layouts) {
      const i = l.index;
      const fuseRelu = !l.block.batchNorm && l.activation === 'relu';
      let z = this.linear(h, l, fuseRelu);
      if (l.block.batchNorm) {
        const inv = tf.rsqrt(tf.add(this.params[`var${i}`], this.eps));
        z = tf.add(tf.mul(tf.mul(tf.sub(z, this.params[`mean${i}`]), inv), this.params[`gamma${i}`]), this.params[`beta${i}`]);
      }
      h = fuseRelu ? z : this.activation(z, l);
    }
    return h;
  }

  /**
   * Float one-hot rows [n, V]. Built as int32 and cast: tfjs-backend-wasm 4.22's OneHot ignores a float32
   * dtype and writes integer bit patterns (1 reads as 1.4e-45).
   */
  private oneHot(y: Int32Array): Tensor2D {
    const tf = this.tf;
    return tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), this.model.vocabSize), 'float32') as Tensor2D;
  }

  /** A transposed, on backends where transposed matMul is slow. */
  private matMulTA(a: Tensor2D, b: Tensor2D): Tensor2D {
    const tf = this.tf;
    return this.explicitTranspose ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, b, true, false);
  }

  /** B transposed, on backends where transposed matMul is slow. */
  private matMulTB(a: Tensor2D, b: Tensor2D): Tensor2D {
    const tf = this.tf;
    return this.explicitTranspose ? tf.matMul(a, tf.transpose(b)) : tf.matMul(a, b, false, true);
  }

  /** One training step, inside tf.tidy: forward (batch statistics), loss, explicit backward, SGD, buffers. */
  private step(x: Int32Array, y: Int32Array, lr: number, capture: CaptureRequest): StepResult {
    const tf = this.tf;
    const P = this.params;
    const n = y.length;
    const ids = this.contexts(x, 0, n);
    const next: Record<string, Tensor> = {};

    // ---- forward (train mode) ----
    let h = this.embed(ids); // (B, block·emb)
    const saved: BlockSaved[] = [];
    for (const l of this.layouts) {
      const i = l.index;
      const bn = l.block.batchNorm;
      const fuseRelu = !bn && l.activation === 'relu';
      let z = this.linear(h, l, fuseRelu); // (B, out)
      let xhat: Tensor2D | undefined;
      let inv: Tensor1D | undefined;
      if (bn) {
        // (B, out) → μ, var, inv (out); x̂ (B, out)
        const mean = tf.mean(z, 0) as Tensor1D;
        const diff = tf.sub(z, mean);
        // The lecture's x.var(0): unbiased (n − 1) batch variance, also what the running buffer tracks.
        const variance = tf.mul(tf.sum(tf.square(diff), 0), 1 / (n - 1)) as Tensor1D;
        const invStd = tf.rsqrt(tf.add(variance, this.eps)) as Tensor1D;
        const normalised = tf.mul(diff, invStd) as Tensor2D;
        z = tf.add(tf.mul(normalised, P[`gamma${i}`]), P[`beta${i}`]);
        inv = invStd;
        xhat = normalised;
        // running = (1 − m)·running + m·batch
        const m = this.momentum;
        next[`mean${i}`] = tf.add(tf.mul(P[`mean${i}`], 1 - m), tf.mul(mean, m));
        next[`var${i}`] = tf.add(tf.mul(P[`var${i}`], 1 - m), tf.mul(variance, m));
      }
      const output = fuseRelu ? z : this.activation(z, l);
      saved.push({ input: h, xhat, inv, output });
      h = output;
    }
    const logits = h; // (B, V)

    // ---- loss: mean cross-entropy; dLoss/dlogits = (softmax − onehot)/B ----
    const logp = tf.logSoftmax(logits);
    const onehot = this.oneHot(y);
    const loss = tf.mul(tf.sum(tf.mul(logp, onehot)), -1 / n) as TF.Scalar;
    let dOut: Tensor2D = tf.mul(tf.sub(tf.exp(logp), onehot), 1 / n);

    // ---- backward, last block first ----
    const grads: Record<string, Tensor> = {};
    const layerGrads: Tensor2D[] = [];
    for (let k = this.layouts.length - 1; k >= 0; k--) {
      const l = this.layouts[k];
      const i = l.index;
      const s = saved[k];
      if (!l.isOutput) layerGrads[k] = dOut; // dLoss/d(activation) for the inspectors
      // through the activation
      let dz = dOut;
      if (l.activation === 'tanh') dz = tf.mul(dOut, tf.sub(1, tf.square(s.output))); // tanh′ = 1 − t²
      else if (l.activation === 'relu') dz = tf.mul(dOut, tf.step(s.output)); // relu′ = [t > 0]
      // through BatchNorm (the lecture's compact form, unbiased variance):
      //   dγ = Σ_b dout·x̂, dβ = Σ_b dout,
      //   dz = γ·inv/n · (n·dout − Σ dout − n/(n−1)·x̂·Σ(dout·x̂)) = γ·inv · (dout − dβ/n − x̂·dγ/(n−1))
      if (l.block.batchNorm && s.xhat && s.inv) {
        const dgamma = tf.sum(tf.mul(dz, s.xhat), 0);
        const dbeta = tf.sum(dz, 0);
        grads[`gamma${i}`] = dgamma;
        grads[`beta${i}`] = dbeta;
        const centred = tf.sub(tf.sub(dz, tf.mul(dbeta, 1 / n)), tf.mul(s.xhat, tf.mul(dgamma, 1 / (n - 1))));
        dz = tf.mul(centred, tf.mul(P[`gamma${i}`], s.inv));
      }
      // through the Linear: db = Σ_b dz, dW = hᵀ·dz, dh = dz·Wᵀ
      if (l.block.bias) grads[`b${i}`] = tf.sum(dz, 0);
      grads[`W${i}`] = this.matMulTA(s.input, dz);
      dOut = this.matMulTB(dz, P[`W${i}`] as Tensor2D);
    }
    // embedding: scatter-add each context position's gradient row into its token's row of C
    const tokens = n * this.blockSize;
    grads.C = tf.scatterND(
      ids.reshape([tokens, 1]),
      dOut.reshape([tokens, this.model.config.embeddingSize]),
      P.C.shape,
    );

    // ---- SGD: p −= lr·g ----
    for (const name of this.trainable) next[name] = tf.sub(P[name], tf.mul(grads[name], lr));

    return {
      loss,
      next,
      grads: capture.gradients ? grads : null,
      trace: capture.trace
        ? layerGrads.map((gradient, k) => ({ activation: saved[k].output, gradient }))
        : null,
    };
  }
}
