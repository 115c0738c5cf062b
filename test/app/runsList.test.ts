/**
 * The Runs list beside run folders the lab did not write whole: a folder with only a temporary (a claim killed
 * mid-write), a run.json torn or empty, and run.json files that carry the lab's format marker but not the fields
 * a list needs (hand-edited, another program's), a FIFO in run.json's or label.json's place (reading one would wait
 * for a writer for ever). The list shows the good run and leaves the others out; opening
 * one of them is one line naming its run.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunManager } from '../../electron/app/runManager.js';
import { LabError } from '../../electron/engine/errors.js';
import { listRuns } from '../../electron/engine/run/runFolder.js';
import { runConfig, tempDir } from '../helpers/fixtures.js';

const dataset = { ref: { kind: 'file' as const, path: '/nowhere/words.txt' }, source: { name: 'words.txt', path: null, sha256: 'ab'.repeat(32), bytes: 10 }, vocab: ['.', 'a'] };
/** Runs that wait in the queue for ever: stopping one writes its folder (stopped at step 0). */
const queued = () => ({ pause() {}, resume() {}, stop() {}, kill() {}, withdraw: () => true, done: new Promise<never>(() => {}) });

/** run.json contents that are not a run the lab can list, with the one line opening it gives. */
const BROKEN: [string, string, string][] = [
  ['empty', '', 'is not valid JSON'],
  ['torn', '{"format": "makemore-lab-run", "id": "to', 'is not valid JSON'],
  ['null', 'null', 'is not a Makemore Lab run record'],
  ['marker only', '{"format": "makemore-lab-run"}', ': id is missing or not valid; not a run record the lab can read'],
  ['no config', '{"format": "makemore-lab-run", "id": "x", "createdAt": "2026-01-01T00:00:00.000Z", "status": "completed"}', ': config.train is missing or not valid; not a run record the lab can read'],
  ['createdAt a number', '{"format": "makemore-lab-run", "id": "x", "createdAt": 5, "status": "completed"}', ': createdAt is missing or not valid; not a run record the lab can read'],
];

describe('the Runs list beside folders that are not whole runs', () => {
  it('lists the good run, leaves the others out, and opening one is one line naming its run.json', async () => {
    const root = tempDir('lab-runs-list-');
    const runs = new RunManager({ runsRoot: root, launch: queued, emitUpdate() {}, emitChanged() {} });
    const good = runs.start(runConfig('zero-init', 100), dataset, 'auto');
    await runs.stop(good.id);
    mkdirSync(path.join(root, 'half'));
    writeFileSync(path.join(root, 'half', `.run.json.tmp-999999-0123abcd`), '{"format": "makem');
    for (const [name, content] of BROKEN) {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, 'run.json'), content);
    }

    mkdirSync(path.join(root, 'fifo'));
    execFileSync('/usr/bin/mkfifo', [path.join(root, 'fifo', 'run.json'), path.join(runs.dir(good.id), 'label.json')]);

    expect((await runs.list()).map((r) => [r.id, r.status, r.name])).toEqual([[good.id, 'stopped', good.id]]);
    expect((await listRuns(root)).map((r) => r.record.id)).toEqual([good.id]);
    for (const [name, , message] of BROKEN) {
      const error = await runs.get(name).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(LabError);
      expect((error as LabError).message, name).toBe(`${path.join(root, name, 'run.json')} ${message}`.replace(' :', ':'));
    }
    await expect(runs.get('fifo')).rejects.toThrow(`${path.join(root, 'fifo', 'run.json')} is not a plain file; not a run record`);
  }, 5000);
});
