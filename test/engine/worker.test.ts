/** A training run in its own process: events arrive batched, and a crash leaves a readable, failed run. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoredRun } from '../../electron/engine/run/runFolder.js';
import { startTrainingProcess } from '../../electron/engine/worker/client.js';
import type { RunEvent } from '../../electron/engine/run/runEvents.js';
import { runConfig, smallWordsFile, tempDir } from '../helpers/fixtures.js';

const config = (steps: number) => runConfig('zero-init', steps);

describe('training process', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);

  it('runs to completion and streams only new data', async () => {
    const runDir = path.join(dir, 'ok');
    const events: RunEvent[] = [];
    const proc = startTrainingProcess({ runDir, config: config(400), dataset: { kind: 'file', path: words }, backend: 'auto' }, (e) => events.push(e));
    const result = await proc.done;
    expect(result.steps).toBe(400);
    expect(events[0].type).toBe('started');
    expect(events[events.length - 1].type).toBe('done');
    let next = 0;
    for (const e of events) {
      if (e.type !== 'progress') continue;
      expect(e.loss.fromStep).toBe(next);
      next += e.loss.losses.length;
    }
    expect(next).toBe(400);
    expect(events.filter((e) => e.type === 'snapshot')).toHaveLength(9); // every 50 steps and the last (399)
    expect(events.filter((e) => e.type === 'eval').map((e) => (e as any).point.step)).toEqual([100, 200, 300, 400]);
    const stored = await readStoredRun(runDir);
    expect(stored.record.status).toBe('completed');
    expect(stored.losses.values).toHaveLength(400);
    expect(stored.losses.every).toBe(1);
    expect(stored.snapshots).toHaveLength(9); // every 50 steps and the last (399)
    expect(stored.ratios?.rows).toHaveLength(400);
  });

  it('a killed training process leaves the run marked failed with its metrics readable', async () => {
    const runDir = path.join(dir, 'crash');
    let progressEvents = 0;
    const proc = startTrainingProcess({ runDir, config: config(10_000_000), dataset: { kind: 'file', path: words }, backend: 'auto' }, (e) => {
      if (e.type === 'progress' && ++progressEvents === 5) proc.kill();
    });
    await expect(proc.done).rejects.toThrow(/killed/);
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(record.status).toBe('failed');
    expect(record.error.code).toBe('CRASHED');
    const stored = await readStoredRun(runDir);
    expect(stored.losses.values.length).toBeGreaterThan(0);
    expect(stored.losses.values.every((l) => Number.isFinite(l))).toBe(true);
  });

  it('reports a bad dataset as a failed run, not a crash', async () => {
    const runDir = path.join(dir, 'bad');
    const events: RunEvent[] = [];
    const proc = startTrainingProcess(
      { runDir, config: config(10), dataset: { kind: 'file', path: path.join(dir, 'nope.txt') }, backend: 'auto' },
      (e) => events.push(e),
    );
    await expect(proc.done).rejects.toThrow(/nope\.txt/);
    const failed = events.find((e) => e.type === 'failed') as Extract<RunEvent, { type: 'failed' }>;
    expect(failed.error.code).toBe('DATASET');
  });
});
