/**
 * The Sweep view's time estimate takes a preset's speed from a run that trained long enough to measure it: a run
 * stopped after 50 steps measured mostly its start-up (the walk saw 98 steps/s where the preset trains thousands,
 * and "10 min 15 s" for a 3-point sweep). Run folders are written as the trainer writes them, with chosen results.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimRunFolder, newRunRecord } from '../../electron/engine/run/runFolder.js';
import type { TrainResult } from '../../electron/engine/train/types.js';
import { TestLab } from '../helpers/labService.js';
import { runConfig } from '../helpers/fixtures.js';

const lab = new TestLab('lab-sweep-estimate-');
afterAll(() => lab.close());

/** A finished run of `preset`, created at minute `minute` (newest last), that trained `steps` at `speed` steps/s. */
async function finishedRun(id: string, preset: string, minute: number, steps: number, speed: number, status: TrainResult['status']) {
  const record = newRunRecord({
    id,
    createdAt: new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString(),
    status,
    config: runConfig(preset, steps),
    dataset: { ref: { kind: 'builtin' } as never, source: { name: 'names.txt', path: null, sha256: 'ab'.repeat(32), bytes: 10 } },
    vocab: ['.', 'a'],
    unigramEntropy: null,
    backend: null,
  });
  record.result = { status, steps, stepsPerSecond: speed } as TrainResult;
  mkdirSync(path.join(lab.dataDir, 'runs'), { recursive: true });
  await claimRunFolder(lab.runDir(id), record);
}

describe('sweeps.estimate', () => {
  const estimate = (preset: string) => lab.service.handlers['sweeps.estimate']({ preset });

  it("takes the newest run of the preset that trained 1,000 steps or more, not a newer one stopped early", async () => {
    await finishedRun('a-long-completed', 'bn3-fold', 1, 20_000, 7_000, 'completed');
    await finishedRun('b-long-stopped', 'bn3-fold', 2, 2_400, 6_500, 'stopped');
    await finishedRun('c-short-stopped', 'bn3-fold', 3, 50, 98, 'stopped');
    await finishedRun('d-other-preset', 'zero-init', 4, 5_000, 9_000, 'completed');
    expect(await estimate('bn3-fold')).toEqual({ stepsPerSecond: 6_500, runId: 'b-long-stopped' });
  });

  it('with only short runs, takes the longest of them; with none, no estimate', async () => {
    await finishedRun('e-short', 'kaiming', 5, 300, 2_000, 'completed');
    await finishedRun('f-shorter', 'kaiming', 6, 40, 90, 'stopped');
    expect(await estimate('kaiming')).toEqual({ stepsPerSecond: 2_000, runId: 'e-short' });
    expect(await estimate('fix-softmax')).toEqual({ stepsPerSecond: null, runId: null });
  });
});
