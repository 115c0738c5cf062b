/**
 * The training loop: minibatch SGD over the training split with a step-wise learning rate, progress
 * reporting, pause/resume/stop, periodic evaluation and inspector captures.
 *
 * The loop owns no maths: a ComputeBackend does each step. It runs on the caller's thread, yielding to
 * the event loop between short slices so pause/stop messages and progress flushes get through.
 */
import type { ComputeBackend } from '../compute/types.js';
import type { PreparedDataset, SplitExamples } from '../data/index.js';
import { changedParams } from '../inspect/changedSinceInit.js';
import { buildSnapshot, type InspectionSnapshot } from '../inspect/snapshot.js';
import { updateRatios } from '../inspect/updateRatio.js';
import { learningRateAt, type ExperimentConfig } from '../model/config.js';
import { paramSpecs, sizeOf, type ModelState } from '../model/params.js';
import { deriveSeed, Rng } from '../util/rng.js';
import { TrainControl } from './control.js';
import { ThroughputMeter } from './throughput.js';
import type { EvalPoint, LossChunk, SplitLosses, TrainProgress, TrainResult, UpdateRatioChunk } from './types.js';

export interface TrainHooks {
  /** Called at most every `flushIntervalMs` with everything new since the previous call. */
  onProgress?(progress: TrainProgress, loss: LossChunk, ratios: UpdateRatioChunk | null): void;
  onEval?(point: EvalPoint): void;
  onSnapshot?(snapshot: InspectionSnapshot): void;
}

export interface TrainOptions {
  config: ExperimentConfig;
  dataset: PreparedDataset;
  backend: ComputeBackend;
  /** The state the backend started from: `changed` flags compare against it. */
  initialState: ModelState;
  /** Capture every-step update:data ratios and every-K-steps snapshots (the inspectors). Default true. */
  inspect?: boolean;
  /** Minimum time between progress callbacks (default 50 ms: at most ~20 messages a second). */
  flushIntervalMs?: number;
  control?: TrainControl;
  hooks?: TrainHooks;
}

/** Longest stretch of steps between two looks at the event loop. */
const SLICE_MS = 25;

/** Stream for minibatch draws, separate from the initialisation stream so both are reproducible. */
export const BATCH_STREAM = 1;

/** Copies the rows of `idx` from a split into preallocated batch buffers. */
export function gatherBatch(split: SplitExamples, blockSize: number, idx: Int32Array, xb: Int32Array, yb: Int32Array): void {
  for (let b = 0; b < idx.length; b++) {
    const row = idx[b];
    xb.set(split.x.subarray(row * blockSize, (row + 1) * blockSize), b * blockSize);
    yb[b] = split.y[row];
  }
}

export function evaluateSplits(backend: ComputeBackend, dataset: PreparedDataset): SplitLosses {
  return {
    train: backend.loss(dataset.train.x, dataset.train.y, dataset.train.n),
    val: backend.loss(dataset.val.x, dataset.val.y, dataset.val.n),
    test: backend.loss(dataset.test.x, dataset.test.y, dataset.test.n),
  };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, dataset, backend, initialState } = options;
  const { train: trainCfg } = config;
  const inspect = options.inspect ?? true;
  const flushInterval = options.flushIntervalMs ?? 50;
  const control = options.control ?? new TrainControl();
  const hooks = options.hooks ?? {};
  const blockSize = config.model.blockSize;
  if (dataset.blockSize !== blockSize) throw new Error(`dataset block size ${dataset.blockSize} ≠ model block size ${blockSize}`);
  if (dataset.train.n === 0) throw new Error('the training split is empty');

  const trainable = paramSpecs(config.model, initialState.vocabSize).filter((s) => s.trainable);
  const paramNames = trainable.map((s) => s.name);
  const paramSizes = trainable.map((s) => sizeOf(s.shape));
  const batchSize = trainCfg.batchSize;
  const rng = new Rng(deriveSeed(trainCfg.seed, BATCH_STREAM));
  const idx = new Int32Array(batchSize);
  const xb = new Int32Array(batchSize * blockSize);
  const yb = new Int32Array(batchSize);
  const meter = new ThroughputMeter();

  // Pending data not yet handed to onProgress: only new steps are ever sent.
  let pendingFrom = 0;
  let pendingLosses: number[] = [];
  let pendingRatios: (number | null)[][] = [];
  let lastFlush = performance.now();
  let step = 0;
  let lastLoss = NaN;
  let lastEvalStep = -1;

  const flush = (state: TrainProgress['state']) => {
    const progress: TrainProgress = {
      step,
      totalSteps: trainCfg.steps,
      loss: lastLoss,
      learningRate: learningRateAt(trainCfg.learningRate, Math.max(0, step - 1)),
      stepsPerSecond: meter.recentRate(),
      etaSeconds: meter.eta(trainCfg.steps - step),
      state,
    };
    hooks.onProgress?.(
      progress,
      { fromStep: pendingFrom, losses: pendingLosses },
      inspect ? { fromStep: pendingFrom, params: paramNames, ratios: pendingRatios } : null,
    );
    pendingFrom = step;
    pendingLosses = [];
    pendingRatios = [];
    lastFlush = performance.now();
  };

  const evaluate = () => {
    const point: EvalPoint = {
      step,
      train: backend.loss(dataset.train.x, dataset.train.y, dataset.train.n),
      val: backend.loss(dataset.val.x, dataset.val.y, dataset.val.n),
    };
    lastEvalStep = step;
    hooks.onEval?.(point);
  };

  while (step < trainCfg.steps && !control.isStopped) {
    if (control.isPaused) {
      flush('paused');
      await control.waitWhilePaused();
      continue;
    }
    const sliceStart = performance.now();
    const sliceFirstStep = step;
    let evalDue = false;
    while (step < trainCfg.steps && performance.now() - sliceStart < SLICE_MS) {
      const lr = learningRateAt(trainCfg.learningRate, step);
      // Every K steps, and the run's last step too, so Inspect can show where training ended (a 2,000-step run
      // with K = 500 would otherwise stop at step 1500).
      const snapshotDue = inspect && trainCfg.inspectEvery > 0 && (step % trainCfg.inspectEvery === 0 || step === trainCfg.steps - 1);
      rng.fillInts(idx, dataset.train.n);
      gatherBatch(dataset.train, blockSize, idx, xb, yb);
      lastLoss = backend.trainStep(xb, yb, lr, { gradients: inspect, trace: snapshotDue });
      pendingLosses.push(lastLoss);
      if (inspect) {
        pendingRatios.push(updateRatios(backend, lr, paramNames, paramSizes));
        if (snapshotDue && hooks.onSnapshot) {
          hooks.onSnapshot(
            buildSnapshot({
              step,
              lr,
              config: config.model,
              vocabSize: initialState.vocabSize,
              traces: backend.trace(),
              gradients: backend.gradients(),
              tensors: (name) => backend.tensor(name),
              initial: initialState.tensors,
            }),
          );
        }
      }
      step++;
      // The last step's evaluation is the final one below, which covers every split: no need to do it twice.
      if (trainCfg.evalEvery > 0 && step % trainCfg.evalEvery === 0 && step < trainCfg.steps) {
        evalDue = true;
        break;
      }
    }
    meter.add(step - sliceFirstStep, (performance.now() - sliceStart) / 1000);
    if (evalDue) evaluate();
    if (performance.now() - lastFlush >= flushInterval) flush('running');
    // Let pause/stop messages and I/O through.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  flush('running');
  const loss = evaluateSplits(backend, dataset);
  // The final point of the chart, unless a stop landed right after an evaluation of this very step.
  if (lastEvalStep !== step) hooks.onEval?.({ step, train: loss.train, val: loss.val });

  return {
    status: step >= trainCfg.steps ? 'completed' : 'stopped',
    preset: config.preset,
    config,
    backend: backend.report,
    steps: step,
    stepsPerSecond: meter.overallRate(),
    examples: { train: dataset.train.n, val: dataset.val.n, test: dataset.test.n },
    loss,
    params: changedParams(backend, initialState),
    seconds: meter.runningSeconds,
  };
}
