import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../electron/engine/model/presets.js';
import { networkDiagram } from '../../renderer/src/lib/networkDiagram.js';

const preset = (id: string) => PRESETS.find((p) => p.id === id)!.config.model;

describe('networkDiagram', () => {
  it('draws bn3-fold: three Linears, three BatchNorms that fold into them, 16,424 parameters', () => {
    const d = networkDiagram(preset('bn3-fold'), 27);
    expect(d.parameters).toBe(16_424);
    expect(d.stages.map((s) => s.title)).toEqual([
      'tokens', 'Embedding', 'Linear 1', 'BatchNorm 1', 'tanh', 'Linear 2', 'BatchNorm 2', 'tanh', 'Linear 3 (output)', 'BatchNorm 3', 'logits → softmax',
    ]);
    expect(d.stages.map((s) => s.shape)).toEqual(['B×3', 'B×30', 'B×100', 'B×100', 'B×100', 'B×100', 'B×100', 'B×100', 'B×27', 'B×27', 'B×27']);
    const linear1 = d.stages[2];
    expect(linear1).toMatchObject({ tensors: ['W1 [30×100]'], parameters: 3000 });
    expect(d.stages[3]).toMatchObject({
      kind: 'batchnorm', parameters: 200, foldsInto: 'W1, b1',
      tensors: ['gamma1 [100]', 'beta1 [100]', 'mean1 [100] (buffer)', 'var1 [100] (buffer)'],
    });
    // The stages' counts add up to the total.
    expect(d.stages.reduce((n, s) => n + s.parameters, 0)).toBe(d.parameters);
  });

  it('draws zero-init: one tanh layer with biases, no BatchNorm, 11,897 parameters', () => {
    const d = networkDiagram(preset('zero-init'), 27);
    expect(d.parameters).toBe(11_897);
    expect(d.stages.filter((s) => s.kind === 'batchnorm')).toEqual([]);
    expect(d.stages.find((s) => s.title === 'Linear 1')).toMatchObject({ tensors: ['W1 [30×200]', 'b1 [200]'], parameters: 6200 });
    expect(d.stages.find((s) => s.kind === 'embedding')).toMatchObject({ tensors: ['C [27×10]'], parameters: 270 });
  });
});
