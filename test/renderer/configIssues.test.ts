import { describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { configIssues, parseNumberField } from '../../renderer/src/lib/configIssues.js';

describe('configIssues', () => {
  it('finds nothing wrong with a preset', () => {
    expect(configIssues(findPreset('bn3-fold')!.config)).toEqual({});
  });

  it('reports each bad field under its dotted path', () => {
    const config = structuredClone(findPreset('zero-init')!.config);
    config.train.steps = 0;
    config.train.learningRate.initial = -1;
    config.model.hidden[0].size = 2.5;
    config.train.batchSize = parseNumberField('abc');
    const issues = configIssues(config);
    expect(Object.keys(issues).sort()).toEqual(['model.hidden.0.size', 'train.batchSize', 'train.learningRate.initial', 'train.steps']);
    expect(issues['train.learningRate.initial']).toMatch(/> 0/);
    expect(issues['train.batchSize']).toBe('enter a number');
  });
});

describe('parseNumberField', () => {
  it('treats empty text as missing, not 0', () => {
    expect(parseNumberField(' 1e-5 ')).toBe(1e-5);
    expect(parseNumberField('')).toBeNaN();
  });
});
