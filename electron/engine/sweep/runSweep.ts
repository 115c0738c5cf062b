/**
 * Runs a sweep's grid: each point is an ordinary training run in its own training process (worker/client.ts),
 * at most `parallel` at a time. The processes share nothing but the machine, so a point's result depends only on
 * its configuration and seed, never on how many ran beside it.
 *
 * Stopping asks every running process to stop after its current step (each saves and records a `stopped` run)
 * and starts no more; points never started are recorded `stopped` without a folder. `sweep.json` is rewritten
 * after every change of a run's status, so an interrupted sweep still says what finished.
 */
import path from 'node:path';
import type { TrainProgress, TrainResult } from '../train/types.js';
import { startTrainingProcess } from '../worker/client.js';
import { threadsPerProcess } from '../compute/fused/kernelThreads.js';
import type { GridPoint } from './grid.js';
import { writeSweepRecord, type SweepRecord, type SweepRunEntry } from './sweepFolder.js';

export type SweepEvent =
  | { type: 'run-started'; index: number; name: string }
  | { type: 'run-progress'; index: number; progress: TrainProgress }
  | { type: 'run-finished'; index: number; entry: SweepRunEntry };

/** What the sweep needs from a training process (worker/client.ts's TrainingProcess). */
interface RunHandle {
  stop(): void;
  kill(): void;
  readonly done: Promise<TrainResult>;
}

export type LaunchRun = (request: Parameters<typeof startTrainingProcess>[0], onProgress: (p: TrainProgress) => void) => RunHandle;

/** The real launcher: a training process per run; only its progress events matter here. */
export const launchTrainingProcess: LaunchRun = (request, onProgress) =>
  startTrainingProcess(request, (event) => {
    if (event.type === 'progress') onProgress(event.progress);
  });

export interface SweepOptions {
  dir: string;
  points: GridPoint[];
  /** The record to keep up to date (its `runs` are filled in here, one per point). */
  record: SweepRecord;
  parallel: number;
  onEvent?: (event: SweepEvent) => void;
  launch?: LaunchRun;
}

export interface Sweep {
  /** Stop cleanly: running runs stop after their step and are saved; no new run starts. */
  stop(): void;
  /** End every training process at once (their folders keep what was saved). */
  kill(): void;
  readonly stopping: boolean;
  /** The final record (also written to sweep.json). */
  readonly done: Promise<SweepRecord>;
}

export function startSweep(options: SweepOptions): Sweep {
  const { dir, points, record } = options;
  const launch = options.launch ?? launchTrainingProcess;
  const emit = options.onEvent ?? (() => {});
  const parallel = Math.max(1, Math.min(options.parallel, points.length));
  const kernelThreads = threadsPerProcess(parallel);
  const started = performance.now();
  record.runs = points.map((p) => ({ values: p.values, name: p.name, status: 'pending', started: false, loss: null, stepsPerSecond: null, error: null }));
  record.status = 'running';

  let stopping = false;
  const running = new Map<number, RunHandle>();
  let writeError: unknown = null;
  let writing: Promise<void> = Promise.resolve();
  // One write at a time, always of the latest state (runs finish concurrently).
  const persist = () =>
    (writing = writing.then(() => writeSweepRecord(dir, record)).catch((e: unknown) => {
      writeError ??= e;
    }));

  const done = new Promise<SweepRecord>((resolve, reject) => {
    let next = 0;
    const finishIfIdle = () => {
      if (running.size > 0 || (next < points.length && !stopping)) return;
      for (const run of record.runs) if (run.status === 'pending') run.status = 'stopped';
      record.status = stopping ? 'stopped' : 'completed';
      record.wallSeconds = (performance.now() - started) / 1000;
      persist().then(() => (writeError ? reject(writeError) : resolve(record)));
    };
    const startMore = () => {
      while (!stopping && running.size < parallel && next < points.length) startPoint(points[next++]);
      finishIfIdle();
    };
    const startPoint = (point: GridPoint) => {
      const entry = record.runs[point.index];
      entry.status = 'running';
      entry.started = true;
      const handle = launch(
        // `parallel` processes share the cores: each kernel gets its share, so a sweep never oversubscribes them.
        { runDir: path.join(dir, point.name), config: point.config, dataset: record.dataset, backend: record.backend, kernelThreads },
        (progress) => emit({ type: 'run-progress', index: point.index, progress }),
      );
      running.set(point.index, handle);
      emit({ type: 'run-started', index: point.index, name: point.name });
      void persist();
      handle.done
        .then((result) => {
          entry.status = result.status;
          entry.loss = result.loss;
          entry.stepsPerSecond = result.stepsPerSecond;
        })
        .catch((e: unknown) => {
          entry.status = 'failed';
          entry.error = e instanceof Error ? e.message : String(e);
        })
        .finally(() => {
          running.delete(point.index);
          emit({ type: 'run-finished', index: point.index, entry });
          void persist();
          startMore();
        });
    };
    persist().then(() => (writeError ? reject(writeError) : startMore()));
  });

  return {
    stop() {
      stopping = true;
      for (const handle of running.values()) handle.stop();
    },
    kill() {
      stopping = true;
      for (const handle of running.values()) handle.kill();
    },
    get stopping() {
      return stopping;
    },
    done,
  };
}
