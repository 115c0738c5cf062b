/** The Sweep view's field picker, value lists, estimate, ordering and colours on real preset configurations. */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { setPath } from '../../electron/engine/model/configPath.js';
import { bestCompletedRow, estimateSeconds, heatColor, leafFields, orderByDevLoss, parseValueList } from '../../renderer/src/lib/sweepGrid.js';

describe('leafFields', () => {
  it('lists the numeric and boolean leaves of a preset, with * over the hidden layers, and every one can be set', () => {
    const config = findPreset('deep-tanh-gain')!.config;
    const fields = leafFields(config);
    const paths = fields.map((f) => f.path);
    expect(paths).toContain('train.learningRate.initial');
    expect(paths).toContain('train.batchSize');
    expect(paths).toContain('model.hidden.*.weightInit.gain');
    expect(paths).toContain('model.hidden.0.size');
    expect(paths).toContain('model.hidden.*.batchNorm');
    // Strings (the preset name, init kinds, activations) are not offered.
    expect(paths).not.toContain('preset');
    expect(paths.some((p) => p.endsWith('.kind') || p.endsWith('.activation'))).toBe(false);
    expect(fields.find((f) => f.path === 'model.hidden.*.batchNorm')!.kind).toBe('boolean');
    for (const f of fields) {
      // The engine accepts every offered path with a value of its kind.
      expect(() => setPath(config, f.path, f.kind === 'number' ? 1 : true)).not.toThrow();
    }
  });

  it('offers * only for a field every element has', () => {
    const config = structuredClone(findPreset('deep-tanh-gain')!.config);
    config.model.hidden[0].weightInit = { kind: 'zero' };
    const paths = leafFields(config).map((f) => f.path);
    expect(paths).not.toContain('model.hidden.*.weightInit.gain');
    expect(paths).toContain('model.hidden.1.weightInit.gain');
  });
});

describe('parseValueList', () => {
  const gain = { path: 'model.hidden.*.weightInit.gain', kind: 'number' as const, current: '1' };
  it('reads numbers and fractions', () => {
    expect(parseValueList('0.5, 1, 5/3 ,3', gain)).toEqual({ values: [0.5, 1, 5 / 3, 3] });
  });
  it('refuses a wrong type, a repeat, a typo and an empty list, naming the field', () => {
    expect(parseValueList('1, true', gain)).toEqual({ error: "model.hidden.*.weightInit.gain: 'true' is not a number" });
    expect(parseValueList('1, 1', gain)).toEqual({ error: 'model.hidden.*.weightInit.gain: 1 is listed twice' });
    expect('error' in parseValueList('1e', gain)).toBe(true);
    expect('error' in parseValueList(' , ', gain)).toBe(true);
    expect(parseValueList('true,false', { path: 'x', kind: 'boolean', current: 'true' })).toEqual({ values: [true, false] });
  });
});

describe('estimate, order, colours', () => {
  it('estimates grid × steps ÷ steps/s, unknown without a speed', () => {
    expect(estimateSeconds(4, 1000, 500)).toBe(8);
    expect(estimateSeconds(4, 1000, null)).toBeNull();
  });
  it('orders by dev loss with unfinished runs last', () => {
    expect(orderByDevLoss([2.5, null, 2.1, 2.3])).toEqual([2, 3, 0, 1]);
  });
  it('marks best only a completed run: a stopped one measured its dev loss after fewer steps', () => {
    // A sweep stopped early (seen in the UI walk): 0.1 stopped at step ~2,400, 0.05 at ~50, 0.01 never started.
    const stopped = [
      { dev: 2.8677, status: 'stopped' },
      { dev: 3.1884, status: 'stopped' },
      { dev: null, status: 'stopped' },
    ];
    expect(bestCompletedRow(stopped)).toBe(-1);
    // The stopped run's lower loss does not beat the completed ones'; the best completed row wins.
    expect(bestCompletedRow([{ dev: 2.4, status: 'completed' }, { dev: 2.1, status: 'stopped' }, { dev: 2.3, status: 'completed' }, { dev: null, status: 'running' }])).toBe(2);
    expect(bestCompletedRow([])).toBe(-1);
  });
  it('colours the best cell green and the worst red', () => {
    expect(heatColor(1, 1, 2)).toBe('hsl(120 65% 78%)');
    expect(heatColor(2, 1, 2)).toBe('hsl(0 65% 78%)');
  });
});
