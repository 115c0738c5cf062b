/**
 * A training process runs below normal priority, every thread of it, so the page drawing its curves gets a core
 * first on a busy machine (trainingPriority.ts; bench:ui in docs/performance.md). Read from outside, as `ps`
 * would: /proc/<pid>/task/<tid>/stat of the real forked worker while it trains (Linux, where CI runs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTrainingProcess } from '../../electron/engine/worker/client.js';
import { lowerTrainingPriority, PRIORITY_ENV, TRAINING_PRIORITY } from '../../electron/engine/worker/trainingPriority.js';
import { runConfig, smallWordsFile, tempDir } from '../helpers/fixtures.js';

/** Fields of /proc/…/stat after the parenthesised command name (which may hold spaces): [0] is field 3. */
const statFields = (file: string) => readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');

/** This process's children started from the training worker's entry. */
function trainingChildren(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(`/proc/${entry}/stat`)[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('trainWorker')) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The nice value of every thread of `pid` (field 19 of stat). */
const threadNices = (pid: number) => readdirSync(`/proc/${pid}/task`).map((tid) => Number(statFields(`/proc/${pid}/task/${tid}/stat`)[16]));

describe.runIf(process.platform === 'linux')('training process priority', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);

  it(`every thread of a training process runs at nice ${TRAINING_PRIORITY} (or lower, never higher) while it trains; this process is untouched`, async () => {
    const before = os.getPriority();
    // test/setup.ts keeps the suite's trainers at normal priority; this worker (forked now) gets the app's default.
    const setting = process.env[PRIORITY_ENV];
    delete process.env[PRIORITY_ENV];
    let progress = 0;
    let seen: { pid: number; nices: number[] } | null = null;
    const proc = startTrainingProcess(
      { runDir: path.join(dir, 'run'), config: runConfig('bn3-fold', 10_000_000), dataset: { kind: 'file', path: words }, backend: 'auto' },
      (e) => {
        // By the third batch of progress the kernel and every thread it uses are running.
        if (e.type !== 'progress' || ++progress !== 3) return;
        const [pid] = trainingChildren();
        seen = { pid, nices: threadNices(pid) };
        proc.stop();
      },
    );
    process.env[PRIORITY_ENV] = setting;
    await proc.done;
    expect(seen).not.toBeNull();
    const { nices } = seen!;
    expect(nices.length).toBeGreaterThan(1);
    // A lab started at a lower priority still (`nice -n 19 npm test`) keeps it: the trainer is never raised.
    expect(new Set(nices)).toEqual(new Set([Math.max(before, TRAINING_PRIORITY)]));
    expect(os.getPriority()).toBe(before);
  });

  it(`${PRIORITY_ENV}=normal keeps a training process at this process's priority`, async () => {
    expect(process.env[PRIORITY_ENV]).toBe('normal'); // test/setup.ts
    let progress = 0;
    let nices: number[] = [];
    const proc = startTrainingProcess(
      { runDir: path.join(dir, 'normal'), config: runConfig('bn3-fold', 10_000_000), dataset: { kind: 'file', path: words }, backend: 'auto' },
      (e) => {
        if (e.type !== 'progress' || ++progress !== 3) return;
        nices = threadNices(trainingChildren()[0]);
        proc.stop();
      },
    );
    await proc.done;
    expect(new Set(nices)).toEqual(new Set([os.getPriority()]));
  });

  it(`a ${PRIORITY_ENV} value it does not know is reported in one line and changes nothing`, () => {
    const before = os.getPriority();
    expect(lowerTrainingPriority({ [PRIORITY_ENV]: 'fast' })).toBe(`${PRIORITY_ENV}=fast: expected 'normal' or 'low'`);
    expect(os.getPriority()).toBe(before);
  });
});
