/** The sweep's grid and scheduler (the training processes themselves are exercised in test/cli/sweep.test.ts). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadsPerProcess } from '../../electron/engine/compute/fused/kernelThreads.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { expandGrid, MAX_GRID, pointName } from '../../electron/engine/sweep/grid.js';
import { startSweep, type LaunchRun } from '../../electron/engine/sweep/runSweep.js';
import { readSweepRecord, type SweepRecord } from '../../electron/engine/sweep/sweepFolder.js';
import type { TrainResult } from '../../electron/engine/train/types.js';
import { tempDir } from '../helpers/fixtures.js';

const base = findPreset('deep-tanh-gain')!.config;

describe('expandGrid', () => {
  it('is the product of the axes, the first varying slowest, each point its own configuration', () => {
    const points = expandGrid(base, [
      { path: 'model.hidden.*.weightInit.gain', values: [1, 5 / 3] },
      { path: 'train.batchSize', values: [16, 32, 64] },
    ]);
    expect(points.map((p) => [p.values['model.hidden.*.weightInit.gain'], p.values['train.batchSize']])).toEqual([
      [1, 16], [1, 32], [1, 64], [5 / 3, 16], [5 / 3, 32], [5 / 3, 64],
    ]);
    for (const p of points) {
      expect(p.config.train.batchSize).toBe(p.values['train.batchSize']);
      expect(p.config.model.hidden.every((h) => (h.weightInit as { gain: number }).gain === p.values['model.hidden.*.weightInit.gain'])).toBe(true);
    }
    expect(points.map((p) => p.name)).toEqual([
      '01-gain-1_batchSize-16', '02-gain-1_batchSize-32', '03-gain-1_batchSize-64',
      '04-gain-1.6667_batchSize-16', '05-gain-1.6667_batchSize-32', '06-gain-1.6667_batchSize-64',
    ]);
    expect(base.train.batchSize).toBe(32);
  });

  it('names are valid run ids whatever the values', () => {
    expect(pointName(0, 3, { preset: 'a b/../c', 'model.hidden.0.bias': true })).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(pointName(99, 100, { 'train.seed': 1 })).toBe('100-seed-1');
  });

  it('refuses a repeated path, no axes and a grid over the limit', () => {
    expect(() => expandGrid(base, [])).toThrow(/at least one --vary/);
    expect(() => expandGrid(base, [{ path: 'train.seed', values: [1] }, { path: 'train.seed', values: [2] }])).toThrow(/given twice/);
    const many = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(() => expandGrid(base, [{ path: 'train.seed', values: many }, { path: 'train.batchSize', values: many }])).toThrow(`at most ${MAX_GRID}`);
  });

  it('validate sees every point and may refuse one', () => {
    expect(() =>
      expandGrid(base, [{ path: 'train.batchSize', values: [16, 0] }], (c) => {
        if (c.train.batchSize < 1) throw new Error('batch 0');
        return c;
      }),
    ).toThrow('batch 0');
  });
});

/** Training processes that finish when the test says so, recording how many ran at once. */
function controllableLaunch() {
  const live = new Map<string, { finish: (status: 'completed' | 'stopped') => void; stopped: boolean }>();
  let peak = 0;
  const requests: Parameters<LaunchRun>[0][] = [];
  const launch: LaunchRun = (request) => {
    requests.push(request);
    let finish!: (status: 'completed' | 'stopped') => void;
    const done = new Promise<TrainResult>((resolve) => {
      finish = (status) => {
        live.delete(request.runDir);
        resolve({ status, loss: { train: request.config.train.batchSize, val: 1, test: 1 }, stepsPerSecond: 10 } as TrainResult);
      };
    });
    const entry = { finish, stopped: false };
    live.set(request.runDir, entry);
    peak = Math.max(peak, live.size);
    return { stop: () => ((entry.stopped = true), finish('stopped')), kill: () => finish('stopped'), done };
  };
  return { launch, live, requests, peak: () => peak };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

function record(): SweepRecord {
  return {
    format: 'makemore-lab-sweep', version: 1, createdAt: '', updatedAt: '', source: { preset: 'x', recipe: null, label: 'x' },
    base, sets: [], vary: [], dataset: { kind: 'builtin' }, backend: 'auto', parallel: 2, status: 'running', wallSeconds: null, runs: [],
  };
}

describe('startSweep', () => {
  it('runs at most P at a time, every point once, and records each outcome in sweep.json', async () => {
    const dir = tempDir();
    const points = expandGrid(base, [{ path: 'train.batchSize', values: [1, 2, 3, 4, 5] }]);
    const ctl = controllableLaunch();
    const sweep = startSweep({ dir, points, record: record(), parallel: 2, launch: ctl.launch });
    let settled = false;
    void sweep.done.then(() => (settled = true));
    // Finish the oldest running run, one at a time, until the sweep has none left.
    while (!settled) {
      await tick();
      [...ctl.live.values()][0]?.finish('completed');
    }
    const final = await sweep.done;
    expect(ctl.peak()).toBe(2);
    // Two processes at a time share the cores: each kernel gets half (at least 1 thread).
    expect(ctl.requests.map((r) => r.kernelThreads)).toEqual(points.map(() => threadsPerProcess(2)));
    expect(final.status).toBe('completed');
    expect(final.runs.map((r) => [r.status, r.loss!.train])).toEqual([1, 2, 3, 4, 5].map((b) => ['completed', b]));
    const saved = await readSweepRecord(dir);
    expect(saved.runs.map((r) => r.name)).toEqual(points.map((p) => p.name));
    expect(saved.status).toBe('completed');
    await expect(readSweepRecord(path.dirname(dir))).rejects.toThrow(/is not a sweep folder/);
    writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ format: 'other' }));
    await expect(readSweepRecord(dir)).rejects.toThrow(/not a Makemore Lab sweep record/);
  });

  it('stop: running runs are asked to stop, the rest never start', async () => {
    const dir = tempDir();
    const points = expandGrid(base, [{ path: 'train.batchSize', values: [1, 2, 3, 4] }]);
    const ctl = controllableLaunch();
    const sweep = startSweep({ dir, points, record: record(), parallel: 2, launch: ctl.launch });
    while (ctl.live.size < 2) await tick();
    [...ctl.live.values()][0].finish('completed');
    while (ctl.live.size < 2) await tick();
    sweep.stop();
    const final = await sweep.done;
    expect(final.status).toBe('stopped');
    expect(final.runs.map((r) => [r.status, r.started])).toEqual([
      ['completed', true],
      ['stopped', true],
      ['stopped', true],
      ['stopped', false],
    ]);
  });
});
