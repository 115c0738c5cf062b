/**
 * The JSON list files of the data folder (presets.json, sweeps.json) against hostile contents: truncated JSON,
 * other shapes, foreign entries, a folder, a FIFO or a device in the file's place. A file that cannot be read is never overwritten
 * (the bytes stay as they were) and every change is refused in one line naming the file. Then both stores on
 * the same files.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lock } from 'proper-lockfile';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonListFile } from '../../electron/app/jsonListFile.js';
import { PresetStore } from '../../electron/app/presetStore.js';
import { RunManager } from '../../electron/app/runManager.js';
import { SweepStore } from '../../electron/app/sweepStore.js';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset, PRESETS } from '../../electron/engine/model/presets.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-json-list-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Entry {
  id: string;
}
const isEntry = (v: unknown): v is Entry => typeof (v as Entry | null)?.id === 'string';
let n = 0;
function listFile(content: string | null): JsonListFile<Entry> {
  const file = path.join(tmp, `list-${n++}.json`);
  if (content !== null) writeFileSync(file, content);
  return new JsonListFile({ file, noun: 'things', isEntry });
}

const SAVED = JSON.stringify([{ id: 'a' }, { id: 'b' }], null, 2) + '\n';

/** Contents that are not a list of entries, with the reason the refusal gives. */
const HOSTILE: [string, string, string][] = [
  ['truncated JSON', SAVED.slice(0, SAVED.length / 2), 'not valid JSON'],
  ['an empty file', '', 'not valid JSON'],
  ['a hand-edited line', '{ hand-edited', 'not valid JSON'],
  ['an object', '{"runs": [{"id": "a"}]}', 'a JSON object instead of a list'],
  ['null', 'null', 'a JSON null instead of a list'],
  ['a number', '42', 'a JSON number instead of a list'],
  ['a string', '"[]"', 'a JSON string instead of a list'],
  ['UTF-16 bytes', '\ufeff[{"id":"a"}]'.split('').join('\u0000'), 'not valid JSON'],
];

describe('an unreadable list file', () => {
  it.each(HOSTILE)('%s: lists nothing, refuses every change in one line naming the file, and leaves the bytes as they were', async (_, content, reason) => {
    const list = listFile(content);
    expect(await list.read()).toEqual([]);
    const error = await list.update((all) => [...all, { id: 'new' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toBe(`${list.file}: not a list of things (${reason}); move it away to save new things`);
    await expect(list.readForUpdate()).rejects.toThrow(LabError);
    expect(readFileSync(list.file, 'utf8')).toBe(content);
  });

  it('a folder in the file\'s place is refused, not replaced', async () => {
    const list = listFile(null);
    mkdirSync(list.file);
    expect(await list.read()).toEqual([]);
    await expect(list.update(() => [{ id: 'x' }])).rejects.toThrow(`${list.file}: not a list of things (a folder, not a file)`);
  });

  it('a FIFO or a device in the file\'s place is refused at once, never read (reading one would never end)', async () => {
    const fifo = listFile(null);
    execFileSync('/usr/bin/mkfifo', [fifo.file]);
    const device = listFile(null);
    symlinkSync('/dev/zero', device.file);
    for (const list of [fifo, device]) {
      expect(await list.read()).toEqual([]);
      await expect(list.update(() => [{ id: 'x' }])).rejects.toThrow(`${list.file}: not a list of things (not a plain file); move it away to save new things`);
    }
    expect(lstatSync(fifo.file).isFIFO()).toBe(true);
    expect(readlinkSync(device.file)).toBe('/dev/zero');
  }, 2000);

  it('a symlink in the file\'s place is not followed when written: the save replaces the link, the file outside keeps its bytes', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'lab-outside-'));
    const theirs = path.join(outside, 'theirs.json');
    writeFileSync(theirs, '[{"id":"outside"}]\n');
    const linked = listFile(null);
    symlinkSync(theirs, linked.file);
    expect(await linked.read()).toEqual([{ id: 'outside' }]); // shown through the link
    await linked.update((all) => [...all, { id: 'new' }]);
    expect(readFileSync(theirs, 'utf8')).toBe('[{"id":"outside"}]\n');
    expect(lstatSync(linked.file).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(linked.file, 'utf8'))).toEqual([{ id: 'outside' }, { id: 'new' }]);
    // A dangling link: the save creates nothing where it pointed.
    const dangling = listFile(null);
    symlinkSync(path.join(outside, 'absent.json'), dangling.file);
    await dangling.update(() => [{ id: 'x' }]);
    expect(readdirSync(outside)).toEqual(['theirs.json']);
    rmSync(outside, { recursive: true });
  });

  it('a missing file is an empty list; foreign entries of a list are skipped; changes made together are all kept', async () => {
    const missing = listFile(null);
    expect(await missing.read()).toEqual([]);
    await Promise.all(['x', 'y', 'z'].map((id) => missing.update((all) => [...all, { id }])));
    expect(JSON.parse(readFileSync(missing.file, 'utf8'))).toEqual([{ id: 'x' }, { id: 'y' }, { id: 'z' }]);

    const mixed = listFile(JSON.stringify([{ id: 'a' }, null, 7, { id: 3 }, { name: 'b' }, { id: 'c' }]));
    expect(await mixed.read()).toEqual([{ id: 'a' }, { id: 'c' }]);
    // A change that throws writes nothing, and the next one still runs.
    await expect(mixed.update(() => { throw new Error('no'); })).rejects.toThrow('no');
    expect(await mixed.update((all) => all.filter((e) => e.id !== 'a'))).toEqual([{ id: 'c' }]);
    expect(JSON.parse(readFileSync(mixed.file, 'utf8'))).toEqual([{ id: 'c' }]);
  });
});

describe('the stores on hostile files', () => {
  it('PresetStore: an unreadable presets.json shows the built-in presets only, and a save is refused, the file unchanged', async () => {
    const file = path.join(tmp, 'presets.json');
    const damaged = '[{"id": "mine", "title": "Mine", "config": ';
    writeFileSync(file, damaged);
    const store = new PresetStore(file);
    expect((await store.list()).map((p) => p.id)).toEqual(PRESETS.map((p) => p.id));
    const input = { title: 'My Zero Init', description: 'd', config: findPreset('zero-init')!.config };
    await expect(store.save(input)).rejects.toThrow(`${file}: not a list of presets (not valid JSON); move it away to save new presets`);
    expect(readFileSync(file, 'utf8')).toBe(damaged);
    // Moved away, the next save starts a new list.
    rmSync(file);
    expect((await store.save(input)).id).toBe('my-zero-init');
    expect(JSON.parse(readFileSync(file, 'utf8')).map((p: { id: string }) => p.id)).toEqual(['my-zero-init']);
    // An entry that no longer validates is skipped, the rest kept.
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify([{ id: 'broken', title: 'Broken', config: { model: 1 } }, ...stored]));
    expect((await store.list()).filter((p) => p.user).map((p) => p.id)).toEqual(['my-zero-init']);
    await store.delete('my-zero-init');
    await expect(store.delete('my-zero-init')).rejects.toThrow('no user preset "my-zero-init"');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('SweepStore: an unreadable sweeps.json lists no sweeps, and a new sweep is refused before any run starts, the file unchanged', async () => {
    const file = path.join(tmp, 'sweeps.json');
    const runsStarted: string[] = [];
    const runs = new RunManager({ runsRoot: path.join(tmp, 'runs'), launch: () => { throw new Error('no training here'); }, emitUpdate() {}, emitChanged() {} });
    const store = new SweepStore({
      file,
      presets: new PresetStore(path.join(tmp, 'sweep-presets.json')),
      runs,
      startRun: (config) => {
        runsStarted.push(config.preset ?? 'custom');
        throw new Error('no training here');
      },
      datasetName: () => 'words.txt',
    });
    for (const [what, content, reason] of [HOSTILE[0], HOSTILE[3]]) {
      writeFileSync(file, content);
      expect(await store.list(), what).toEqual([]);
      await expect(store.start({ presetId: 'zero-init', datasetId: 'd', vary: [{ path: 'train.seed', values: [1, 2] }] })).rejects.toThrow(
        `${file}: not a list of sweeps (${reason}); move it away to save new sweeps`,
      );
      expect(readFileSync(file, 'utf8'), what).toBe(content);
    }
    expect(runsStarted).toEqual([]);
  });
});

describe('a sweeps.json edited by hand', () => {
  it('lists the sweeps the lab saved and skips entries without their fields (a run of null, no vary, a numeric run id)', async () => {
    const file = path.join(tmp, 'sweeps-edited.json');
    const saved = {
      id: 'good', createdAt: '2026-01-01T00:00:00.000Z', preset: 'zero-init', recipe: null, label: 'zero-init', datasetName: 'words.txt',
      steps: 10, seed: 1, vary: [{ path: 'train.seed', values: [1] }], runs: [{ runId: 'r1', values: { 'train.seed': 1 } }],
    };
    const { vary: _, ...noVary } = saved;
    writeFileSync(file, JSON.stringify([saved, { ...saved, id: 'null-run', runs: [null] }, { ...noVary, id: 'no-vary' }, { ...saved, id: 'numeric', runs: [{ runId: 5, values: {} }] }]));
    const runs = new RunManager({ runsRoot: path.join(tmp, 'edited-runs'), launch: () => { throw new Error('no training here'); }, emitUpdate() {}, emitChanged() {} });
    const store = new SweepStore({ file, presets: new PresetStore(path.join(tmp, 'edited-presets.json')), runs, startRun: () => { throw new Error('no training here'); }, datasetName: () => 'words.txt' });
    expect((await store.list()).map((s) => [s.id, s.status, s.runs.map((r) => r.runId)])).toEqual([['good', 'incomplete', ['r1']]]);
    await expect(store.stop('null-run')).rejects.toThrow("sweepId: no sweep 'null-run'");
  });
});

describe('two processes changing one file', () => {
  /** A process that saves `count` presets titled `<tag><k>` into `file`, one after another. */
  const saver = (file: string, tag: string, count: number) =>
    new Promise<void>((resolve, reject) => {
      const script = `
        const { PresetStore } = await import(${JSON.stringify(path.join(REPO_ROOT, 'electron/app/presetStore.ts'))});
        const { findPreset } = await import(${JSON.stringify(path.join(REPO_ROOT, 'electron/engine/model/presets.ts'))});
        const store = new PresetStore(${JSON.stringify(file)});
        for (let k = 0; k < ${count}; k++) await store.save({ title: '${tag}' + k, description: '', config: findPreset('zero-init').config });`;
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT }, (e) => (e ? reject(e) : resolve()));
    });

  it('saving at the same moment, neither loses the other\'s presets (30 + 30 saves, all 60 kept)', async () => {
    const file = path.join(mkdtempSync(path.join(tmp, 'two-')), 'presets.json');
    await Promise.all([saver(file, 'a', 30), saver(file, 'b', 30)]);
    const ids: string[] = JSON.parse(readFileSync(file, 'utf8')).map((p: { id: string }) => p.id);
    expect(ids.length).toBe(60);
    expect(new Set(ids)).toEqual(new Set(['a', 'b'].flatMap((t) => Array.from({ length: 30 }, (_, k) => `${t}${k}`))));
    expect(existsSync(path.join(path.dirname(file), '.presets.json.lock'))).toBe(false);
  }, 60_000);

  it('a change waits while another holds the lock, and takes over one left by a holder killed mid-change', async () => {
    const list = listFile('[]');
    const lockfilePath = path.join(tmp, `.${path.basename(list.file)}.lock`);
    const release = await lock(list.file, { lockfilePath, realpath: false });
    const saving = list.update((all) => [...all, { id: 'waited' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(list.file, 'utf8')).toBe('[]'); // not yet: the lock is held
    await release();
    expect(await saving).toEqual([{ id: 'waited' }]);

    // What a process killed while saving leaves: the lock folder, no longer kept fresh.
    mkdirSync(lockfilePath);
    const then = new Date(Date.now() - 60_000);
    utimesSync(lockfilePath, then, then);
    const t0 = Date.now();
    expect(await list.update((all) => [...all, { id: 'after' }])).toEqual([{ id: 'waited' }, { id: 'after' }]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(existsSync(lockfilePath)).toBe(false);
  });
});

