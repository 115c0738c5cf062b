/**
 * The app service end to end without a UI: real training processes (child_process.fork, as serve uses) on a
 * small words file, the batched updates the UI would receive, the stored history read back once, the
 * inspector's diagnosis for exercise 1, fold & compare & export for exercise 2, sampling, deletion, and a
 * killed trainer turning into a failed run.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { importLayersModel } from '../../electron/engine/io/layers.js';
import { decodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import { openRun } from '../../electron/engine/run/openRun.js';
import { maxAbsDiff, randomContexts } from '../../electron/engine/io/verify.js';
import type { ExperimentConfig, RunUpdate } from '../../electron/shared/contract.js';
import { TEST_NAMES, testLab } from '../helpers/labService.js';

const lab = testLab('lab-service-');
const { service, updates, changed } = lab;
let datasetId: string;

function config(presetId: string, steps: number): ExperimentConfig {
  const c = structuredClone(findPreset(presetId)!.config);
  c.train.steps = steps;
  c.train.inspectEvery = 100;
  c.train.evalEvery = 100;
  c.train.learningRate.decays = [];
  return c;
}

beforeAll(async () => {
  const summary = await lab.upload(TEST_NAMES);
  datasetId = summary.id;
  expect(summary.wordCount).toBe(TEST_NAMES.length);
});

describe('runs through training processes', () => {
  it('zero-init: batched updates carry every step once; stored history matches; diagnosis names b2', async () => {
    const t0 = Date.now();
    const started = await service.handlers['runs.start']({ config: config('zero-init', 600), datasetId, backend: 'auto' });
    expect(started.status).toBe('starting');
    const end = await lab.finished(started.id);
    const seconds = (Date.now() - t0) / 1000;
    expect(end.status).toBe('completed');

    const mine = updates.filter((u) => u.runId === started.id);
    // ≤ 20 messages per second (+ the immediate 'starting' and final flush).
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(seconds * 20) + 2);
    const streamed: number[] = [];
    for (const u of mine) {
      if (!u.loss) continue;
      expect(u.loss.fromStep).toBe(streamed.length); // only new steps, in order
      streamed.push(...u.loss.losses);
    }
    expect(streamed.length).toBe(600);
    expect(mine.find((u) => u.started)!.started!.params).toEqual(['C', 'W1', 'b1', 'W2', 'b2']);

    const detail = await service.handlers['runs.get']({ runId: started.id });
    expect(detail.summary.status).toBe('completed');
    expect(detail.losses.losses).toEqual(streamed);
    expect(detail.snapshots.map((s) => s.step).length).toBeGreaterThanOrEqual(5);
    expect(detail.result!.params.filter((p) => p.changed).map((p) => p.name)).toEqual(['b2']);

    const diagnosis = await service.handlers['inspect.diagnose']({ runId: started.id });
    expect(diagnosis.flags.receivingGradient).toEqual(['b2']);
    expect(diagnosis.flags.neverChanged.sort()).toEqual(['C', 'W1', 'W2', 'b1'].sort());
    expect(diagnosis.text).toMatch(/b2/);

    const list = await service.handlers['runs.list'](undefined);
    const line = list.find((r) => r.id === started.id)!;
    expect(line).toMatchObject({ status: 'completed', steps: 600, preset: 'zero-init', hasBatchNorm: false, parameterCount: 211 * detail.vocab.length + 6200 }); // C V×10 + W1 30×200 + b1 200 + W2 200×V + b2 V (11,897 for V = 27)

    // The dataset is named as the user named the upload, never by the server's upload path (issue 10, defect 2).
    expect(line.datasetName).toBe('words.txt');
    const record = JSON.parse(readFileSync(path.join(lab.runDir(started.id), 'run.json'), 'utf8'));
    expect(record.dataset.source.name).toBe('words.txt');

    const { words } = await service.handlers.sample({ source: { kind: 'run', runId: started.id }, count: 5, seed: 7 });
    expect(words).toHaveLength(5);
    const again = await service.handlers.sample({ source: { kind: 'run', runId: started.id }, count: 5, seed: 7 });
    expect(again.words).toEqual(words);
  });

  it('bn3-fold: fold plan, comparison with equal logits, export that reloads with equal logits', async () => {
    const started = await service.handlers['runs.start']({ config: config('bn3-fold', 300), datasetId, backend: 'auto' });
    expect((await lab.finished(started.id)).status).toBe('completed');

    const plan = await service.handlers['fold.preview']({ runId: started.id });
    expect(plan.layers.map((l) => l.layer)).toEqual([1, 2, 3]);
    expect(plan.layers.every((l) => !l.hadBias)).toBe(true);

    const cmp = await service.handlers['fold.compare']({ runId: started.id });
    for (const split of ['train', 'val', 'test'] as const) {
      expect(cmp.maxAbsLogitDiff[split]).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(cmp.loss.before[split]! - cmp.loss.after[split]!)).toBeLessThanOrEqual(1e-5);
    }
    expect(cmp.parameterCount.after).toBeLessThan(cmp.parameterCount.before);

    const exported = await service.handlers['fold.export']({ runId: started.id });
    expect(exported!.folder.startsWith(path.join(lab.dataDir, 'exports'))).toBe(true);
    expect(exported!.files.map((f) => f.name).sort()).toEqual(['README.md', 'lab-model.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin']);
    for (const f of exported!.files) expect(f.bytes).toBeGreaterThan(0);
    // The model card names the file the user uploaded and leaks no server folder.
    const card = readFileSync(path.join(exported!.folder, 'README.md'), 'utf8');
    expect(card).toMatch(/Dataset: words\.txt/);
    expect(card).not.toContain('uploads');
    expect(card).not.toContain(lab.tmp);

    // The exported files reload (Layers folder and safetensors) and give the unfolded model's logits.
    const run = await openRun(service.runs.dir(started.id));
    const layers = await importLayersModel(exported!.folder);
    const st = decodeModelSafetensors(new Uint8Array(readFileSync(path.join(exported!.folder, 'model.safetensors'))), 'model.safetensors');
    expect(layers.meta.folded).toBe(true);
    const x = randomContexts(run.state.vocabSize, run.state.config.blockSize, 256);
    const original = await createBackend(run.state, 'cpu');
    const fromLayers = await createBackend(layers.state, 'cpu');
    const fromSt = await createBackend(st.state, 'cpu');
    try {
      const a = original.logits(x, 256).slice();
      const b = fromLayers.logits(x, 256).slice();
      const c = fromSt.logits(x, 256).slice();
      expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(a, c)).toBeLessThanOrEqual(1e-4);
    } finally {
      original.dispose();
      fromLayers.dispose();
      fromSt.dispose();
    }

    const fromPath = await service.handlers.sample({ source: { kind: 'model', path: exported!.folder }, count: 3, seed: 1 });
    const fromRun = await service.handlers.sample({ source: { kind: 'run', runId: started.id, folded: true }, count: 3, seed: 1 });
    expect(fromPath.words).toEqual(fromRun.words);
  });

  it('pause, resume and stop reach the trainer; a killed trainer is a failed run', async () => {
    const started = await service.handlers['runs.start']({ config: config('zero-init', 2_000_000), datasetId, backend: 'cpu' });
    const waitFor = async (pred: (u: RunUpdate) => boolean) => {
      for (let i = 0; i < 600 && !updates.some((u) => u.runId === started.id && pred(u)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(updates.some((u) => u.runId === started.id && pred(u))).toBe(true);
    };
    await waitFor((u) => u.status === 'running');
    await service.handlers['runs.pause']({ runId: started.id });
    await waitFor((u) => u.status === 'paused');
    await service.handlers['runs.resume']({ runId: started.id });
    const pausedAt = updates.findIndex((u) => u.runId === started.id && u.status === 'paused');
    for (let i = 0; i < 600 && !updates.slice(pausedAt + 1).some((u) => u.runId === started.id && u.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(updates.slice(pausedAt + 1).some((u) => u.runId === started.id && u.status === 'running')).toBe(true);
    await expect(service.handlers['runs.delete']({ runId: started.id })).rejects.toThrow(/still running/);

    // Simulate a crash of the training process (as an out-of-memory kill would).
    const changedBefore = changed.length;
    service.shutdown();
    const end = await lab.finished(started.id);
    expect(end.status).toBe('failed');
    expect(end.error!.code).toBe('CRASHED');
    for (let i = 0; i < 100 && JSON.parse(readFileSync(path.join(service.runs.dir(started.id), 'run.json'), 'utf8')).status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const record = JSON.parse(readFileSync(path.join(service.runs.dir(started.id), 'run.json'), 'utf8'));
    expect(record.status).toBe('failed');
    const line = (await service.handlers['runs.list'](undefined)).find((r) => r.id === started.id)!;
    expect(line.status).toBe('failed');

    // The manager lets go of a run (and announces it) only once its process has exited and the record is written.
    for (let i = 0; i < 200 && !changed.slice(changedBefore).some((ids) => ids.includes(started.id)); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await service.handlers['runs.delete']({ runId: started.id });
    expect(existsSync(service.runs.dir(started.id))).toBe(false);
    expect((await service.handlers['runs.list'](undefined)).some((r) => r.id === started.id)).toBe(false);
  });
});
