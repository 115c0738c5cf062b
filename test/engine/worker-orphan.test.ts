/**
 * A training process whose parent goes away (a `lab serve` or the app killed from outside) must not train on as
 * an orphan with its run.json stuck at `running`: it stops, saves the run as `stopped`, and exits. A spare process
 * that never got a request just exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { smallWordsFile, tempDir } from '../helpers/fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '../../electron/engine/worker/trainWorker.ts');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function forkTrainer(): ChildProcess {
  return fork(entry, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('a training process whose parent goes away', () => {
  const dir = tempDir();

  it('stops, saves the run as stopped and exits', async () => {
    const runDir = path.join(dir, 'orphan');
    const config = structuredClone(findPreset('zero-init')!.config);
    config.train.steps = 10_000_000; // far more than the test waits for
    const child = forkTrainer();
    const exit = exited(child);
    const progressed = new Promise<void>((resolve) => child.on('message', (m: { type: string; event?: { type: string } }) => m.type === 'event' && m.event?.type === 'progress' && resolve()));
    child.send({ type: 'start', request: { runDir, config, dataset: { kind: 'file', path: smallWordsFile(dir) }, backend: 'auto' } });
    await progressed;
    child.disconnect(); // the parent is gone
    expect(await exit).toBe(0);
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(record.status).toBe('stopped');
    expect(record.result.steps).toBeGreaterThan(0);
    expect(record.result.steps).toBeLessThan(10_000_000);
  });

  it('with kernel threads running (a wide net on the fused kernel): stops, saves and exits too', async () => {
    const runDir = path.join(dir, 'orphan-threads');
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.model.hidden = config.model.hidden.map((h) => ({ ...h, size: 256 }));
    config.train.batchSize = 128; // 128·256·256 multiply-adds per hidden product: split across the threads
    config.train.steps = 10_000_000;
    const child = forkTrainer();
    const exit = exited(child);
    const progressed = new Promise<void>((resolve) => child.on('message', (m: { type: string; event?: { type: string } }) => m.type === 'event' && m.event?.type === 'progress' && resolve()));
    child.send({ type: 'start', request: { runDir, config, dataset: { kind: 'file', path: smallWordsFile(dir) }, backend: 'fused', kernelThreads: 2 } });
    await progressed;
    child.disconnect();
    expect(await exit).toBe(0);
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(record.status).toBe('stopped');
    expect(record.backend.description).toMatch(/2 threads$/);
  });

  it('a spare that never got a request exits at once', async () => {
    const child = forkTrainer();
    const exit = exited(child);
    await new Promise((r) => setTimeout(r, 1500)); // loaded and waiting
    child.disconnect();
    expect(await exit).toBe(0);
  });
});
