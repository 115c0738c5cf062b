/**
 * An inspection snapshot: everything the app's gradient inspectors draw for one captured step, as plain
 * JSON-safe data (finite numbers, `null`, arrays) so it can be saved with a run and sent over IPC unchanged.
 *
 * Built from a backend's `trace()` (activations and dLoss/dactivation per hidden block), its `gradients()`,
 * the current tensors and the initial ones (to tell which parameters have ever moved).
 */
import type { LayerTrace } from '../compute/types.js';
import type { ModelConfig } from '../model/config.js';
import { paramSpecs } from '../model/params.js';
import { histogram, type Histogram } from './histogram.js';
import { hasChanged } from './changedSinceInit.js';
import { gradToDataRatio, tensorStats } from './stats.js';
import { updateToDataRatio } from './updateRatio.js';

/** Output of one hidden block's activation (the lecture's "tanh1", "tanh2", … plots). */
export interface ActivationStats {
  /** 1-based hidden block index (matches W{i}). */
  layer: number;
  name: string;
  mean: number;
  std: number;
  /** Percentage (0–100) of entries with |t| > 0.97. */
  saturatedPct: number;
  /** Fraction of entries exactly 0 (1 means the whole layer output is exactly 0 for this batch). */
  zeroFraction: number;
  maxAbs: number;
  histogram: Histogram;
}

/** dLoss/d(activation) of one hidden block. */
export interface LayerGradientStats {
  layer: number;
  name: string;
  mean: number;
  std: number;
  maxAbs: number;
  zeroFraction: number;
  histogram: Histogram;
}

/** One trainable parameter's gradient and data at this step. */
export interface ParamStats {
  name: string;
  shape: number[];
  gradMean: number;
  gradStd: number;
  gradMaxAbs: number;
  /** Fraction of gradient entries exactly 0. */
  gradZeroFraction: number;
  dataStd: number;
  dataMaxAbs: number;
  /** std(g) / std(w); null when std(w) = 0. */
  gradToData: number | null;
  /** log10(std(lr·g) / std(w)) at this step; null when undefined (see `updateToDataRatio`). */
  updateToData: number | null;
  /** Histogram of the gradient. */
  histogram: Histogram;
  /** Whether any element differs from its initial value (changedSinceInit.ts). */
  changed: boolean;
}

export interface InspectionSnapshot {
  step: number;
  lr: number;
  activations: ActivationStats[];
  layerGradients: LayerGradientStats[];
  params: ParamStats[];
}

/** Where the current tensors come from: a state's record or a backend's `tensor(name)`. */
export type TensorSource = Record<string, Float32Array> | ((name: string) => Float32Array);

export interface SnapshotInput {
  step: number;
  /** Learning rate of this step (for the update:data ratio). */
  lr: number;
  config: ModelConfig;
  vocabSize: number;
  /** Per hidden block activations and their gradients (may be empty when not captured this step). */
  traces: readonly LayerTrace[];
  /** This step's gradient of every trainable parameter, by name. */
  gradients: Readonly<Record<string, Float32Array>>;
  tensors: TensorSource;
  /** The tensors as initialised (before step 0). */
  initial: Readonly<Record<string, Float32Array>>;
}

function readTensor(source: TensorSource, name: string): Float32Array {
  const t = typeof source === 'function' ? source(name) : source[name];
  if (!t) throw new Error(`inspection: no tensor named ${name}`);
  return t;
}

export function buildSnapshot(input: SnapshotInput): InspectionSnapshot {
  const activations: ActivationStats[] = [];
  const layerGradients: LayerGradientStats[] = [];
  for (const t of input.traces) {
    const a = tensorStats(t.activation);
    activations.push({
      layer: t.layer,
      name: t.name,
      mean: a.mean,
      std: a.std,
      saturatedPct: a.saturatedFraction * 100,
      zeroFraction: a.zeroFraction,
      maxAbs: a.maxAbs,
      histogram: histogram(t.activation),
    });
    const g = tensorStats(t.gradient);
    layerGradients.push({
      layer: t.layer,
      name: t.name,
      mean: g.mean,
      std: g.std,
      maxAbs: g.maxAbs,
      zeroFraction: g.zeroFraction,
      histogram: histogram(t.gradient),
    });
  }

  const params: ParamStats[] = [];
  for (const spec of paramSpecs(input.config, input.vocabSize)) {
    if (!spec.trainable) continue;
    const grad = input.gradients[spec.name];
    if (!grad) throw new Error(`inspection: no gradient for ${spec.name}`);
    const data = readTensor(input.tensors, spec.name);
    const initial = input.initial[spec.name];
    if (!initial) throw new Error(`inspection: no initial value for ${spec.name}`);
    const g = tensorStats(grad);
    const w = tensorStats(data);
    params.push({
      name: spec.name,
      shape: [...spec.shape],
      gradMean: g.mean,
      gradStd: g.std,
      gradMaxAbs: g.maxAbs,
      gradZeroFraction: g.zeroFraction,
      dataStd: w.std,
      dataMaxAbs: w.maxAbs,
      gradToData: gradToDataRatio(g.std, w.std),
      updateToData: updateToDataRatio(input.lr, g.std, w.std),
      histogram: histogram(grad),
      changed: hasChanged(data, initial),
    });
  }
  return { step: input.step, lr: input.lr, activations, layerGradients, params };
}
