/**
 * Steps/s of the fused kernel (or, with --impl onnxruntime, the onnxruntime step graph) on bn3-shaped networks of any width and batch: the bn3-fold preset (embedding 10,
 * block 3, two BatchNorm+tanh hidden layers, BatchNorm output) with every hidden layer resized to H, trained at
 * batch B on random contexts over a 27-token vocabulary (the rate does not depend on the data).
 *   npx tsx scripts/bench-sizes.ts [--impl fused|onnxruntime] [--sizes 100/32,256/128,...] [--seconds S] [--repeats R] [--wasm FILE] [--threads T]
 * --threads sets the kernel's threads, or onnxruntime's intra-op threads (default: the backend's default, the
 * machine's cores); the kernel's are started before the warm-up, so their start-up is not timed.
 * Prints one JSON object per size: wall-clock steps/s and steps per CPU-second of this process (steadier on a
 * shared machine), each the best of R timed runs of at least S seconds, plus GFLOP/s (6·B·Σ in·out per step).
 * The PyTorch counterpart is scripts/bench-sizes.py; scripts/compare-sizes.sh runs both side by side.
 */
import { createFusedBackend } from '../electron/engine/compute/fused/fusedBackend.js';
import { createOnnxruntimeBackend } from '../electron/engine/compute/onnxruntime/onnxruntimeBackend.js';
import { defaultKernelThreads } from '../electron/engine/compute/fused/kernelThreads.js';
import { trainingFlopsPerStep } from '../electron/engine/compute/select.js';
import type { ComputeBackend } from '../electron/engine/compute/types.js';
import { initModel } from '../electron/engine/model/init.js';
import { findPreset } from '../electron/engine/model/presets.js';
import type { ModelConfig } from '../electron/engine/model/config.js';
import { Rng } from '../electron/engine/util/rng.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const sizes = option('--sizes', '100/32,256/128,512/256,1024/1024')
  .split(',')
  .map((s) => s.split('/').map(Number) as [number, number]);
const seconds = Number(option('--seconds', '2'));
const repeats = Number(option('--repeats', '3'));
const wasmPath = args.includes('--wasm') ? option('--wasm', '') : undefined;
const threads = args.includes('--threads') ? Number(option('--threads', '1')) : defaultKernelThreads();
const vocab = 27;
const impl = option('--impl', 'fused');
if (impl !== 'fused' && impl !== 'onnxruntime') throw new Error(`--impl: ${impl} is neither fused nor onnxruntime`);

/** bn3-fold with every hidden layer of width `hidden`. */
export function bn3Shaped(hidden: number): ModelConfig {
  const model = findPreset('bn3-fold')!.config.model;
  return { ...model, hidden: model.hidden.map((h) => ({ ...h, size: hidden })) };
}

for (const [hidden, batch] of sizes) {
  const config = bn3Shaped(hidden);
  const state = initModel(config, vocab, 1);
  const fused = impl === 'fused' ? await createFusedBackend(state, { ...(wasmPath ? { wasmPath } : {}), threads, eagerThreads: true }) : null;
  const backend: ComputeBackend = fused ?? createOnnxruntimeBackend(state, { threads });
  const rng = new Rng(7);
  const pool = 16; // pre-drawn batches, so the timing measures the kernel, not the RNG
  const xs = Array.from({ length: pool }, () => rng.fillInts(new Int32Array(batch * config.blockSize), vocab));
  const ys = Array.from({ length: pool }, () => rng.fillInts(new Int32Array(batch), vocab));
  const plain = { gradients: false, trace: false };
  const step = (s: number) => backend.trainStep(xs[s % pool], ys[s % pool], 0.01, plain);
  // Warm-up: at least 3 steps and 0.3 s (tier-up of the wasm code, first-touch of the scratch memory).
  for (let s = 0, t0 = performance.now(); s < 3 || performance.now() - t0 < 300; s++) step(s);
  let best = 0, bestCpu = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    let n = 0;
    while (n < 3 || performance.now() - t0 < seconds * 1000) step(n++);
    const cpu = process.cpuUsage(c0);
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
    bestCpu = Math.max(bestCpu, n / ((cpu.user + cpu.system) / 1e6));
  }
  const flops = trainingFlopsPerStep(config, vocab, batch);
  console.log(JSON.stringify({
    impl, threads, splitProducts: fused ? fused.threadStats().splitProducts > 0 : threads > 1, hidden, batch, mflopPerStep: +(flops / 1e6).toFixed(2),
    stepsPerSecond: +best.toFixed(2), stepsPerCpuSecond: +bestCpu.toFixed(2),
    gflops: +((best * flops) / 1e9).toFixed(2), gflopsPerCpu: +((bestCpu * flops) / 1e9).toFixed(2),
  }));
  backend.dispose();
}
