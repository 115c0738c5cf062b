/**
 * Model jobs in their own process (worker/client.ts + jobWorker.ts): a real forked job answers exactly what
 * the same job computes in-process, a LabError crosses with its code, message and details, and a job process
 * that dies or overruns its time rejects with a clear message instead of hanging.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { forkWorker, modelJobRunner, runModelJob, type SpawnWorker, type WorkerProcess } from '../../electron/engine/worker/client.js';
import { executeModelJob } from '../../electron/engine/worker/jobExecutor.js';
import { smallWordsFile, tempDir } from '../helpers/fixtures.js';

let dir: string;
let bnRun: string;

beforeAll(async () => {
  dir = tempDir('lab-jobs-');
  const words = smallWordsFile(dir);
  const config = structuredClone(findPreset('bn3-fold')!.config);
  config.train.steps = 60;
  config.train.evalEvery = 60;
  config.train.inspectEvery = 60;
  config.train.learningRate.decays = [];
  bnRun = path.join(dir, 'bn-run');
  await executeRun({ runDir: bnRun, runId: 'bn-run', config, dataset: { kind: 'file', path: words }, backend: 'cpu', inspect: false });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A forked job process whose exit the test can watch. */
function watchedSpawn() {
  const exits: string[] = [];
  let child: WorkerProcess | null = null;
  const spawn: SpawnWorker = (kind) => {
    child = forkWorker(kind);
    child.onExit((why) => exits.push(why));
    return child;
  };
  const exited = async () => {
    for (let i = 0; i < 200 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    return exits;
  };
  return { spawn, exited, child: () => child! };
}

describe('model jobs in a forked process', () => {
  it('foldCompare answers what the same job computes in-process (BatchNorm folded, equal logits)', async () => {
    const job = { kind: 'foldCompare', runDir: bnRun } as const;
    const [remote, local] = await Promise.all([runModelJob(job), executeModelJob(job)]);
    for (const split of ['train', 'val', 'test'] as const) {
      expect(remote.maxAbsLogitDiff[split]).toBeLessThanOrEqual(1e-4);
      expect(remote.loss.before[split]).toBe(local.loss.before[split]);
      expect(remote.loss.after[split]).toBe(local.loss.after[split]);
    }
    expect(remote.loss.before.train).toBeGreaterThan(1); // a 60-step model: cross-entropy well above 0
    expect(remote.parameterCount).toEqual(local.parameterCount);
    expect(remote.parameterCount.after).toBeLessThan(remote.parameterCount.before);
  }, 60_000);

  it('sample: same words as in-process for the same seed, different for another seed', async () => {
    const job = { kind: 'sample', model: { kind: 'run', runDir: bnRun, folded: true }, count: 8, seed: 3 } as const;
    const remote = await runModelJob(job);
    expect(remote.words).toHaveLength(8);
    expect(remote.words).toEqual((await executeModelJob(job)).words);
    const other = await runModelJob({ ...job, seed: 4 });
    expect(other.words).not.toEqual(remote.words);
  }, 60_000);

  it('a LabError raised in the job arrives as a LabError with the same code and message', async () => {
    const missing = path.join(dir, 'no-such-run');
    const local = await executeModelJob({ kind: 'foldPlan', runDir: missing }).catch((e: unknown) => e);
    expect(local).toBeInstanceOf(LabError);
    const remote = await runModelJob({ kind: 'foldPlan', runDir: missing }).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(LabError);
    expect((remote as LabError).code).toBe((local as LabError).code);
    expect((remote as LabError).message).toBe((local as LabError).message);

    const relative = await runModelJob({ kind: 'sample', model: { kind: 'file', path: 'model.onnx' }, count: 1, seed: 1 }).catch((e: unknown) => e);
    expect(relative).toMatchObject({ code: 'MODEL_FILE', message: 'model.onnx: expected an absolute path' });
  }, 60_000);

  it('a job process killed before answering rejects with a clear message', async () => {
    const w = watchedSpawn();
    const pending = modelJobRunner(w.spawn)({ kind: 'foldCompare', runDir: bnRun });
    w.child().kill();
    await expect(pending).rejects.toThrow('the model job process (foldCompare) was killed (SIGKILL) before answering');
  }, 30_000);

  it('a job past its time limit is stopped: rejected, and its process killed', async () => {
    const w = watchedSpawn();
    const started = Date.now();
    await expect(modelJobRunner(w.spawn, { timeoutMs: 300 })({ kind: 'foldCompare', runDir: bnRun })).rejects.toThrow(
      'the model job (foldCompare) took longer than 0.3 s and was stopped',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await w.exited()).toEqual(['was killed (SIGKILL)']);
  }, 30_000);

  it('export writes a new folder named after the run, inside the chosen parent', async () => {
    const parent = path.join(dir, 'exports');
    const result = await runModelJob({ kind: 'export', runDir: bnRun, parentFolder: parent, fold: true, formats: ['safetensors'] });
    expect(result.folder).toBe(path.join(parent, 'bn-run-folded'));
    expect(result.files.map((f) => f.name).sort()).toEqual(['README.md', 'lab-model.json', 'model.safetensors']);
    for (const f of result.files) expect(existsSync(path.join(result.folder, f.name))).toBe(true);
  }, 60_000);
});
