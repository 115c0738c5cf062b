/**
 * The fused kernel's worker threads (native/kernel/threads.h, compute/fused/kernelThreads.ts): the same seed gives
 * bit-identical losses, weights, running buffers and logits on any thread count; small networks never start a
 * thread; a process whose kernel threads are running still exits as soon as its work is done.
 * The oracle itself runs under 1 and 2 threads in fused.test.ts.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createFusedBackend, type FusedBackendOptions } from '../../electron/engine/compute/fused/fusedBackend.js';
import { defaultKernelThreads, threadsPerProcess } from '../../electron/engine/compute/fused/kernelThreads.js';
import { createBackend } from '../../electron/engine/compute/select.js';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { initModel } from '../../electron/engine/model/init.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { Rng } from '../../electron/engine/util/rng.js';

const VOCAB = 27;
const bn3 = findPreset('bn3-fold')!.config.model;
const bn3Shaped = (hidden: number): ModelConfig => ({ ...bn3, hidden: bn3.hidden.map((h) => ({ ...h, size: hidden })) });
const plain = { gradients: false, trace: false };

/** Trains `steps` SGD steps from seed 1 and returns every loss, the final state and the logits of one more batch. */
async function trainRun(config: ModelConfig, batch: number, steps: number, options: FusedBackendOptions) {
  const backend = await createFusedBackend(initModel(config, VOCAB, 1), options);
  const rng = new Rng(7);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const x = rng.fillInts(new Int32Array(batch * config.blockSize), VOCAB);
    const y = rng.fillInts(new Int32Array(batch), VOCAB);
    losses.push(backend.trainStep(x, y, 0.1, s === steps - 1 ? { gradients: true, trace: true } : plain));
  }
  const grads = Object.fromEntries(Object.entries(backend.gradients()).map(([k, v]) => [k, v.slice()]));
  const x = rng.fillInts(new Int32Array(500 * config.blockSize), VOCAB);
  const logits = backend.logits(x, 500);
  const result = { losses, state: backend.state(), grads, logits, stats: backend.threadStats(), description: backend.report.description };
  backend.dispose();
  return result;
}

/** Same bits, not just close: Object.is per value (so −0 vs 0 and NaN payload differences would show). */
function expectBitIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  const mismatch = Array.from(a).findIndex((v, k) => !Object.is(v, b[k]));
  expect(mismatch, `${what}: first difference at ${mismatch}`).toBe(-1);
}

function expectSameState(a: ModelState, b: ModelState): void {
  expect(Object.keys(a.tensors).sort()).toEqual(Object.keys(b.tensors).sort());
  for (const name of Object.keys(a.tensors)) expectBitIdentical(a.tensors[name], b.tensors[name], name);
}

describe('fused kernel threads', () => {
  it('width 256, batch 128 at the default thresholds: 1, 2 and 3 threads give bit-identical losses, weights, buffers, gradients, logits', async () => {
    const config = bn3Shaped(256);
    const one = await trainRun(config, 128, 25, { threads: 1 });
    expect(one.stats.splitProducts).toBe(0);
    expect(one.description).toMatch(/1 thread$/);
    for (const threads of [2, 3]) {
      const many = await trainRun(config, 128, 25, { threads, eagerThreads: true });
      expect(many.description).toMatch(new RegExp(`${threads} threads$`));
      expect(many.stats.ready).toBe(threads - 1);
      // Every step split the second hidden layer's three products (128·256·256 multiply-adds each; the others are
      // under the threshold), and the logits call (500 rows) its forward one.
      expect(many.stats.splitProducts).toBe(25 * 3 + 1);
      expectBitIdentical(many.losses, one.losses, `losses on ${threads} threads`);
      expectSameState(many.state, one.state);
      for (const name of Object.keys(one.grads)) expectBitIdentical(many.grads[name], one.grads[name], `gradient ${name}`);
      expectBitIdentical(many.logits, one.logits, 'logits');
    }
  });

  it('every product split, on rows not a multiple of 4 per part: still bit-identical to one thread', async () => {
    const config = bn3Shaped(37);
    const one = await trainRun(config, 50, 10, { threads: 1 });
    const two = await trainRun(config, 50, 10, { threads: 2, split: { minMacs: 0, minRows: 4, callerOnePart: true }, eagerThreads: true });
    expect(two.stats.workerParts).toBeGreaterThan(0);
    expectBitIdentical(two.losses, one.losses, 'losses');
    expectSameState(two.state, one.state);
    expectBitIdentical(two.logits, one.logits, 'logits');
  });

  it('the lecture presets never start a thread: bn3-fold at batch 32 stays on the calling thread', async () => {
    const run = await trainRun(bn3Shaped(100), 32, 20, { threads: 2 });
    expect(run.stats).toEqual({ ready: 0, splitProducts: 0, workerParts: 0 });
  });

  it('createBackend passes kernelThreads to the fused kernel, and its report says how many', async () => {
    for (const [kernelThreads, says] of [[1, /, 1 thread$/], [3, /, 3 threads$/]] as const) {
      const backend = await createBackend(initModel(bn3, VOCAB, 1), 'fused', { kernelThreads });
      expect(backend.report.description).toMatch(says);
      backend.dispose();
    }
  });

  it('a thread count that is not a positive integer is refused by name', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      await expect(createFusedBackend(initModel(bn3, VOCAB, 1), { threads })).rejects.toThrow(/threads must be a positive integer/);
    }
  });

  it('threads: LAB_KERNEL_THREADS, else the cores; a sweep divides the cores between its processes', () => {
    expect(defaultKernelThreads({ LAB_KERNEL_THREADS: '3' })).toBe(3);
    expect(defaultKernelThreads({ LAB_KERNEL_THREADS: 'many' })).toBeGreaterThanOrEqual(1);
    expect(threadsPerProcess(1, 8)).toBe(8);
    expect(threadsPerProcess(2, 8)).toBe(4);
    expect(threadsPerProcess(3, 8)).toBe(2);
    expect(threadsPerProcess(2, 2)).toBe(1);
    expect(threadsPerProcess(16, 2)).toBe(1);
  });

  it('a process whose kernel threads are running exits as soon as its work is done (no dispose)', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const backendUrl = pathToFileURL(path.join(here, '../../electron/engine/compute/fused/fusedBackend.ts')).href;
    const initUrl = pathToFileURL(path.join(here, '../../electron/engine/model/init.ts')).href;
    const script = `
      const { createFusedBackend } = await import(${JSON.stringify(backendUrl)});
      const { initModel } = await import(${JSON.stringify(initUrl)});
      const config = ${JSON.stringify(bn3Shaped(256))};
      const backend = await createFusedBackend(initModel(config, ${VOCAB}, 1), { threads: 2, eagerThreads: true });
      for (let s = 0; s < 3; s++) backend.trainStep(new Int32Array(128 * 3), new Int32Array(128), 0.1, { gradients: false, trace: false });
      console.log(JSON.stringify(backend.threadStats()));
    `;
    const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let doneAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      doneAt = performance.now();
    });
    // A process held open by its threads would never exit: end it (and fail below) instead of leaving it behind.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    const exitMs = performance.now() - doneAt;
    expect(code).toBe(0);
    const stats = JSON.parse(out.trim());
    expect(stats.ready).toBe(1);
    expect(stats.splitProducts).toBeGreaterThan(0);
    // The unref'd workers, asleep in the kernel, do not hold the process open.
    expect(exitMs).toBeLessThan(2000);
  });
});
