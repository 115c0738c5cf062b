/**
 * Where splitting a product across the kernel's threads starts to pay (native/kernel/threads.h, PAR_MIN_MACS):
 * bn3-shaped nets of width H at batch B, whose hidden product is B·H·H multiply-adds, trained on 1 thread and on
 * T threads with EVERY product split (thresholds at their minimum), interleaved over R rounds, best of each.
 *   npx tsx scripts/bench-split.ts [--sizes 64/32,100/32,64/128,...] [--threads T] [--rounds R] [--seconds S]
 * Prints one JSON line per size: the hidden product's MACs, wall steps/s for both, and the speed-up.
 */
import { createFusedBackend, type FusedBackendOptions } from '../electron/engine/compute/fused/fusedBackend.js';
import { availableCores } from '../electron/engine/compute/fused/kernelThreads.js';
import type { ModelConfig } from '../electron/engine/model/config.js';
import { initModel } from '../electron/engine/model/init.js';
import { findPreset } from '../electron/engine/model/presets.js';
import { Rng } from '../electron/engine/util/rng.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const sizes = option('--sizes', '64/32,100/32,64/64,100/64,64/128,100/128,128/128,160/128,256/128')
  .split(',')
  .map((s) => s.split('/').map(Number) as [number, number]);
const threads = Number(option('--threads', String(Math.max(2, availableCores()))));
const rounds = Number(option('--rounds', '3'));
const seconds = Number(option('--seconds', '1'));
const vocab = 27;

function bn3Shaped(hidden: number): ModelConfig {
  const model = findPreset('bn3-fold')!.config.model;
  return { ...model, hidden: model.hidden.map((h) => ({ ...h, size: hidden })) };
}

async function stepsPerSecond(config: ModelConfig, batch: number, options: FusedBackendOptions): Promise<number> {
  const backend = await createFusedBackend(initModel(config, vocab, 1), options);
  const rng = new Rng(7);
  const xs = Array.from({ length: 16 }, () => rng.fillInts(new Int32Array(batch * config.blockSize), vocab));
  const ys = Array.from({ length: 16 }, () => rng.fillInts(new Int32Array(batch), vocab));
  const step = (s: number) => backend.trainStep(xs[s % 16], ys[s % 16], 0.01, { gradients: false, trace: false });
  for (let s = 0, t0 = performance.now(); s < 3 || performance.now() - t0 < 200; s++) step(s);
  const t0 = performance.now();
  let n = 0;
  while (n < 3 || performance.now() - t0 < seconds * 1000) step(n++);
  const rate = n / ((performance.now() - t0) / 1000);
  backend.dispose();
  return rate;
}

for (const [hidden, batch] of sizes) {
  const config = bn3Shaped(hidden);
  let one = 0, split = 0;
  for (let r = 0; r < rounds; r++) {
    one = Math.max(one, await stepsPerSecond(config, batch, { threads: 1 }));
    split = Math.max(split, await stepsPerSecond(config, batch, { threads, split: { minMacs: 0, minRows: 8 }, eagerThreads: true }));
  }
  console.log(JSON.stringify({ hidden, batch, hiddenProductMacs: batch * hidden * hidden, threads, oneThread: +one.toFixed(1), split: +split.toFixed(1), speedup: +(split / one).toFixed(2) }));
}
