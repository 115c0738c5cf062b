/**
 * The app's own small files on a real full disk (a tmpfs mounted small, where this machine lets us mount one —
 * as root, like test/cli/cli-io.test.ts): presets.json and sweeps.json (jsonListFile.ts) and the folder of a run
 * stopped while it waits in the worker queue (RunManager.stop). A failed save is one typed line naming the file, the old bytes
 * stay as they were, no temporary is left behind, and the next save once space is freed works.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PresetStore } from '../../electron/app/presetStore.js';
import { RunManager } from '../../electron/app/runManager.js';
import { SweepStore } from '../../electron/app/sweepStore.js';
import { WorkerQueue } from '../../electron/app/workerQueue.js';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { readRunRecord } from '../../electron/engine/run/runFolder.js';
import { trainingLauncher, type SpawnWorker, type WorkerProcess } from '../../electron/engine/worker/client.js';
import { runConfig, tempDir } from '../helpers/fixtures.js';

const dataset = { ref: { kind: 'file' as const, path: '/nowhere/words.txt' }, source: { name: 'words.txt', path: null, sha256: 'ab'.repeat(32), bytes: 10 }, vocab: ['.', 'a'] };
/** A launcher whose runs all wait in a queue: withdraw succeeds, and nothing ever starts. */
const queued = () => ({ pause() {}, resume() {}, stop() {}, kill() {}, withdraw: () => true, done: new Promise<never>(() => {}) });

const IS_ROOT = process.getuid?.() === 0;
const dir = tempDir('lab-full-disk-');
const mounts: string[] = [];

function tryMountTmpfs(at: string, size: string): boolean {
  mkdirSync(at, { recursive: true });
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]).status === 0;
  if (ok) mounts.push(at);
  return ok;
}

/** Fills the disk to the last byte; returns the filler to remove to free it again. */
function fill(disk: string): string {
  const filler = path.join(disk, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(1 << 20));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  return filler;
}

/** The lab's temporary names (`.<name>.tmp-<pid>-<hex>`), anywhere under `root`. */
function temps(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((n) => /(^|\/)\..+\.(tmp|old)-\d+-[0-9a-f]{8}$/.test(n));
}

afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(IS_ROOT)('a full disk (a real tmpfs)', () => {
  const mountable = IS_ROOT && tryMountTmpfs(path.join(dir, 'probe'), '64k');

  it.runIf(mountable)('presets.json: the save is refused in one line naming the file, the old bytes kept, no temporary left; after freeing space the next save works', async () => {
    const disk = path.join(dir, 'presets');
    expect(tryMountTmpfs(disk, '64k')).toBe(true);
    const file = path.join(disk, 'presets.json');
    const store = new PresetStore(file);
    const config = findPreset('zero-init')!.config;
    await store.save({ title: 'Mine', description: 'first', config });
    const before = readFileSync(file);
    const filler = fill(disk);

    const error = await store.save({ title: 'Second', description: 'x'.repeat(500), config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect([(error as LabError).code, (error as LabError).message]).toEqual(['IO', `disk full while writing ${file}`]);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(disk).sort()).toEqual(['filler', 'presets.json']); // no temporary, no lock left

    rmSync(filler);
    await store.save({ title: 'Second', description: 'x', config });
    expect((await store.list()).filter((p) => p.user).map((p) => p.id)).toEqual(['mine', 'second']);
    expect(readdirSync(disk)).toEqual(['presets.json']);
  });

  it.runIf(mountable)('a queued run stopped: fails in one line naming its folder, leaves no folder or temporary, and the queue starts the next run', async () => {
    const disk = path.join(dir, 'runs');
    expect(tryMountTmpfs(disk, '64k')).toBe(true);
    // One worker at a time: run A trains (a fake process that never answers), B and C wait in the real queue.
    const children: { sent: { type: string; request?: { runDir: string } }[]; exit(): void }[] = [];
    const spawnNow: SpawnWorker = () => {
      const onExit: ((why: string) => void)[] = [];
      const child = { sent: [] as { type: string; request?: { runDir: string } }[], exit: () => onExit.forEach((h) => h('was killed (SIGKILL)')) };
      children.push(child);
      const process: WorkerProcess = { send: (m) => void child.sent.push(m as never), onMessage() {}, onExit: (h) => void onExit.push(h), kill: child.exit };
      return process;
    };
    const queue = new WorkerQueue(spawnNow, 1);
    const runs = new RunManager({ runsRoot: disk, launch: trainingLauncher(queue.spawn), emitUpdate() {}, emitChanged() {}, batchIntervalMs: 0 });
    const [a, b, c] = [1, 2, 3].map(() => runs.start(runConfig('zero-init', 100), dataset, 'auto'));
    expect(queue.state().queued.map((j) => j.runId)).toEqual([b.id, c.id]);
    const filler = fill(disk);

    const error = await runs.stop(b.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect([(error as LabError).code, (error as LabError).message]).toEqual(['IO', `disk full while writing ${path.join(runs.dir(b.id), 'run.json')}`]);
    expect(readdirSync(disk)).toEqual(['filler']); // no half-made folder, no temporary
    expect(runs.isLive(b.id)).toBe(false);
    // The Runs list does not throw; the failed run has nothing on disk, so it is not listed once it has ended.
    expect((await runs.list()).map((r) => r.id).sort()).toEqual([a.id, c.id].sort());

    rmSync(filler);
    expect(queue.state().queued.map((j) => j.runId)).toEqual([c.id]);
    children[0].exit(); // A ends: C, not B, gets the worker
    expect(children).toHaveLength(2);
    expect(children[1].sent[0].request?.runDir).toBe(runs.dir(c.id));
    // With space again, a queued run stopped writes its folder.
    const d = runs.start(runConfig('zero-init', 100), dataset, 'auto');
    await runs.stop(d.id);
    expect((await readRunRecord(runs.dir(d.id))).status).toBe('stopped');
  });

  it.runIf(mountable)('sweeps.json: a sweep whose definition cannot be saved is refused in one line before any of its runs starts', async () => {
    const disk = path.join(dir, 'sweeps');
    expect(tryMountTmpfs(disk, '64k')).toBe(true);
    const file = path.join(disk, 'sweeps.json');
    writeFileSync(file, '[]\n');
    const runs = new RunManager({ runsRoot: path.join(disk, 'runs'), launch: queued, emitUpdate() {}, emitChanged() {} });
    const store = new SweepStore({
      file,
      presets: new PresetStore(path.join(disk, 'presets.json')),
      runs,
      startRun: (config, _datasetId, backend, runId) => runs.start(config, dataset, backend, runId),
      datasetName: () => 'words.txt',
    });
    const filler = fill(disk);
    const request = { presetId: 'zero-init', datasetId: 'd', vary: [{ path: 'train.seed', values: [1, 2, 3] }] };

    const error = await store.start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect([(error as LabError).code, (error as LabError).message]).toEqual(['IO', `disk full while writing ${file}`]);
    expect(await runs.list()).toEqual([]); // no run queued or training outside any sweep
    expect(readFileSync(file, 'utf8')).toBe('[]\n');
    expect(temps(disk)).toEqual([]);

    rmSync(filler);
    const sweep = await store.start(request);
    expect((await store.list()).map((s) => s.runs.map((r) => r.summary?.id))).toEqual([sweep.runs.map((r) => r.runId)]);
  });
});
