/**
 * The `backprop.check` channel end to end without a UI: the service answers from a real model-job process
 * (child_process.fork, as serve uses) — a preset at initialisation and a trained run at its final parameters.
 */
import { describe, expect, it } from 'vitest';
import { BACKPROP_HISTOGRAM_BINS, BACKPROP_VALUES_SHOWN } from '../../electron/engine/backprop/backpropTable.js';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { validateRequest } from '../../electron/shared/channels.js';
import { testLab } from '../helpers/labService.js';

const lab = testLab('lab-backprop-');
const service = lab.service;

// The lecture's backward order (as `lab backprop --preset backprop-ninja` prints it), then the two fused shortcuts.
const NINJA_ORDER = [
  'logprobs', 'probs', 'counts_sum_inv', 'counts_sum', 'counts', 'norm_logits', 'logit_maxes', 'logits', 'W2', 'b2',
  'h1', 'hpreact1', 'gamma1', 'beta1', 'bnraw1', 'bnvar_inv1', 'bnvar1', 'bndiff2_1', 'bndiff1', 'bnmeani1', 'hprebn1',
  'W1', 'b1', 'embcat', 'emb', 'C', 'logits (fused)', 'hprebn1 (fused)',
];

describe('backprop.check', () => {
  it('backprop-ninja at initialisation: every row approx in backward order, with histograms and values side by side', async () => {
    const table = await service.handlers['backprop.check']({ presetId: 'backprop-ninja' });
    expect(table.what).toBe('preset backprop-ninja at initialisation');
    expect(table.seed).toBe(findPreset('backprop-ninja')!.config.train.seed);
    expect(table.batchSize).toBe(32);
    expect(table.rows.map((r) => r.name)).toEqual(NINJA_ORDER);
    expect(table.rows.every((r) => r.approx)).toBe(true);
    // Float32 sums in another order: approximately, not always exactly, equal; within the stated tolerance.
    for (const r of table.rows) expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
    for (const r of table.rows) {
      expect(r.size).toBe(r.shape.reduce((a, b) => a * b, 1));
      expect(r.histogram.counts).toHaveLength(BACKPROP_HISTOGRAM_BINS);
      expect(r.histogram.total).toBe(r.size);
      expect(r.manual).toHaveLength(Math.min(BACKPROP_VALUES_SHOWN, r.size));
      expect(r.reference).toHaveLength(r.manual.length);
      expect(r.shownMaxDiff).toBe(Math.max(...r.manual.map((m, i) => Math.abs(m - r.reference[i]))));
      expect(r.shownMaxDiff).toBeLessThanOrEqual(r.maxDiff);
    }
    const dlogits = table.rows.find((r) => r.name === 'logits')!;
    const [n, vocab] = dlogits.shape;
    expect(n).toBe(32);
    // Each row of dlogits = (softmax − onehot)/n sums to 0: the first `vocab` values are batch row 0.
    expect(Math.abs(dlogits.manual.slice(0, vocab).reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
    // Not all zeros: the non-standard initialisation leaves nothing to hide behind.
    expect(dlogits.manual.some((v) => Math.abs(v) > 1e-4)).toBe(true);

    // Another seed: another network and batch, still all approx.
    const other = await service.handlers['backprop.check']({ presetId: 'backprop-ninja', seed: 7 });
    expect(other.seed).toBe(7);
    expect(other.loss).not.toBe(table.loss);
    expect(other.rows.every((r) => r.approx)).toBe(true);
  });

  it('a trained run at its final parameters, on its own dataset', async () => {
    const config = structuredClone(findPreset('backprop-ninja')!.config);
    config.train.steps = 20;
    config.train.inspectEvery = 100;
    config.train.evalEvery = 100;
    const dataset = await service.handlers['dataset.loadBuiltIn'](undefined);
    const started = await service.handlers['runs.start']({ config, datasetId: dataset.id, backend: 'cpu' });
    await lab.finished(started.id);
    const table = await service.handlers['backprop.check']({ runId: started.id });
    expect(table.what).toBe(`run ${started.id} at its final parameters`);
    expect(table.rows.map((r) => r.name)).toEqual(NINJA_ORDER);
    expect(table.rows.every((r) => r.approx)).toBe(true);
    // Trained for 20 steps: another loss than the same network at initialisation with the same first batch.
    const atInit = await service.handlers['backprop.check']({ presetId: 'backprop-ninja' });
    expect(table.loss).toBeLessThan(atInit.loss);
  });

  it('names the unknown preset; the request is a run or a preset, not both', async () => {
    const error = await service.handlers['backprop.check']({ presetId: 'no-such-preset' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('ARGUMENT');
    expect((error as LabError).message).toBe("unknown preset 'no-such-preset'");
    expect(validateRequest('backprop.check', { presetId: 'backprop-ninja', runId: 'x' }).ok).toBe(false);
    expect(validateRequest('backprop.check', { presetId: 'backprop-ninja', seed: -1 }).ok).toBe(false);
    expect(validateRequest('backprop.check', { presetId: 'backprop-ninja', seed: 3 }).ok).toBe(true);
  });
});
