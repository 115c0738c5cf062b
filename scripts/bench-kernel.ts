/**
 * Quick throughput check of the fused kernel: steps/s for a preset on random int contexts.
 *   npx tsx scripts/bench-kernel.ts [presetId ...] [--steps N] [--batch N]
 * Defaults: bn3-fold and zero-init, 4000 timed steps after 300 warm-up steps, batch 32, vocab 27.
 */
import { createFusedBackend } from '../electron/engine/compute/fused/fusedBackend.js';
import { initModel } from '../electron/engine/model/init.js';
import { findPreset } from '../electron/engine/model/presets.js';
import { Rng } from '../electron/engine/util/rng.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const steps = flag('--steps', 4000);
const batch = flag('--batch', 32);
const presets = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const vocab = 27;

for (const id of presets.length ? presets : ['bn3-fold', 'zero-init']) {
  const preset = findPreset(id);
  if (!preset) throw new Error(`unknown preset ${id}`);
  const model = preset.config.model;
  const backend = await createFusedBackend(initModel(model, vocab, 1));
  const rng = new Rng(7);
  // A pool of pre-drawn batches so the timing measures the kernel, not the RNG.
  const pool = 64;
  const xs = Array.from({ length: pool }, () => rng.fillInts(new Int32Array(batch * model.blockSize), vocab));
  const ys = Array.from({ length: pool }, () => rng.fillInts(new Int32Array(batch), vocab));
  const plain = { gradients: false, trace: false };
  const inspecting = { gradients: true, trace: false };
  for (let s = 0; s < 300; s++) backend.trainStep(xs[s % pool], ys[s % pool], 0.1, plain);
  // Wall-clock rate, and the rate per CPU-second of this process (steadier on a shared machine).
  const time = (capture: typeof plain) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let loss = 0;
    for (let s = 0; s < steps; s++) loss = backend.trainStep(xs[s % pool], ys[s % pool], 0.01, capture);
    const cpu = process.cpuUsage(c0);
    return { rate: steps / ((performance.now() - t0) / 1000), cpuRate: steps / ((cpu.user + cpu.system) / 1e6), loss };
  };
  const a = time(plain);
  const b = time(inspecting);
  const evalN = 200_000;
  const ex = rng.fillInts(new Int32Array(evalN * model.blockSize), vocab);
  const ey = rng.fillInts(new Int32Array(evalN), vocab);
  const t0 = performance.now();
  backend.loss(ex, ey, evalN);
  const evalMs = performance.now() - t0;
  console.log(
    `${id.padEnd(12)} batch ${batch}: ${a.rate.toFixed(0)} steps/s (${a.cpuRate.toFixed(0)} per CPU-second), ` +
      `with gradient capture ${b.rate.toFixed(0)} (${b.cpuRate.toFixed(0)}); inference ${evalN} rows in ${evalMs.toFixed(0)} ms`,
  );
  backend.dispose();
}
