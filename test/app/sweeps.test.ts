/**
 * The app's sweeps through the service over real training processes (child_process.fork, as serve uses): a 2-point
 * grid becomes two ordinary runs in the worker queue, both complete, and `sweeps.list` gives the sweep back with
 * each run's values and final losses, also from a fresh service over the same data folder (the app restarted).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabService } from '../../electron/app/service.js';
import { ratioHistory, recentUpdateRatios } from '../../electron/engine/inspect/updateRatio.js';
import { readStoredRun } from '../../electron/engine/run/runFolder.js';
import { forkWorker, type SpawnWorker } from '../../electron/engine/worker/client.js';
import { validateRequest } from '../../electron/shared/channels.js';
import type { SweepInfo } from '../../electron/shared/sweepTypes.js';
import { TEST_NAMES, testLab } from '../helpers/labService.js';

const WORDS = TEST_NAMES.slice(0, 24);
const lab = testLab('lab-sweeps-', { workerLimit: 2 });
const service = lab.service;
let datasetId: string;

async function settled(svc: LabService, id: string, timeoutMs = 120_000): Promise<SweepInfo> {
  const t0 = Date.now();
  for (;;) {
    const sweep = (await svc.handlers['sweeps.list'](undefined)).find((s) => s.id === id)!;
    // Ended, with the final losses saved (a run stopped while queued never trained: it has none).
    const ended = (r: SweepInfo['runs'][number]) =>
      r.summary && ['completed', 'stopped', 'failed'].includes(r.summary.status) && (r.summary.loss || r.summary.steps === 0);
    if (sweep.runs.every(ended)) return sweep;
    if (Date.now() - t0 > timeoutMs) throw new Error(`sweep ${id} did not finish: ${JSON.stringify(sweep.runs.map((r) => r.summary?.status))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  datasetId = (await lab.upload(WORDS)).id;
});

describe('sweeps.start / sweeps.list', () => {
  it('runs one ordinary run per grid point and lists the sweep with values and final losses', async () => {
    const started = await service.handlers['sweeps.start']({
      presetId: 'fix-softmax',
      datasetId,
      vary: [{ path: 'train.learningRate.initial', values: [0.1, 0.05] }],
      steps: 60,
      seed: 7,
    });
    expect(started.runs.map((r) => r.values)).toEqual([{ 'train.learningRate.initial': 0.1 }, { 'train.learningRate.initial': 0.05 }]);
    expect(started.steps).toBe(60);
    // They are ordinary runs: Runs lists them.
    const listed = (await service.handlers['runs.list'](undefined)).map((r) => r.id);
    for (const r of started.runs) expect(listed).toContain(r.runId);

    expect(started.status).toBe('running');
    const done = await settled(service, started.id);
    expect(done.runs.map((r) => r.summary!.status)).toEqual(['completed', 'completed']);
    expect(done.status).toBe('completed');
    for (const r of done.runs) {
      // The per-layer summary is the one hidden layer's numbers at the run's final snapshot (what Inspect shows)
      // and W1's update:data averaged over the last 100 steps.
      const stored = await readStoredRun(lab.runDir(r.runId));
      const final = stored.snapshots[stored.snapshots.length - 1];
      expect(final.step).toBe(59);
      expect(r.layers!.step).toBe(59);
      expect(r.layers!.layers).toHaveLength(1);
      expect(r.layers!.layers[0].saturation).toBe(final.activations[0].saturatedPct);
      expect(r.layers!.layers[0].std).toBe(final.activations[0].std);
      expect(r.layers!.layers[0].updateRatioLog10).toBeCloseTo(recentUpdateRatios(ratioHistory(stored.ratios!), 59).get('W1')!, 12);
      const record = JSON.parse(readFileSync(path.join(lab.runDir(r.runId), 'run.json'), 'utf8'));
      // Each run trained the point's value, and the sweep reports the run folder's own numbers.
      expect(record.config.train.learningRate.initial).toBe(r.values['train.learningRate.initial']);
      expect(record.config.train.steps).toBe(60);
      expect(record.config.train.seed).toBe(7);
      expect(r.summary!.loss).toEqual(record.result.loss);
      expect(r.stepsPerSecond).toBe(record.result.stepsPerSecond);
      expect(r.stepsPerSecond!).toBeGreaterThan(0);
    }
    // Different learning rates, different losses.
    expect(done.runs[0].summary!.loss!.val).not.toBe(done.runs[1].summary!.loss!.val);

    // Saved: a fresh service over the same folder lists it again.
    const again = lab.another();
    const reopened = (await again.handlers['sweeps.list'](undefined)).find((s) => s.id === started.id)!;
    expect(reopened.vary).toEqual([{ path: 'train.learningRate.initial', values: [0.1, 0.05] }]);
    expect(reopened.runs.map((r) => r.summary?.loss)).toEqual(done.runs.map((r) => r.summary?.loss));
    const estimate = await again.handlers['sweeps.estimate']({ preset: 'fix-softmax' });
    expect([done.runs[0].stepsPerSecond, done.runs[1].stepsPerSecond]).toContain(estimate.stepsPerSecond);
  }, 180_000);

  it('refuses a bad path or value with one line naming it, and starts nothing', async () => {
    const before = (await service.handlers['runs.list'](undefined)).length;
    await expect(
      service.handlers['sweeps.start']({ presetId: 'zero-init', datasetId, vary: [{ path: 'train.learningRat.initial', values: [0.1] }] }),
    ).rejects.toThrow(/train\.learningRat\.initial: train has no field 'learningRat'/);
    await expect(
      service.handlers['sweeps.start']({ presetId: 'zero-init', datasetId, vary: [{ path: 'train.batchSize', values: [32, -1] }] }),
    ).rejects.toThrow(/sweep point train\.batchSize=-1: train\.batchSize:/);
    await expect(
      service.handlers['sweeps.start']({ presetId: 'zero-init', datasetId, vary: [{ path: 'train.batchSize', values: [true] }] }),
    ).rejects.toThrow(/train\.batchSize: expects a number, got a boolean/);
    await expect(service.handlers['sweeps.start']({ recipeId: 'no-such', datasetId })).rejects.toThrow(/recipeId: no built-in sweep 'no-such'/);
    const sweeps = (await service.handlers['sweeps.list'](undefined)).length;
    await expect(service.handlers['sweeps.start']({ presetId: 'zero-init', datasetId: 'nope', vary: [{ path: 'train.seed', values: [1] }] })).rejects.toThrow(
      'that dataset is no longer loaded; open it again',
    );
    expect((await service.handlers['runs.list'](undefined)).length).toBe(before);
    expect((await service.handlers['sweeps.list'](undefined)).length).toBe(sweeps); // no sweep saved for it either
    // The channel itself: exactly one source, at most two varied fields.
    expect(validateRequest('sweeps.start', { presetId: 'zero-init', recipeId: 'tanh-gain', datasetId }).ok).toBe(false);
    const three = [1, 2, 3].map((k) => ({ path: `p${k}`, values: [1] }));
    expect(validateRequest('sweeps.start', { presetId: 'zero-init', datasetId, vary: three }).ok).toBe(false);
  });

  it('a built-in recipe brings its preset and grid', async () => {
    const sweep = await service.handlers['sweeps.start']({ recipeId: 'init-scale', datasetId, steps: 1 });
    expect(sweep.recipe).toBe('init-scale');
    expect(sweep.preset).toBe('fix-softmax');
    expect(sweep.runs.map((r) => r.values['model.output.weightInit.scale'])).toEqual([1, 0.1, 0.01]);
    const done = await settled(service, sweep.id);
    expect(done.runs.map((r) => r.summary!.status)).toEqual(['completed', 'completed', 'completed']);
    // The 1-step losses fall as the output layer's scale shrinks (the hockey stick's start).
    const val = done.runs.map((r) => r.summary!.loss!.val);
    expect(val[0]).toBeGreaterThan(val[1]);
    expect(val[1]).toBeGreaterThan(val[2]);
  }, 180_000);

  it('sweeps.stop stops the training and queued runs (saved as stopped) and keeps the finished one', async () => {
    // Two workers: the 40-step point finishes, the next two train, the last waits in the queue.
    const started = await service.handlers['sweeps.start']({
      presetId: 'fix-softmax',
      datasetId,
      vary: [{ path: 'train.steps', values: [40, 20_000_000, 30_000_000, 40_000_000] }],
      seed: 3,
    });
    const ids = started.runs.map((r) => r.runId);
    const t0 = Date.now();
    for (;;) {
      const byId = new Map((await service.handlers['runs.list'](undefined)).map((r) => [r.id, r]));
      if (byId.get(ids[0])?.status === 'completed' && byId.get(ids[1])!.steps > 0 && byId.get(ids[2])!.steps > 0) break;
      if (Date.now() - t0 > 60_000) throw new Error('the sweep did not get going');
      await new Promise((r) => setTimeout(r, 100));
    }
    const stopping = await service.handlers['sweeps.stop']({ sweepId: started.id });
    expect(stopping.id).toBe(started.id);
    const done = await settled(service, started.id);
    expect(done.runs.map((r) => r.summary!.status)).toEqual(['completed', 'stopped', 'stopped', 'stopped']);
    expect(done.status).toBe('stopped');
    const records = ids.map((id) => JSON.parse(readFileSync(path.join(lab.runDir(id), 'run.json'), 'utf8')));
    expect(records.map((r) => r.status)).toEqual(['completed', 'stopped', 'stopped', 'stopped']);
    expect(records[0].result.steps).toBe(40);
    for (const r of records.slice(1, 3)) expect(r.result.steps).toBeLessThan(r.config.train.steps);
    // The queued one never trained.
    expect(records[3].result).toBeNull();
    // Stopping again finds nothing to stop; an unknown sweep is named.
    expect((await service.handlers['sweeps.stop']({ sweepId: started.id })).status).toBe('stopped');
    await expect(service.handlers['sweeps.stop']({ sweepId: 'no-such-sweep' })).rejects.toThrow(/sweepId: no sweep 'no-such-sweep'/);
  }, 180_000);

  it('a queued run that is stopped never starts a training process: it is saved as stopped at step 0', async () => {
    // One worker: the first point trains, the other two wait in the queue. Every training process is counted.
    const trainProcesses: string[] = [];
    const counting: SpawnWorker = (kind) => {
      if (kind === 'train') trainProcesses.push(kind);
      return forkWorker(kind);
    };
    const svc = lab.another({ spawnWorker: counting, workerLimit: 1 });
    const dataset = await lab.upload(WORDS, svc);
    const started = await svc.handlers['sweeps.start']({
      presetId: 'fix-softmax',
      datasetId: dataset.id,
      vary: [{ path: 'train.seed', values: [1, 2, 3] }],
      steps: 50_000_000,
    });
    const ids = started.runs.map((r) => r.runId);
    const t0 = Date.now();
    while (!((await svc.handlers['runs.list'](undefined)).find((r) => r.id === ids[0])!.steps > 0)) {
      if (Date.now() - t0 > 60_000) throw new Error('the first point did not start training');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(trainProcesses).toHaveLength(1);
    expect(await svc.handlers['workers.get'](undefined)).toMatchObject({ queued: [{ runId: ids[1] }, { runId: ids[2] }] });

    const stopping = await svc.handlers['sweeps.stop']({ sweepId: started.id });
    // Answered once the queued ones are saved: they are stopped already, the training one still finishes its step.
    expect(stopping.runs.slice(1).map((r) => r.summary?.status)).toEqual(['stopped', 'stopped']);
    expect((await svc.handlers['workers.get'](undefined)).queued).toEqual([]);
    const done = await settled(svc, started.id);
    expect(done.runs.map((r) => r.summary!.status)).toEqual(['stopped', 'stopped', 'stopped']);
    // Give a wrongly started process time to show up: the slot the first run freed must stay unused.
    await new Promise((r) => setTimeout(r, 1500));
    expect(trainProcesses).toHaveLength(1);

    for (const [k, id] of ids.slice(1).entries()) {
      const dir = lab.runDir(id);
      // Only run.json: no metrics, snapshots or model, since nothing trained.
      expect(readdirSync(dir)).toEqual(['run.json']);
      const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
      expect(record).toMatchObject({ id, status: 'stopped', checkpointStep: 0, result: null, error: null, backend: null });
      expect(record.config.train.seed).toBe(k + 2);
      expect(record.vocab).toEqual(dataset.vocab);
      expect(record.dataset.source).toEqual({ name: 'words.txt', path: dataset.path, bytes: dataset.bytes, sha256: dataset.sha256 });
      expect(done.runs[k + 1].summary).toMatchObject({ steps: 0, loss: null, datasetName: 'words.txt', parameterCount: done.runs[0].summary!.parameterCount });
      expect(done.runs[k + 1].layers).toBeNull();
      // It opens like any run: an empty history.
      const detail = await svc.handlers['runs.get']({ runId: id });
      expect(detail.summary.status).toBe('stopped');
      expect([detail.losses.losses, detail.snapshots, detail.evals, detail.result]).toEqual([[], [], [], null]);
    }
    // The same data as the run that trained records (which read the file in its own process).
    const trained = JSON.parse(readFileSync(path.join(lab.runDir(ids[0]), 'run.json'), 'utf8'));
    const queued = JSON.parse(readFileSync(path.join(lab.runDir(ids[1]), 'run.json'), 'utf8'));
    expect(queued.dataset).toEqual(trained.dataset);
    expect(queued.vocab).toEqual(trained.vocab);
  }, 120_000);

  it('never overwrites a sweeps.json it cannot read', async () => {
    const file = path.join(lab.dataDir, 'sweeps.json');
    const saved = existsSync(file) ? readFileSync(file, 'utf8') : null;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{ hand-edited');
    const runsBefore = (await service.handlers['runs.list'](undefined)).length;
    await expect(
      service.handlers['sweeps.start']({ presetId: 'zero-init', datasetId, vary: [{ path: 'train.seed', values: [1] }], steps: 1 }),
    ).rejects.toThrow(/sweeps\.json: not a list of sweeps/);
    expect(readFileSync(file, 'utf8')).toBe('{ hand-edited');
    // Refused before any run started.
    expect((await service.handlers['runs.list'](undefined)).length).toBe(runsBefore);
    expect(await service.handlers['sweeps.list'](undefined)).toEqual([]);
    if (saved === null) rmSync(file);
    else writeFileSync(file, saved);
  });
});
