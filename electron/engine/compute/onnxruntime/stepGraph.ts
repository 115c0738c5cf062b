/**
 * The onnxruntime backend's two ONNX graphs for one model configuration, written with the project's own
 * protobuf writer (io/onnxProto.ts):
 *
 * - the TRAINING STEP: forward in training mode (embedding gather, Linear, BatchNorm with the batch mean and the
 *   UNBIASED batch variance, tanh/relu), softmax cross-entropy, the explicit backward of native/kernel/mlp.c
 *   (same formulas: dz = γ·istd·(dy − Σdy/B − x̂·Σ(dy·x̂)/(B−1)) …), and the SGD update p − lr·g. Every tensor is
 *   a graph input and its new value a graph output (`W1` → `W1.next`; BatchNorm's running buffers move by
 *   running·(1 − m) + batch·m), so weights live in buffers the caller owns and swaps. Gradients (`grad.W1`),
 *   hidden activations (`act.1`) and the loss gradients at them (`dact.1`) are graph outputs too, fetched only
 *   on the steps that capture them;
 * - INFERENCE: the same forward with BatchNorm from the running buffers, to logits and log-probabilities.
 *
 * Batch-dependent scalars (1/B, 1/(B−1)) and the learning rate are inputs, computed in float32 by the caller as
 * the kernel does, so the batch size stays symbolic ("B") and one session serves every batch size.
 * The per-row losses are an output ([B]); the caller sums them in float64.
 */
import { FLOAT, INT32, INT64, OnnxGraphWriter } from '../../io/onnxProto.js';
import { linearLayouts, paramSpecs, type ModelState } from '../../model/params.js';

/** Opset 13: ReduceSum takes its axes as an input; everything else used here is unchanged since. */
export const STEP_GRAPH_OPSET = 13;

/** Names of the training graph's non-tensor inputs and outputs. */
export const STEP_IO = {
  x: 'x',
  y: 'y',
  lr: 'lr',
  invN: 'inv_n',
  invN1: 'inv_n1',
  nll: 'nll',
  logits: 'logits',
  logProbs: 'log_probs',
} as const;

export const nextName = (tensor: string): string => `${tensor}.next`;
export const gradName = (tensor: string): string => `grad.${tensor}`;
export const activationName = (layer: number): string => `act.${layer}`;
export const activationGradName = (layer: number): string => `dact.${layer}`;

/** Whether the training graph has the 1/(B−1) input (only BatchNorm needs it). */
export const usesBatchNorm = (state: Pick<ModelState, 'config'>): boolean =>
  state.config.hidden.some((h) => h.batchNorm) || state.config.output.batchNorm;

interface BlockForward {
  /** Output of the block (after the activation). */
  H: string;
  /** BatchNorm's normalised input x̂ and 1/√(σ²+ε), kept for the backward pass. */
  xhat?: string;
  istd?: string;
}

/** Graph pieces both graphs share. */
class Builder {
  readonly g = new OnnxGraphWriter();

  constructor(readonly state: Pick<ModelState, 'config' | 'vocabSize'>) {}

  /** ReduceSum's axes (an input since opset 13), added on first use: onnxruntime warns about unused constants. */
  get axis0(): string {
    return this.g.intConst('axes_0', [1], [0], INT64);
  }

  get axis1(): string {
    return this.g.intConst('axes_1', [1], [1], INT64);
  }

  /** Every tensor of the model as an input of its own shape. */
  tensorInputs(): void {
    for (const spec of paramSpecs(this.state.config, this.state.vocabSize)) this.g.input(spec.name, FLOAT, spec.shape);
  }

  /** Sum over rows (axis 0) → [features]. */
  sumRows(t: string, out?: string): string {
    return this.g.op('ReduceSum', [t, this.axis0], [{ name: 'keepdims', int: 0 }], out);
  }

  /** [n] int32 indices → [n, classes] float one-hot rows, as (index == 0…classes−1). */
  oneHot(indicesColumn: string, classes: number): string {
    const range = this.g.intConst(`range_${classes}`, [1, classes], Array.from({ length: classes }, (_, k) => k), INT32);
    return this.g.op('Cast', [this.g.op('Equal', [indicesColumn, range])], [{ name: 'to', int: FLOAT }]);
  }

  /** tokens [B, block] → H0 [B, block·emb]. */
  embed(x: string): string {
    const emb = this.g.op('Gather', ['C', x], [{ name: 'axis', int: 0 }]);
    return this.g.op('Flatten', [emb], [{ name: 'axis', int: 1 }]);
  }

  /**
   * One Linear block forward. `train` gives the batch-statistics inputs and the names of the running-buffer
   * outputs; without it BatchNorm uses the running buffers. `out` names the block's output.
   */
  blockForward(i: number, Hin: string, bias: boolean, batchNorm: boolean, activation: 'tanh' | 'relu' | 'none', train: { invN: string; invN1: string } | null, out: string): BlockForward {
    const g = this.g;
    const { eps, momentum } = this.state.config.batchNorm;
    const plain = !batchNorm && activation === 'none';
    const zName = plain && !bias ? out : undefined;
    let z = g.op('MatMul', [Hin, `W${i}`], [], zName);
    if (bias) z = g.op('Add', [z, `b${i}`], [], plain ? out : undefined);
    if (!batchNorm) {
      if (activation === 'none') return { H: z };
      return { H: g.op(activation === 'tanh' ? 'Tanh' : 'Relu', [z], [], out) };
    }
    const epsC = g.floatConst(`eps`, [], [eps]);
    let centred: string;
    let variance: string;
    if (train) {
      const mean = g.op('Mul', [this.sumRows(z), train.invN]);
      centred = g.op('Sub', [z, mean]);
      variance = g.op('Mul', [this.sumRows(g.op('Mul', [centred, centred])), train.invN1]);
      // running = running·(1 − m) + batch·m, with (1 − m) rounded to float32 as the kernel does.
      const keep = g.floatConst('bn_keep', [], [Math.fround(1 - Math.fround(momentum))]);
      const m = g.floatConst('bn_momentum', [], [momentum]);
      g.op('Add', [g.op('Mul', [`mean${i}`, keep]), g.op('Mul', [mean, m])], [], nextName(`mean${i}`));
      g.op('Add', [g.op('Mul', [`var${i}`, keep]), g.op('Mul', [variance, m])], [], nextName(`var${i}`));
    } else {
      centred = g.op('Sub', [z, `mean${i}`]);
      variance = `var${i}`;
    }
    const istd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, epsC])])]);
    const xhat = g.op('Mul', [centred, istd]);
    const last = activation === 'none' ? out : undefined;
    const y = g.op('Add', [g.op('Mul', [xhat, `gamma${i}`]), `beta${i}`], [], last);
    const H = activation === 'none' ? y : g.op(activation === 'tanh' ? 'Tanh' : 'Relu', [y], [], out);
    return { H, xhat, istd };
  }
}

/** The training-step graph (see the file comment). */
export function encodeTrainStepGraph(state: Pick<ModelState, 'config' | 'vocabSize'>): Uint8Array {
  const b = new Builder(state);
  const g = b.g;
  const { config, vocabSize } = state;
  const layouts = linearLayouts(config, vocabSize);
  const bn = usesBatchNorm(state);
  const x = g.input(STEP_IO.x, INT32, ['B', config.blockSize]);
  const y = g.input(STEP_IO.y, INT32, ['B']);
  const lr = g.input(STEP_IO.lr, FLOAT, []);
  const invN = g.input(STEP_IO.invN, FLOAT, []);
  const invN1 = bn ? g.input(STEP_IO.invN1, FLOAT, []) : '';
  b.tensorInputs();

  // forward
  const H0 = b.embed(x);
  const inputs: string[] = [];
  const blocks: BlockForward[] = [];
  let h = H0;
  for (const l of layouts) {
    inputs.push(h);
    const out = l.isOutput ? STEP_IO.logits : activationName(l.index);
    const f = b.blockForward(l.index, h, l.block.bias, l.block.batchNorm, l.activation, { invN, invN1 }, out);
    blocks.push(f);
    h = f.H;
  }

  // loss: per-row −log softmax(logits)[y], and dLoss/dlogits of the MEAN loss = (softmax − onehot)/B
  const logProbs = g.op('LogSoftmax', [h], [{ name: 'axis', int: 1 }]);
  const yColumn = g.op('Reshape', [y, g.intConst('shape_col', [2], [-1, 1], INT64)]);
  const yHot = b.oneHot(yColumn, vocabSize);
  g.op('Neg', [g.op('ReduceSum', [g.op('Mul', [yHot, logProbs]), b.axis1], [{ name: 'keepdims', int: 0 }])], [], STEP_IO.nll);
  let dH = g.op('Mul', [g.op('Sub', [g.op('Exp', [logProbs]), yHot]), invN]);

  // backward, last block first
  const grads = new Map<string, string>();
  for (let k = layouts.length - 1; k >= 0; k--) {
    const l = layouts[k];
    const i = l.index;
    const f = blocks[k];
    let dZ = dH;
    if (l.activation === 'tanh') dZ = g.op('Mul', [dH, g.op('Sub', [g.floatConst('one', [], [1]), g.op('Mul', [f.H, f.H])])]);
    else if (l.activation === 'relu') dZ = g.op('Where', [g.op('Greater', [f.H, g.floatConst('zero', [], [0])]), dH, g.floatConst('zero', [], [0])]);
    if (l.block.batchNorm) {
      const dbeta = b.sumRows(dZ, gradName(`beta${i}`));
      const dgamma = b.sumRows(g.op('Mul', [dZ, f.xhat!]), gradName(`gamma${i}`));
      grads.set(`gamma${i}`, dgamma).set(`beta${i}`, dbeta);
      const k1 = g.op('Mul', [`gamma${i}`, f.istd!]);
      const k2 = g.op('Mul', [dbeta, invN]);
      const k3 = g.op('Mul', [dgamma, invN1]);
      dZ = g.op('Mul', [k1, g.op('Sub', [g.op('Sub', [dZ, k2]), g.op('Mul', [f.xhat!, k3])])]);
    }
    if (l.block.bias) grads.set(`b${i}`, b.sumRows(dZ, gradName(`b${i}`)));
    grads.set(`W${i}`, g.op('MatMul', [g.op('Transpose', [inputs[k]]), dZ], [], gradName(`W${i}`)));
    // dHin = dZ·Wᵀ with W before this step's update
    dH = g.op('MatMul', [dZ, g.op('Transpose', [`W${i}`])], [], k > 0 ? activationGradName(layouts[k - 1].index) : undefined);
  }
  // dC = onehot(tokens)ᵀ · dH0 reshaped to one row per (example, position): a product instead of a scatter-add.
  const tokens = g.op('Reshape', [x, g.intConst('shape_col', [2], [-1, 1], INT64)]);
  const dEmb = g.op('Reshape', [dH, g.intConst('shape_emb', [2], [-1, config.embeddingSize], INT64)]);
  grads.set('C', g.op('MatMul', [g.op('Transpose', [b.oneHot(tokens, vocabSize)]), dEmb], [], gradName('C')));

  // SGD: p − lr·g (a multiply, then a subtract: the kernel's float32 arithmetic)
  const specs = paramSpecs(config, vocabSize);
  for (const spec of specs.filter((s) => s.trainable)) {
    g.op('Sub', [spec.name, g.op('Mul', [lr, grads.get(spec.name)!])], [], nextName(spec.name));
  }

  g.output(STEP_IO.nll, FLOAT, ['B']);
  for (const spec of specs) g.output(nextName(spec.name), FLOAT, spec.shape);
  for (const spec of specs.filter((s) => s.trainable)) g.output(gradName(spec.name), FLOAT, spec.shape);
  for (const l of layouts.filter((l) => !l.isOutput)) {
    g.output(activationName(l.index), FLOAT, ['B', l.outFeatures]);
    g.output(activationGradName(l.index), FLOAT, ['B', l.outFeatures]);
  }
  return g.encode('makemore_train_step', STEP_GRAPH_OPSET);
}

/** The inference graph: tokens → logits and log-probabilities, BatchNorm from the running buffers. */
export function encodeInferenceGraph(state: Pick<ModelState, 'config' | 'vocabSize'>): Uint8Array {
  const b = new Builder(state);
  const g = b.g;
  const x = g.input(STEP_IO.x, INT32, ['B', state.config.blockSize]);
  b.tensorInputs();
  let h = b.embed(x);
  for (const l of linearLayouts(state.config, state.vocabSize)) {
    h = b.blockForward(l.index, h, l.block.bias, l.block.batchNorm, l.activation, null, l.isOutput ? STEP_IO.logits : `h${l.index}`).H;
  }
  g.op('LogSoftmax', [h], [{ name: 'axis', int: 1 }], STEP_IO.logProbs);
  g.output(STEP_IO.logits, FLOAT, ['B', state.vocabSize]);
  g.output(STEP_IO.logProbs, FLOAT, ['B', state.vocabSize]);
  return g.encode('makemore_inference', STEP_GRAPH_OPSET);
}
