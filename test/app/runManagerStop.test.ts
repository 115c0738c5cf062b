/**
 * RunManager.stop on a run still waiting in the worker queue: it never gets a process, and its folder is written
 * by the app. When that folder cannot be written (here its place is taken by the user's own file, as a full disk
 * or a read-only folder would refuse it), the run ends as failed with one line, and the user's file is untouched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunManager } from '../../electron/app/runManager.js';
import { LabError } from '../../electron/engine/errors.js';
import { readRunRecord } from '../../electron/engine/run/runFolder.js';
import type { TrainingProcess } from '../../electron/engine/worker/client.js';
import type { RunUpdate } from '../../electron/shared/contract.js';
import { runConfig, tempDir } from '../helpers/fixtures.js';

/** A launcher whose runs all wait in a queue: withdraw succeeds, and nothing ever starts. */
function queuedLauncher(counts: { launched: number; stopped: number }) {
  return (): TrainingProcess => {
    counts.launched++;
    return {
      pause() {},
      resume() {},
      stop: () => void counts.stopped++,
      kill() {},
      withdraw: () => true,
      done: new Promise(() => {}),
    };
  };
}

const dataset = { ref: { kind: 'file' as const, path: '/nowhere/words.txt' }, source: { name: 'words.txt', path: null, sha256: 'ab'.repeat(32), bytes: 10 }, vocab: ['.', 'a'] };

describe('stopping a queued run', () => {
  it('writes its folder as stopped at step 0, without stopping a process', async () => {
    const root = tempDir('lab-stop-queued-');
    const counts = { launched: 0, stopped: 0 };
    const updates: RunUpdate[] = [];
    const runs = new RunManager({ runsRoot: root, launch: queuedLauncher(counts), emitUpdate: (u) => updates.push(u), emitChanged() {} });
    const run = runs.start(runConfig('zero-init', 100), dataset, 'auto');
    await runs.stop(run.id);
    const record = await readRunRecord(runs.dir(run.id));
    expect([record.status, record.checkpointStep, record.result, record.backend, record.dataset.source.name]).toEqual(['stopped', 0, null, null, 'words.txt']);
    expect(counts).toEqual({ launched: 1, stopped: 0 });
    expect(runs.isLive(run.id)).toBe(false);
  });

  it("whose folder cannot be written fails with one line naming the folder, and leaves the file in its place as it was", async () => {
    const root = tempDir('lab-stop-queued-');
    const updates: RunUpdate[] = [];
    const runs = new RunManager({ runsRoot: root, launch: queuedLauncher({ launched: 0, stopped: 0 }), emitUpdate: (u) => updates.push(u), emitChanged() {}, batchIntervalMs: 0 });
    const run = runs.start(runConfig('zero-init', 100), dataset, 'auto');
    const dir = runs.dir(run.id);
    writeFileSync(dir, 'the user\'s own file\n');
    const error = await runs.stop(run.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).not.toContain('\n');
    expect((error as LabError).message).toContain(dir);
    expect(readFileSync(dir, 'utf8')).toBe('the user\'s own file\n');
    expect(runs.isLive(run.id)).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    const statuses = updates.flatMap((u) => (u.status ? [u.status] : []));
    expect(statuses.at(-1)).toBe('failed');
  });
});
