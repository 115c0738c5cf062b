/**
 * Naming a run and writing its note through the `runs.label` channel, over a real training process
 * (child_process.fork, as serve uses): renamed while paused mid-run, the name and note outlive the trainer's
 * final run.json and a restart of the service; every window hears `runs.changed`; bad requests are refused by
 * the channel's schema or the engine's rules, as a typed error of one line naming the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../electron/app/dispatch.js';
import type { LabService } from '../../electron/app/service.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import type { RunSummary } from '../../electron/shared/contract.js';
import { TEST_NAMES, testLab } from '../helpers/labService.js';

const lab = testLab('lab-label-', { workerLimit: 1, batchIntervalMs: 20 });
const { service, changed } = lab;
let datasetId: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listed = async (svc: LabService, id: string): Promise<RunSummary | undefined> => (await svc.handlers['runs.list'](undefined)).find((r) => r.id === id);

beforeAll(async () => {
  datasetId = (await lab.upload(TEST_NAMES.slice(0, 12))).id;
});

describe('runs.label', () => {
  it('renames a run and sets its note while it trains; both outlive the run and a restart', async () => {
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 20_000;
    const started = await service.handlers['runs.start']({ config, datasetId, backend: 'auto' });
    const id = started.id;
    expect(started.name).toBe(id); // unnamed: shown by its id, as before
    // Paused mid-run with its run.json on disk: the trainer will rewrite run.json when it ends.
    await until('the run to train', async () => ((await listed(service, id))?.status === 'running' && (await listed(service, id))!.steps > 0 ? true : undefined));
    await service.handlers['runs.pause']({ runId: id });
    await until('the pause', async () => ((await listed(service, id))?.status === 'paused' ? true : undefined));

    changed.length = 0;
    const reply = await dispatch(service.handlers, 'runs.label', { runId: id, name: '  deep BN, lr 0.1  ', note: 'Why: compare with kaiming.\r\nSecond line.' });
    expect(reply).toMatchObject({ ok: true, value: { id, name: 'deep BN, lr 0.1', note: 'Why: compare with kaiming.\nSecond line.', status: 'paused' } });
    expect(changed).toEqual([[id]]);
    expect((await listed(service, id))!.name).toBe('deep BN, lr 0.1');

    await service.handlers['runs.stop']({ runId: id });
    const done = await until('the run to end', async () => {
      const r = await listed(service, id);
      return r && r.status === 'stopped' && r.loss ? r : undefined;
    });
    const record = JSON.parse(readFileSync(path.join(lab.runDir(id), 'run.json'), 'utf8'));
    expect(record.status).toBe('stopped'); // written by the trainer after the rename …
    expect(done).toMatchObject({ name: 'deep BN, lr 0.1', note: 'Why: compare with kaiming.\nSecond line.' }); // … which kept it
    expect((await service.handlers['runs.get']({ runId: id })).summary).toMatchObject({ name: 'deep BN, lr 0.1', note: 'Why: compare with kaiming.\nSecond line.' });

    // Only the note changes; the name stays. Then a fresh service (the app restarted) reads both.
    await service.handlers['runs.label']({ runId: id, note: 'edited' });
    const again = lab.another();
    try {
      expect(await listed(again, id)).toMatchObject({ name: 'deep BN, lr 0.1', note: 'edited' });
    } finally {
      again.shutdown();
    }
    // Back to the id.
    expect((await service.handlers['runs.label']({ runId: id, name: null })).name).toBe(id);
  }, 180_000);

  it('applies labels sent at once in the order sent (two windows editing the same run lose nothing)', async () => {
    const id = (await service.handlers['runs.list'](undefined))[0].id;
    const changes = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? { name: `name ${i}` } : { note: `note ${i}` }));
    const replies = await Promise.all(changes.map((c) => service.handlers['runs.label']({ runId: id, ...c })));
    // Each reply holds everything sent before it; the last holds the last name and the last note.
    expect(replies.map((r) => [r.name, r.note])[11]).toEqual(['name 10', 'note 11']);
    expect(replies[5]).toMatchObject({ name: 'name 4', note: 'note 5' });
    expect(await listed(service, id)).toMatchObject({ name: 'name 10', note: 'note 11' });
  });

  it('refuses bad names and notes with one line naming the field, and changes nothing', async () => {
    const id = (await service.handlers['runs.list'](undefined))[0].id;
    const before = await listed(service, id);
    // The schema's sanity bounds and shape (INVALID_PAYLOAD), then the engine's rules (ARGUMENT): one line each.
    const bad: [unknown, string, string][] = [
      [{ runId: id, name: '' }, 'ARGUMENT', 'name: must be 1–100 characters after trimming spaces (got 0)'],
      [{ runId: id, name: 'n'.repeat(101) }, 'ARGUMENT', 'name: must be 1–100 characters after trimming spaces (got 101)'],
      [{ runId: id, name: 'n'.repeat(5000) }, 'INVALID_PAYLOAD', 'invalid runs.label request: name: must be 1–100 characters'],
      [{ runId: id, name: 'a\u001b[2Jb' }, 'ARGUMENT', 'name: character 2 is U+001B'],
      [{ runId: id, name: 'a\u202Eb' }, 'ARGUMENT', 'name: character 2 is U+202E (right-to-left override)'],
      [{ runId: id, name: 42 }, 'INVALID_PAYLOAD', 'invalid runs.label request: name: '],
      [{ runId: id, note: 'n'.repeat(10_001) }, 'ARGUMENT', 'note: must be at most 10,000 characters (got 10,001)'],
      [{ runId: id, note: 'n'.repeat(200_000) }, 'INVALID_PAYLOAD', 'invalid runs.label request: note: must be at most 10,000 characters'],
      [{ runId: id, note: 'ok\n\u0000' }, 'ARGUMENT', 'note: line 2, character 1 is U+0000 (NUL)'],
      [{ runId: id, name: 'fine', note: 'x\u2067' }, 'ARGUMENT', 'note: line 1, character 2 is U+2067 (right-to-left isolate)'],
      [{ runId: id }, 'INVALID_PAYLOAD', 'invalid runs.label request: payload: give a name or a note'],
      [{ runId: '../x', name: 'x' }, 'INVALID_PAYLOAD', 'invalid runs.label request: runId: not a run id'],
      [{ runId: id, name: 'x', color: 'red' }, 'INVALID_PAYLOAD', 'invalid runs.label request: payload: '],
    ];
    for (const [payload, code, message] of bad) {
      const reply = await dispatch(service.handlers, 'runs.label', payload);
      expect(reply.ok, JSON.stringify(payload).slice(0, 80)).toBe(false);
      const error = (reply as { error: { code: string; message: string } }).error;
      expect(error.code, error.message).toBe(code);
      expect(error.message.startsWith(message), error.message).toBe(true);
      expect(error.message).not.toContain('\n');
    }
    expect(await listed(service, id)).toEqual(before);
    // A run id that is well-formed but unknown is a typed one-line error too.
    const missing = await dispatch(service.handlers, 'runs.label', { runId: 'no-such-run', name: 'x' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'RUN', message: 'there is no run no-such-run' } });
  });
});
