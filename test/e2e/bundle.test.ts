/**
 * The built worker entries the desktop app starts with utilityProcess.fork (out/main/trainWorker.js and
 * out/main/jobWorker.js) load and work as plain Node processes: a bundling mistake (such as a duplicated
 * `require` declaration) would otherwise only show in the packaged app, where Electron cannot run here.
 *
 * Run with `npm run e2e` / `npm test` (they build first and set LAB_E2E=1); a bare `npx vitest run` skips it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import type { RunEvent } from '../../electron/engine/run/runEvents.js';
import { WORKER_ENTRIES, forkWorkers, modelJobRunner, trainingLauncher } from '../../electron/engine/worker/client.js';

const OUT = path.resolve(__dirname, '../../out/main');
const wanted = !!process.env.LAB_E2E;
if (wanted && !existsSync(path.join(OUT, 'jobWorker.js'))) throw new Error(`LAB_E2E is set but ${OUT}/jobWorker.js is not built`);

/** The bundled entries forked without tsx (execArgv empty): exactly the JavaScript the app ships. */
const forkBuilt = forkWorkers((kind) => ({ file: path.join(OUT, `${WORKER_ENTRIES[kind]}.js`), execArgv: [] }));

describe.skipIf(!wanted)('built worker entries', () => {
  let dir = '';
  let runDir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-bundle-'));
    runDir = path.join(dir, 'bn-run');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trainWorker.js trains a short bn3-fold run to completion', async () => {
    const words = path.join(dir, 'words.txt');
    writeFileSync(words, ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'mia', 'amelia', 'harper', 'evelyn', 'ella', 'luna', 'nora'].join('\n') + '\n');
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 40;
    config.train.evalEvery = 40;
    config.train.inspectEvery = 40;
    config.train.learningRate.decays = [];
    const events: RunEvent[] = [];
    const training = trainingLauncher(forkBuilt)({ runDir, config, dataset: { kind: 'file', path: words }, backend: 'cpu' }, (e) => events.push(e));
    expect((await training.done).steps).toBe(40);
    expect(events[0].type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { steps: 40 } });
  }, 60_000);

  it('jobWorker.js answers model jobs, and a LabError keeps its code', async () => {
    const run = modelJobRunner(forkBuilt);
    const compare = await run({ kind: 'foldCompare', runDir });
    for (const split of ['train', 'val', 'test'] as const) expect(compare.maxAbsLogitDiff[split]).toBeLessThanOrEqual(1e-4);
    expect(compare.parameterCount.after).toBeLessThan(compare.parameterCount.before);
    const { words } = await run({ kind: 'sample', model: { kind: 'run', runDir, folded: true }, count: 3, seed: 1 });
    expect(words).toHaveLength(3);
    const error = await run({ kind: 'foldPlan', runDir: path.join(dir, 'missing') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('RUN');
  }, 60_000);
});
