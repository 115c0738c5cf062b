/**
 * A run folder under failure: a `--out` that is not new, a full disk while appending metrics or saving a
 * checkpoint. The user's files are never touched, and a failed run says why in run.json with no torn line.
 * Disk-full is injected through the write layer's test seam (atomicTestHooks.beforeWrite) here; the CLI suite
 * fills a real tmpfs where the machine allows mounting one.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabError } from '../../electron/engine/errors.js';
import { atomicTestHooks } from '../../electron/engine/io/atomic.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { readRunRecord, writeFinalRunRecord } from '../../electron/engine/run/runFolder.js';
import { runConfig, smallWordsFile, tempDir } from '../helpers/fixtures.js';

const config = (steps: number) => runConfig('zero-init', steps);

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

afterEach(() => {
  delete atomicTestHooks.beforeWrite;
});

describe('run folders refuse what is not theirs', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);
  const run = (runDir: string, steps = 100) =>
    executeRun({ runDir, runId: path.basename(runDir), config: config(steps), dataset: { kind: 'file', path: words }, backend: 'auto', inspect: false });

  it('refuses an existing run folder, naming it, and leaves its metrics exactly as they were', async () => {
    const runDir = path.join(dir, 'first');
    await run(runDir);
    const before = readFileSync(path.join(runDir, 'metrics.jsonl'));
    const record = readFileSync(path.join(runDir, 'run.json'));
    const e = await run(runDir, 50).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LabError);
    expect((e as Error).message).toBe(`${runDir} is already a run folder (run first); choose a new folder for this run`);
    expect(readFileSync(path.join(runDir, 'metrics.jsonl')).equals(before)).toBe(true);
    expect(readFileSync(path.join(runDir, 'run.json')).equals(record)).toBe(true);
  });
  it("refuses a folder holding a user's files and touches none of them; an empty folder is fine", async () => {
    const user = path.join(dir, 'thesis');
    mkdirSync(path.join(user, 'model'), { recursive: true });
    writeFileSync(path.join(user, 'model', 'thesis.tex'), 'x');
    await expect(run(user)).rejects.toThrow(`${user} is not empty (model); a run is written only into a new or empty folder`);
    expect(readdirSync(user)).toEqual(['model']);
    expect(readdirSync(path.join(user, 'model'))).toEqual(['thesis.tex']);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    await run(empty, 20);
    expect((await readRunRecord(empty)).status).toBe('completed');
  });
});

describe('a full disk during training', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);

  it('while appending metrics: exit as a one-line IO error, run.json failed with the reason, no torn line', async () => {
    const runDir = path.join(dir, 'metrics-full');
    const metrics = path.join(runDir, 'metrics.jsonl');
    let appends = 0;
    atomicTestHooks.beforeWrite = (file) => {
      if (file === metrics && ++appends === 6) {
        // A real full disk writes part of the line first: emulate that, then fail.
        writeFileSync(metrics, '{"kind":"loss","fromStep":9', { flag: 'a' });
        throw enospc();
      }
    };
    const e = await executeRun({ runDir, runId: 'metrics-full', config: config(100_000), dataset: { kind: 'file', path: words }, backend: 'auto', inspect: false }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('IO');
    expect((e as Error).message).toBe(`disk full while writing ${metrics}`);
    const record = await readRunRecord(runDir);
    expect(record.status).toBe('failed');
    expect(record.error).toEqual({ code: 'IO', message: `disk full while writing ${metrics}` });
    const text = readFileSync(metrics, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
  it('while saving a checkpoint in the background: the run fails with the reason (no unhandled rejection), no temp left', async () => {
    const runDir = path.join(dir, 'checkpoint-full');
    atomicTestHooks.beforeWrite = (file) => {
      if (path.basename(file).startsWith('.checkpoint.safetensors.tmp-')) throw enospc();
    };
    const e = await executeRun({
      runDir,
      runId: 'checkpoint-full',
      config: config(1_000_000),
      dataset: { kind: 'file', path: words },
      backend: 'auto',
      inspect: false,
      checkpointSeconds: 0,
    }).catch((x: unknown) => x);
    const checkpoint = path.join(runDir, 'checkpoint.safetensors');
    expect((e as Error).message).toBe(`disk full while writing ${checkpoint}`);
    const record = await readRunRecord(runDir);
    expect(record.status).toBe('failed');
    expect(record.error?.message).toBe(`disk full while writing ${checkpoint}`);
    expect(readdirSync(runDir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
  it('run.json is still marked failed when not even its atomic rewrite fits (rewritten in place)', async () => {
    const runDir = path.join(dir, 'record-full');
    await executeRun({ runDir, runId: 'record-full', config: config(10), dataset: { kind: 'file', path: words }, backend: 'auto', inspect: false });
    const record = await readRunRecord(runDir);
    atomicTestHooks.beforeWrite = () => {
      throw enospc();
    };
    record.status = 'failed';
    record.error = { code: 'IO', message: 'disk full while writing x' };
    await writeFinalRunRecord(runDir, record);
    delete atomicTestHooks.beforeWrite;
    expect(await readRunRecord(runDir)).toMatchObject({ status: 'failed', error: { message: 'disk full while writing x' } });
    expect(existsSync(path.join(runDir, 'run.json'))).toBe(true);
    expect(readdirSync(runDir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
