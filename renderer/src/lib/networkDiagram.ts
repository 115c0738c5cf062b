/**
 * The configured network as a list of stages for the diagram (embedding → blocks → logits): each stage's output
 * shape for a batch of B examples, its tensors and trainable parameter count, and, for each BatchNorm, the Linear
 * it folds into. Built from the engine's own parameter layout (paramSpecs/linearLayouts), so the counts are the
 * ones training uses. Pure: unit-tested in test/renderer/networkDiagram.test.ts.
 */
import type { ModelConfig } from '../../../electron/engine/model/config.js';
import { linearLayouts, paramSpecs } from '../../../electron/engine/model/params.js';

export type StageKind = 'input' | 'embedding' | 'linear' | 'batchnorm' | 'activation' | 'output';

export interface Stage {
  kind: StageKind;
  /** What the stage is, e.g. "Linear 1", "BatchNorm 1", "tanh". */
  title: string;
  /** Output shape with B for the batch, e.g. "B×100". */
  shape: string;
  /** The stage's tensors with shapes, e.g. ["W1 [30×100]", "b1 [100]"]. */
  tensors: string[];
  /** Trainable parameters in this stage (running buffers excluded). */
  parameters: number;
  /** For a BatchNorm: the Linear its γ, β, μ, σ² fold into ("W1, b1"). */
  foldsInto?: string;
}

export interface Diagram {
  stages: Stage[];
  /** Trainable parameters in total (equal to the model's parameter count). */
  parameters: number;
}

export function networkDiagram(config: ModelConfig, vocabSize: number): Diagram {
  const specs = paramSpecs(config, vocabSize);
  const byLayer = (layer: number, roles: string[]) => specs.filter((s) => s.layer === layer && roles.includes(s.role));
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const describe = (s: { name: string; shape: number[] }) => `${s.name} [${s.shape.join('×')}]`;
  const trainable = (list: typeof specs) => list.filter((s) => s.trainable).reduce((n, s) => n + size(s.shape), 0);

  const emb = specs.filter((s) => s.role === 'embedding');
  const stages: Stage[] = [
    { kind: 'input', title: 'tokens', shape: `B×${config.blockSize}`, tensors: [], parameters: 0 },
    {
      kind: 'embedding',
      title: 'Embedding',
      shape: `B×${config.blockSize * config.embeddingSize}`,
      tensors: emb.map(describe),
      parameters: trainable(emb),
    },
  ];
  for (const l of linearLayouts(config, vocabSize)) {
    const linear = byLayer(l.index, ['weight', 'bias']);
    stages.push({
      kind: 'linear',
      title: l.isOutput ? `Linear ${l.index} (output)` : `Linear ${l.index}`,
      shape: `B×${l.outFeatures}`,
      tensors: linear.map(describe),
      parameters: trainable(linear),
    });
    if (l.block.batchNorm) {
      const bn = byLayer(l.index, ['gamma', 'beta', 'runningMean', 'runningVar']);
      stages.push({
        kind: 'batchnorm',
        title: `BatchNorm ${l.index}`,
        shape: `B×${l.outFeatures}`,
        tensors: bn.map((s) => describe(s) + (s.trainable ? '' : ' (buffer)')),
        parameters: trainable(bn),
        foldsInto: `W${l.index}, b${l.index}`,
      });
    }
    if (l.activation !== 'none') stages.push({ kind: 'activation', title: l.activation, shape: `B×${l.outFeatures}`, tensors: [], parameters: 0 });
  }
  stages.push({ kind: 'output', title: 'logits → softmax', shape: `B×${vocabSize}`, tensors: [], parameters: 0 });
  return { stages, parameters: trainable(specs) };
}
