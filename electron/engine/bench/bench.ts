/**
 * Throughput figures for one preset on one backend: plain training, training with the inspectors on
 * (every-step update:data ratios + snapshots every K steps), whole-split evaluation and folding.
 * Speed goals live here (printed figures), not in timed tests.
 */
import { createBackend } from '../compute/select.js';
import type { BackendChoice, BackendReport } from '../compute/types.js';
import type { PreparedDataset } from '../data/index.js';
import { foldBatchNorm } from '../fold/fold.js';
import { hasBatchNorm } from '../io/labMeta.js';
import type { ExperimentConfig } from '../model/config.js';
import { initModel } from '../model/init.js';
import { train } from '../train/trainer.js';

export interface BenchResult {
  preset: string | null;
  backend: BackendReport['id'];
  backendReport: BackendReport;
  steps: number;
  /** Timed runs of each kind; the figures are the best of them. */
  repeats: number;
  stepsPerSecond: number;
  stepsPerSecondInspecting: number;
  /** Extra cost of the inspectors, as a fraction of plain training time. */
  inspectOverhead: number;
  evaluation: { split: 'train'; examples: number; seconds: number; examplesPerSecond: number };
  foldSeconds: number | null;
}

async function timedTraining(config: ExperimentConfig, dataset: PreparedDataset, choice: BackendChoice, inspect: boolean) {
  const initial = initModel(config.model, dataset.vocab.length, config.train.seed);
  const backend = await createBackend(initial, choice);
  try {
    const result = await train({ config, dataset, backend, initialState: initial, inspect, hooks: inspect ? { onSnapshot: () => {} } : {} });
    return { result, backend };
  } finally {
    backend.dispose();
  }
}

/** @param repeats timed runs of each kind (plain, inspecting), alternated; the best of each is reported */
export async function bench(config: ExperimentConfig, dataset: PreparedDataset, choice: BackendChoice, repeats = 3): Promise<BenchResult> {
  const cfg = structuredClone(config);
  cfg.train.evalEvery = 0;
  // Warm-up: compile/initialise the backend and let the JIT settle so both timed runs start equal.
  const warm = structuredClone(cfg);
  warm.train.steps = Math.min(500, cfg.train.steps);
  await timedTraining(warm, dataset, choice, true);

  // Alternate plain and inspecting runs and keep each one's best: on a shared machine a single pair of runs
  // swings by ±20%, far more than the inspectors' cost being measured.
  let plain = await timedTraining(cfg, dataset, choice, false);
  let inspecting = await timedTraining(cfg, dataset, choice, true);
  for (let r = 1; r < repeats; r++) {
    const p = await timedTraining(cfg, dataset, choice, false);
    if (p.result.stepsPerSecond > plain.result.stepsPerSecond) plain = p;
    const i = await timedTraining(cfg, dataset, choice, true);
    if (i.result.stepsPerSecond > inspecting.result.stepsPerSecond) inspecting = i;
  }

  const initial = initModel(cfg.model, dataset.vocab.length, cfg.train.seed);
  const backend = await createBackend(initial, choice);
  let evalSeconds: number;
  try {
    backend.loss(dataset.val.x, dataset.val.y, Math.min(dataset.val.n, 1000));
    const t0 = performance.now();
    backend.loss(dataset.train.x, dataset.train.y, dataset.train.n);
    evalSeconds = (performance.now() - t0) / 1000;
  } finally {
    backend.dispose();
  }
  let foldSeconds: number | null = null;
  if (hasBatchNorm(cfg.model)) {
    const t0 = performance.now();
    foldBatchNorm(initial);
    foldSeconds = (performance.now() - t0) / 1000;
  }
  const sps = plain.result.stepsPerSecond;
  const spsI = inspecting.result.stepsPerSecond;
  return {
    preset: cfg.preset,
    backend: plain.backend.report.id,
    backendReport: plain.backend.report,
    steps: cfg.train.steps,
    repeats,
    stepsPerSecond: sps,
    stepsPerSecondInspecting: spsI,
    inspectOverhead: sps > 0 && spsI > 0 ? sps / spsI - 1 : 0,
    evaluation: { split: 'train', examples: dataset.train.n, seconds: evalSeconds, examplesPerSecond: dataset.train.n / evalSeconds },
    foldSeconds,
  };
}
