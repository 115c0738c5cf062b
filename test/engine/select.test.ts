/**
 * Backend selection: the pure size decision, the try-in-order logic with its report of skipped backends,
 * forced backends that cannot load, and the real backends this machine has (wasm, cpu, the fused kernel;
 * the native tfjs-node packages are optional and usually absent).
 */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../electron/engine/errors.js';
import { initModel } from '../../electron/engine/model/init.js';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import {
  BACKEND_RANKING,
  FUSED_TWO_THREAD_SPEEDUP,
  MEASURED_RATES,
  fusedRate,
  onnxruntimeRate,
  onnxruntimeThreads,
  slowerReason,
  createBackend,
  planBackends,
  predictStepMs,
  trainingFlopsPerStep,
  type BackendLoader,
  type RateTable,
} from '../../electron/engine/compute/select.js';
import { BackendUnavailableError, isInstalled } from '../../electron/engine/compute/tfLoaders.js';
import { Rng } from '../../electron/engine/util/rng.js';

const bn3 = findPreset('bn3-fold')!.config.model;
const smallState = (): ModelState => initModel(bn3, 27, 7);
/** One wide hidden layer: 1024 units at batch 4096 is the "the GPU path should win" size. */
const wide: ModelConfig = { ...bn3, hidden: [{ ...bn3.hidden[0], size: 1024 }] };
const nativeInstalled = isInstalled('@tensorflow/tfjs-node') || isInstalled('@tensorflow/tfjs-node-gpu');

const unavailable = (reason: string): BackendLoader => async () => {
  throw new BackendUnavailableError(reason);
};

function batch(rows: number, seed: number): { x: Int32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = Int32Array.from({ length: rows * 3 }, () => rng.nextUint32() % 27);
  const y = Int32Array.from({ length: rows }, () => rng.nextUint32() % 27);
  return { x, y };
}

describe('the size decision (pure)', () => {
  it('counts 6·B·Σ in·out training FLOPs per step (bn3 at batch 32 ≈ 3 MFLOP)', () => {
    expect(trainingFlopsPerStep(bn3, 27, 32)).toBe(6 * 32 * (30 * 100 + 100 * 100 + 100 * 27));
    expect(trainingFlopsPerStep(wide, 27, 4096)).toBe(6 * 4096 * (30 * 1024 + 1024 * 27));
  });

  it('auto puts the fused kernel first for small models and names both predictions when a native backend loses', () => {
    const plan = planBackends('auto', trainingFlopsPerStep(bn3, 27, 32));
    // 3.0 MFLOP: fused 0.12 ms < onnxruntime 0.30 ms < wasm 1.3 ms < tensorflow 3.1 ms < tensorflow-gpu 3.8 ms < cpu 8.3 ms
    expect(plan.order).toEqual(['fused', 'onnxruntime', 'wasm', 'tensorflow', 'tensorflow-gpu', 'cpu']);
    expect(plan.demoted.map((d) => d.id)).toEqual(['onnxruntime', 'tensorflow', 'tensorflow-gpu']);
    expect(plan.demoted[0].reason).toBe(
      'slower than fused for this size: predicted 0.30 ms/step (measured: 0.27 ms + 3.0 MFLOP at 98 GFLOP/s) ' +
        'vs 0.12 ms/step (measured: 0.036 ms + 3.0 MFLOP at 34 GFLOP/s)',
    );
    expect(plan.demoted[2].reason).toBe(
      'slower than fused for this size: predicted 3.8 ms/step (estimated: 3.8 ms + 3.0 MFLOP at 5000 GFLOP/s) ' +
        'vs 0.12 ms/step (measured: 0.036 ms + 3.0 MFLOP at 34 GFLOP/s)',
    );
  });

  it('auto on large models (hidden 1024, batch 4096): the GPU estimate, then onnxruntime ahead of the libtensorflow estimate', () => {
    const flops = trainingFlopsPerStep(wide, 27, 4096);
    // 1.4 GFLOP: tensorflow-gpu 4.0 ms < onnxruntime 15 ms < tensorflow 32 ms < fused 42 ms < wasm 144 ms < cpu 2,400 ms
    expect(planBackends('auto', flops)).toEqual({
      order: ['tensorflow-gpu', 'onnxruntime', 'tensorflow', 'fused', 'wasm', 'cpu'],
      demoted: [],
    });
  });

  it('auto picks the measured-faster of fused and onnxruntime per size, and the reason names both measured rates', () => {
    const bn3Shaped = (h: number) => ({ ...bn3, hidden: bn3.hidden.map((l) => ({ ...l, size: h })) });
    const first = (h: number, b: number, threads: number) => {
      const flops = trainingFlopsPerStep(bn3Shaped(h), 27, b);
      const rates = { ...MEASURED_RATES, fused: fusedRate(threads, flops), onnxruntime: onnxruntimeRate(threads) };
      return planBackends('auto', flops, rates).order.filter((id) => id === 'fused' || id === 'onnxruntime')[0];
    };
    for (const threads of [1, 2]) {
      // the four sizes, and both sides of the ≈12 MFLOP crossover bench-sizes.ts measured
      expect([first(100, 32, threads), first(100, 64, threads), first(128, 128, threads)]).toEqual(['fused', 'fused', 'onnxruntime']);
      expect([first(256, 128, threads), first(512, 256, threads), first(1024, 1024, threads)]).toEqual(['onnxruntime', 'onnxruntime', 'onnxruntime']);
    }
    const flops = trainingFlopsPerStep(bn3Shaped(512), 27, 256);
    expect(slowerReason('fused', 'onnxruntime', flops, { ...MEASURED_RATES, onnxruntime: onnxruntimeRate(2) })).toBe(
      'slower than onnxruntime for this size: predicted 13 ms/step (measured: 0.036 ms + 447 MFLOP at 34 GFLOP/s) ' +
        'vs 4.8 ms/step (measured on 1 thread, assumed the same on 2: 0.27 ms + 447 MFLOP at 98 GFLOP/s)',
    );
  });

  it('auto follows injected measurements: the crossover moves with the rates', () => {
    // fused: no overhead at 20 GFLOP/s; GPU: 2 ms a step at 1000 GFLOP/s → equal at 2/(1/20e6 − 1/1e9) ≈ 40.8 MFLOP
    const rates: RateTable = {
      ...MEASURED_RATES,
      fused: { overheadMs: 0, gflops: 20, source: 'measured' },
      'tensorflow-gpu': { overheadMs: 2, gflops: 1000, source: 'measured' },
      onnxruntime: { overheadMs: 2, gflops: 100, source: 'measured' },
    };
    expect(planBackends('auto', 40e6, rates).order.slice(0, 2)).toEqual(['fused', 'tensorflow-gpu']);
    expect(planBackends('auto', 42e6, rates).order.slice(0, 2)).toEqual(['tensorflow-gpu', 'fused']);
    expect(predictStepMs(rates.fused, 40e6)).toBeCloseTo(2, 10);
    // a GPU measured with almost no per-step overhead wins even at bn3's size
    const fastLaunch = { ...rates, 'tensorflow-gpu': { overheadMs: 0.01, gflops: 1000, source: 'measured' } };
    expect(planBackends('auto', trainingFlopsPerStep(bn3, 27, 32), fastLaunch).order[0]).toBe('tensorflow-gpu');
    // equal predictions keep the general ranking
    const same = Object.fromEntries(BACKEND_RANKING.map((id) => [id, { overheadMs: 1, gflops: 1, source: 'measured' }])) as RateTable;
    expect(planBackends('auto', 1e6, same)).toEqual({ order: [...BACKEND_RANKING], demoted: [] });
  });

  it("auto counts the fused kernel's threads: they speed up only steps with products large enough to split", () => {
    // bn3 at batch 32 (3 MFLOP): no product is split, so the rate is the one-thread one on any thread count.
    const small = trainingFlopsPerStep(bn3, 27, 32);
    expect(fusedRate(2, small)).toEqual(MEASURED_RATES.fused);
    // bn3-shaped width 512, batch 256 (447 MFLOP): one thread is predicted behind the libtensorflow estimate,
    // two threads ahead of it.
    const wide512 = { ...bn3, hidden: bn3.hidden.map((h) => ({ ...h, size: 512 })) };
    const flops = trainingFlopsPerStep(wide512, 27, 256);
    const on = (threads: number) => planBackends('auto', flops, { ...MEASURED_RATES, fused: fusedRate(threads, flops) });
    expect(on(1).order.indexOf('fused')).toBeGreaterThan(on(1).order.indexOf('tensorflow'));
    expect(on(2).order.indexOf('fused')).toBeLessThan(on(2).order.indexOf('tensorflow'));
    const two = fusedRate(2, flops);
    expect(two.gflops).toBeCloseTo(MEASURED_RATES.fused.gflops * FUSED_TWO_THREAD_SPEEDUP, 10);
    // The printed reason names the threads and the measured rates behind the prediction.
    const reason = slowerReason('tensorflow', 'fused', flops, { ...MEASURED_RATES, fused: two });
    expect(reason).toContain('slower than fused for this size: predicted 12 ms/step (estimated: 3.0 ms + 447 MFLOP at 50 GFLOP/s) vs ');
    expect(reason).toContain(`(measured on 1 thread, ×${FUSED_TWO_THREAD_SPEEDUP.toFixed(2)} on 2: 0.036 ms + 447 MFLOP at ${two.gflops.toPrecision(2)} GFLOP/s)`);
  });

  it('forced choices try only themselves (tensorflow: GPU package first, then CPU)', () => {
    expect(planBackends('tensorflow', 1).order).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(planBackends('fused', 1e12).order).toEqual(['fused']);
    expect(planBackends('onnxruntime', 1).order).toEqual(['onnxruntime']);
    expect(planBackends('wasm', 1).order).toEqual(['wasm']);
    expect(planBackends('cpu', 1).order).toEqual(['cpu']);
  });
});

describe('createBackend', () => {
  it('a forced backend that cannot load is LabError BACKEND naming every reason', async () => {
    const loaders = {
      'tensorflow-gpu': unavailable('@tensorflow/tfjs-node-gpu is not installed (optional dependency)'),
      tensorflow: unavailable('@tensorflow/tfjs-node: libtensorflow failed to load: libtensorflow.so.2: cannot open shared object file'),
    };
    const err = await createBackend(smallState(), 'tensorflow', { loaders }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('BACKEND');
    expect((err as LabError).message).toContain('tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
    expect((err as LabError).message).toContain('libtensorflow failed to load: libtensorflow.so.2');

    const wasmErr = await createBackend(smallState(), 'wasm', { loaders: { wasm: unavailable('no WebAssembly') } }).catch((e: unknown) => e);
    expect(wasmErr).toBeInstanceOf(LabError);
    expect((wasmErr as LabError).message).toBe("backend 'wasm' is not available (wasm: no WebAssembly).");
  });

  it.skipIf(nativeInstalled)('--backend tensorflow without the native packages installed: "not installed" for both', async () => {
    const err = await createBackend(smallState(), 'tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toMatch(/tfjs-node-gpu is not installed.*tfjs-node is not installed/);
  });

  it('auto on a large model walks the ranking and reports each skipped backend with its own reason', async () => {
    const crash: BackendLoader = async () => {
      throw new Error('segfault-free but broken\nsecond line of a long native error');
    };
    const backend = await createBackend(initModel(wide, 27, 1), 'auto', {
      batchSize: 4096,
      kernelThreads: 1, // on more threads the fused kernel is predicted ahead of libtensorflow at this size
      loaders: {
        'tensorflow-gpu': unavailable('@tensorflow/tfjs-node-gpu is not installed (optional dependency)'),
        onnxruntime: unavailable('onnxruntime-node has no binary for darwin/x64'),
        tensorflow: crash,
        fused: unavailable('kernel missing'),
      },
    });
    try {
      expect(backend.report.id).toBe('wasm');
      expect(backend.report.skipped).toEqual([
        { id: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed (optional dependency)' },
        { id: 'onnxruntime', reason: 'onnxruntime-node has no binary for darwin/x64' },
        { id: 'tensorflow', reason: 'failed to start: segfault-free but broken' },
        { id: 'fused', reason: 'kernel missing' },
      ]);
      expect(backend.report.description).toMatch(/WebAssembly/);
    } finally {
      backend.dispose();
    }
  });

  it('auto with injected measurements starts the predicted-fastest backend and prints the rates it beat', async () => {
    const rates: RateTable = { ...MEASURED_RATES, cpu: { overheadMs: 0.001, gflops: 1e6, source: 'measured' } };
    const backend = await createBackend(smallState(), 'auto', { rates });
    try {
      expect(backend.report.id).toBe('cpu');
      const fused = backend.report.skipped.find((s) => s.id === 'fused')!;
      expect(fused.reason).toBe(
        'slower than cpu for this size: predicted 0.12 ms/step (measured: 0.036 ms + 3.0 MFLOP at 34 GFLOP/s) ' +
          'vs 0.0010 ms/step (measured: 0.0010 ms + 3.0 MFLOP at 1000000 GFLOP/s)',
      );
      expect(backend.report.skipped.map((s) => s.id).sort()).toEqual(['fused', 'onnxruntime', 'tensorflow', 'tensorflow-gpu', 'wasm']);
    } finally {
      backend.dispose();
    }
  });

  it('auto on a small model whose fused kernel fails falls back down the ranking', async () => {
    const backend = await createBackend(smallState(), 'auto', {
      loaders: { fused: unavailable('kernel missing'), onnxruntime: unavailable('onnxruntime-node has no binary for darwin/x64'), wasm: unavailable('no wasm') },
    });
    try {
      expect(backend.report.id).toBe(nativeInstalled ? backend.report.id : 'cpu');
      expect(backend.report.skipped[0]).toEqual({ id: 'fused', reason: 'kernel missing' });
      expect(backend.report.skipped[1]).toEqual({ id: 'onnxruntime', reason: 'onnxruntime-node has no binary for darwin/x64' });
      if (!nativeInstalled) {
        // at 3 MFLOP the predicted order is fused, onnxruntime, wasm, tensorflow, tensorflow-gpu, cpu
        expect(backend.report.skipped.map((s) => s.id)).toEqual(['fused', 'onnxruntime', 'wasm', 'tensorflow', 'tensorflow-gpu']);
        expect(backend.report.skipped[3].reason).toMatch(/not installed/);
      }
    } finally {
      backend.dispose();
    }
  });

  it("'cpu' then 'wasm' in one process: both train and agree on the same batch", async () => {
    const { x, y } = batch(32, 3);
    const cpu = await createBackend(smallState(), 'cpu');
    const wasm = await createBackend(smallState(), 'wasm');
    try {
      expect([cpu.report.id, wasm.report.id]).toEqual(['cpu', 'wasm']);
      expect(cpu.report.skipped).toEqual([]);
      const a = cpu.trainStep(x, y, 0.1, { gradients: false, trace: false });
      const b = wasm.trainStep(x, y, 0.1, { gradients: false, trace: false });
      expect(a).toBeGreaterThan(2);
      expect(Math.abs(a - b)).toBeLessThan(1e-5);
      expect(Math.abs(cpu.loss(x, y, 32) - wasm.loss(x, y, 32))).toBeLessThan(1e-4);
    } finally {
      cpu.dispose();
      wasm.dispose();
    }
  });

  it("auto on bn3 picks the fused kernel and 'fused' trains like the tf.js backend (smoke)", async () => {
    const auto = await createBackend(smallState(), 'auto');
    try {
      expect(auto.report.id).toBe('fused');
      expect(auto.report.skipped.map((s) => s.id)).toEqual(['onnxruntime', 'tensorflow', 'tensorflow-gpu']);
      for (const s of auto.report.skipped) expect(s.reason).toMatch(/^slower than fused for this size: predicted .* GFLOP\/s\)/);
    } finally {
      auto.dispose();
    }
    const fused = await createBackend(smallState(), 'fused');
    const reference = await createBackend(smallState(), 'cpu');
    try {
      expect(fused.report.id).toBe('fused');
      for (let step = 0; step < 5; step++) {
        const { x, y } = batch(32, 100 + step);
        const a = fused.trainStep(x, y, 0.1, { gradients: true, trace: false });
        const b = reference.trainStep(x, y, 0.1, { gradients: true, trace: false });
        expect(Math.abs(a - b)).toBeLessThan(1e-4);
      }
      const w1f = fused.tensor('W1');
      const w1r = reference.tensor('W1');
      let err = 0;
      for (let j = 0; j < w1r.length; j++) err = Math.max(err, Math.abs(w1f[j] - w1r[j]));
      expect(err).toBeLessThan(1e-5);
    } finally {
      fused.dispose();
      reference.dispose();
    }
  });

  it("auto on a bn3-shaped net of width 512 at batch 256 starts onnxruntime; 'onnxruntime' trains like the fused kernel", async () => {
    const wide512 = { ...bn3, hidden: bn3.hidden.map((h) => ({ ...h, size: 512 })) };
    const auto = await createBackend(initModel(wide512, 27, 3), 'auto', { batchSize: 256, kernelThreads: 1 });
    try {
      expect(auto.report.id).toBe('onnxruntime');
      expect(auto.report.description).toBe('onnxruntime-node CPU (MLAS), one graph per step, 1 thread');
      // tensorflow-gpu's estimate (3.8 ms) is ahead, but it is not installed here; libtensorflow's is behind.
      if (!nativeInstalled) expect(auto.report.skipped.map((s) => s.id)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(auto.report.skipped.find((s) => s.id === 'tensorflow')!.reason).toMatch(/^slower than onnxruntime for this size: predicted .* vs 4\.8 ms\/step \(measured: 0\.27 ms \+ 447 MFLOP at 98 GFLOP\/s\)/);
    } finally {
      auto.dispose();
    }
    // A small net gets one intra-op thread even with two available: below 1 GFLOP a step the pool costs more.
    const ort = await createBackend(smallState(), 'onnxruntime', { kernelThreads: 2 });
    const fused = await createBackend(smallState(), 'fused', { kernelThreads: 1 });
    try {
      expect(ort.report).toEqual({ id: 'onnxruntime', description: 'onnxruntime-node CPU (MLAS), one graph per step, 1 thread', skipped: [] });
      for (let step = 0; step < 5; step++) {
        const { x, y } = batch(32, 200 + step);
        const a = ort.trainStep(x, y, 0.1, { gradients: true, trace: false });
        const b = fused.trainStep(x, y, 0.1, { gradients: true, trace: false });
        expect(Math.abs(a - b)).toBeLessThan(1e-5);
      }
      expect(ort.updateMoments).toBeDefined();
    } finally {
      ort.dispose();
      fused.dispose();
    }
  });

  it('onnxruntime takes the thread budget only for steps of 0.9 GFLOP or more (width 1024 at batch 256: 1.7 GFLOP)', async () => {
    expect([onnxruntimeThreads(2, 447e6), onnxruntimeThreads(2, 0.89e9), onnxruntimeThreads(2, 0.9e9), onnxruntimeThreads(4, 6.8e9), onnxruntimeThreads(1, 6.8e9)]).toEqual([1, 1, 2, 4, 1]);
    const wide1024 = { ...bn3, hidden: bn3.hidden.map((h) => ({ ...h, size: 1024 })) };
    const state = initModel(wide1024, 27, 3);
    expect(trainingFlopsPerStep(wide1024, 27, 256)).toBeGreaterThan(1.6e9);
    for (const [batchSize, description] of [
      [256, 'onnxruntime-node CPU (MLAS), one graph per step, 2 threads'],
      [64, 'onnxruntime-node CPU (MLAS), one graph per step, 1 thread'],
    ] as const) {
      const ort = await createBackend(state, 'onnxruntime', { batchSize, kernelThreads: 2 });
      try {
        expect(ort.report.description, `batch ${batchSize}`).toBe(description);
      } finally {
        ort.dispose();
      }
    }
  });

  it("--backend onnxruntime where onnxruntime-node cannot run is LabError BACKEND with the one-line reason", async () => {
    const err = await createBackend(smallState(), 'onnxruntime', { loaders: { onnxruntime: unavailable('onnxruntime-node has no binary for darwin/x64') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe("backend 'onnxruntime' is not available (onnxruntime: onnxruntime-node has no binary for darwin/x64).");
  });
});
