/**
 * Names every compute backend gives its hidden-layer traces, so inspectors label layers the same way whichever
 * backend trained the model: the activation kind plus the 1-based Linear index, as the lecture labels its plots
 * ("tanh1", "relu2"); a block without activation is "linear3".
 */
import type { LinearLayout } from '../model/params.js';

export function layerTraceName(layout: Pick<LinearLayout, 'index' | 'activation'>): string {
  const kind = layout.activation === 'none' ? 'linear' : layout.activation;
  return `${kind}${layout.index}`;
}
