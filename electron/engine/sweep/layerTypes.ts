/**
 * A run's per-layer summary for sweeps (computed in layerSummary.ts). Types only, so the renderer can use them.
 */

export interface LayerSummary {
  /** 1-based hidden block (its weight is W{layer}). */
  layer: number;
  /** The activation's name as the inspectors show it, e.g. `tanh3`. */
  name: string;
  /** Percentage (0–100) of the layer's outputs with |h| > 0.97 at the snapshot. */
  saturation: number;
  /** Standard deviation of the layer's outputs at the snapshot. */
  std: number;
  /** Mean log10 update:data ratio of W{layer} over the last `UPDATE_RATIO_WINDOW` recorded steps; null if none. */
  updateRatioLog10: number | null;
}

export interface RunLayerSummary {
  /** The step of the snapshot the activations come from. */
  step: number;
  layers: LayerSummary[];
}
