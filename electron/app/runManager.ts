/**
 * Runs: starting each in its own training process, relaying its events to the UI (batched), and reading saved
 * runs back from `<runsRoot>/<runId>/` (the engine's run-folder format) — also after a restart of the app.
 *
 * The process launcher is injected: Electron main passes one built on `utilityProcess.fork`, `serve` and the
 * tests pass the engine's `child_process.fork` client. A process that dies without reporting is a failed run:
 * the launcher marks its folder failed and the UI is told through a `failed` event.
 *
 * A run stopped while it still waits in the worker queue never gets a process: it is taken out of the queue and
 * its folder is written here, as a `stopped` run that trained no step.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { threadsPerProcess } from '../engine/compute/fused/kernelThreads.js';
import { LabError } from '../engine/errors.js';
import { diagnose } from '../engine/inspect/diagnosis.js';
import { ratioHistory } from '../engine/inspect/updateRatio.js';
import { hasBatchNorm } from '../engine/io/labMeta.js';
import { parameterCount } from '../engine/model/params.js';
import { claimRunFolder, listRuns, newRunId, newRunRecord, readRunRecord, readStoredRun, runErrorOf, type RunRecord } from '../engine/run/runFolder.js';
import { readRunLabel, runDisplayName, writeRunLabel, type RunLabel } from '../engine/run/runLabel.js';
import type { DatasetRef, WordsSource } from '../engine/data/index.js';
import type { RunEvent } from '../engine/run/runEvents.js';
import type { TrainingLauncher, TrainingProcess } from '../engine/worker/client.js';
import type {
  ApiErrorInfo,
  BackendChoice,
  Diagnosis,
  ExperimentConfig,
  RunDetail,
  RunStatus,
  RunSummary,
  RunUpdate,
} from '../shared/contract.js';
import { isLiveStatus } from '../shared/runStatus.js';
import { RunUpdateBatcher, type BatcherClock } from './runUpdateBatcher.js';

export interface RunManagerOptions {
  runsRoot: string;
  launch: TrainingLauncher;
  emitUpdate(update: RunUpdate): void;
  emitChanged(runIds: string[]): void;
  batchIntervalMs?: number;
  clock?: BatcherClock;
}

/** The dataset of a run as its run.json records it (the registry has it from validating the file). */
export interface RunDataset {
  ref: DatasetRef;
  /** `name` is what the run records and shows: the file name, without its folder. */
  source: WordsSource['source'];
  vocab: string[];
}

interface LiveRun {
  handle: TrainingProcess;
  status: RunStatus;
  createdAt: string;
  config: ExperimentConfig;
  dataset: RunDataset;
  steps: number;
  lastLoss: number | null;
  backend: RunSummary['backend'];
  parameterCount: number | null;
  error: ApiErrorInfo | null;
}

const NO_LABEL: RunLabel = { name: null, note: '' };

export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly batcher: RunUpdateBatcher;
  /** Label writes per run, one after another: two windows renaming at once must not interleave read and write. */
  private readonly labelWrites = new Map<string, Promise<unknown>>();

  constructor(private readonly options: RunManagerOptions) {
    this.batcher = new RunUpdateBatcher((u) => options.emitUpdate(u), options.batchIntervalMs, options.clock);
  }

  get runsRoot(): string {
    return this.options.runsRoot;
  }

  /** A run's folder; the id is checked by the request schema, and here again so no path can leave the root. */
  dir(runId: string): string {
    const root = path.resolve(this.options.runsRoot);
    const dir = path.resolve(root, runId);
    if (path.dirname(dir) !== root) throw new LabError('RUN', `not a run id: ${runId}`);
    return dir;
  }

  /** Starts a run; `runId` is given by a caller that records it before the run starts (a sweep). */
  start(config: ExperimentConfig, dataset: RunDataset, backend: BackendChoice, runId = newRunId(config.preset)): RunSummary {
    const runDir = this.dir(runId);
    const run: LiveRun = {
      handle: null as unknown as TrainingProcess,
      status: 'starting',
      createdAt: new Date().toISOString(),
      config,
      dataset,
      steps: 0,
      lastLoss: null,
      backend: null,
      parameterCount: null,
      error: null,
    };
    this.live.set(runId, run);
    // The cores are divided between the runs training when this one starts (it included), so runs started together
    // do not oversubscribe them; a run started alone gets every core for its kernel's large products.
    const kernelThreads = threadsPerProcess(this.live.size);
    run.handle = this.options.launch({ runDir, config, dataset: dataset.ref, backend, kernelThreads }, (event) => this.onEvent(runId, run, event));
    run.handle.done.then(
      () => this.finish(runId),
      () => this.finish(runId),
    );
    this.batcher.pushStatus(runId, 'starting', true);
    this.options.emitChanged([runId]);
    return this.liveSummary(runId, run);
  }

  pause(runId: string): void {
    const run = this.requireLive(runId);
    run.handle.pause();
  }

  resume(runId: string): void {
    this.requireLive(runId).handle.resume();
  }

  /**
   * Stops a run after its current step. One still waiting in the worker queue is taken out of it instead and
   * saved as stopped at once: it never starts a process (which would only load its data to stop again).
   */
  async stop(runId: string): Promise<void> {
    const run = this.requireLive(runId);
    if (run.handle.withdraw()) await this.saveUnstarted(runId, run);
    else run.handle.stop();
  }

  /** Whether the run is queued, training or paused in this session. */
  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  /** Ends every training process (app quit / server close); their folders keep what was saved. */
  shutdown(): void {
    for (const run of this.live.values()) run.handle.kill();
  }

  async list(): Promise<RunSummary[]> {
    const stored = await listRuns(this.options.runsRoot);
    const seen = new Set<string>();
    const out: RunSummary[] = [];
    const labels = await Promise.all(stored.map(({ dir }) => readRunLabel(dir)));
    for (const [i, { record }] of stored.entries()) {
      seen.add(record.id);
      const live = this.live.get(record.id);
      const label = labels[i];
      out.push(live ? this.liveSummary(record.id, live, record, label) : storedSummary(record, false, label));
    }
    // Runs whose process has not written run.json yet.
    for (const [id, run] of this.live) if (!seen.has(id)) out.unshift(this.liveSummary(id, run));
    return out;
  }

  /** The whole stored history of a run, once. */
  async get(runId: string): Promise<RunDetail> {
    const stored = await readStoredRun(this.dir(runId)).catch((e: unknown) => {
      if (this.live.has(runId)) throw new LabError('RUN', `run ${runId} is still starting; try again in a moment`);
      throw e;
    });
    const { record } = stored;
    const live = this.live.get(runId);
    const label = await readRunLabel(stored.dir);
    const summary = live ? this.liveSummary(runId, live, record, label) : storedSummary(record, false, label);
    summary.steps = Math.max(summary.steps, stored.losses.steps);
    summary.lastLoss = stored.losses.last ?? summary.lastLoss;
    const params = stored.ratios?.params ?? stored.snapshots[0]?.params.map((p) => p.name) ?? [];
    return {
      summary,
      config: record.config,
      backend: record.backend,
      vocab: record.vocab,
      params,
      examples: record.result?.examples ?? null,
      unigramEntropy: record.unigramEntropy ?? null,
      // Bounded however long the run (streamed and bucketed by readStoredRun); holes are null, the chart skips them.
      losses: { fromStep: 0, every: stored.losses.every, losses: stored.losses.values as number[] },
      ratios: stored.ratios ? { fromStep: 0, every: stored.ratios.every, params: stored.ratios.params, ratios: stored.ratios.rows } : null,
      evals: stored.evals,
      snapshots: stored.snapshots,
      result: record.result,
    };
  }

  /**
   * Names a run and/or sets its note (label.json, which the training process never writes, so this is safe
   * while the run trains); tells every window through `runs.changed`. Returns the run's line in the list.
   */
  async label(runId: string, change: { name?: string | null; note?: string }): Promise<RunSummary> {
    const dir = this.dir(runId);
    // The place in the chain is taken before any await, so requests apply in the order they arrived.
    const previous = this.labelWrites.get(runId) ?? Promise.resolve();
    const write = previous
      .catch(() => {})
      .then(async () => {
        // Named by id, not by folder: under serve a message must not show the server's folders.
        await readRunRecord(dir).catch(() => {
          throw new LabError('RUN', this.live.has(runId) ? `run ${runId} is still starting; name it in a moment` : `there is no run ${runId}`);
        });
        return writeRunLabel(dir, change);
      });
    this.labelWrites.set(runId, write);
    let label: RunLabel;
    try {
      label = await write;
    } finally {
      if (this.labelWrites.get(runId) === write) this.labelWrites.delete(runId);
    }
    const record = await readRunRecord(dir);
    const live = this.live.get(runId);
    this.options.emitChanged([runId]);
    return live ? this.liveSummary(runId, live, record, label) : storedSummary(record, false, label);
  }

  async delete(runId: string): Promise<void> {
    if (this.live.has(runId)) throw new LabError('RUN', `run ${runId} is still running; stop it first`);
    const dir = this.dir(runId);
    await readRunRecord(dir); // only ever delete a folder that is a run
    await fs.rm(dir, { recursive: true, force: true });
    this.options.emitChanged([runId]);
  }

  /** The engine's diagnosis of the snapshot at `step` (the latest when omitted), with the update:data history. */
  async diagnose(runId: string, step?: number): Promise<Diagnosis> {
    const stored = await readStoredRun(this.dir(runId));
    if (stored.snapshots.length === 0) throw new LabError('RUN', `run ${runId} has no inspector snapshot yet`);
    const snapshot =
      step === undefined
        ? stored.snapshots[stored.snapshots.length - 1]
        : stored.snapshots.find((s) => s.step === step);
    if (!snapshot) throw new LabError('RUN', `run ${runId} has no snapshot at step ${step}`);
    return diagnose(snapshot, stored.ratios ? ratioHistory(stored.ratios) : undefined);
  }

  private requireLive(runId: string): LiveRun {
    const run = this.live.get(runId);
    if (!run) throw new LabError('RUN', `run ${runId} is not running`);
    return run;
  }

  private onEvent(runId: string, run: LiveRun, event: RunEvent): void {
    switch (event.type) {
      case 'started':
        run.status = 'running';
        run.backend = event.backend.id;
        run.parameterCount = event.parameterCount;
        break;
      case 'progress':
        run.steps = event.progress.step;
        run.lastLoss = event.progress.loss;
        run.status = event.progress.state === 'paused' ? 'paused' : 'running';
        break;
      case 'done':
        run.status = event.result.status;
        run.steps = event.result.steps;
        break;
      case 'failed':
        run.status = 'failed';
        run.error = event.error;
        break;
    }
    this.batcher.pushEvent(runId, event);
  }

  /** The folder of a run withdrawn from the queue: its run.json, `stopped` at step 0, and nothing else. */
  private async saveUnstarted(runId: string, run: LiveRun): Promise<void> {
    const record = newRunRecord({
      id: runId,
      createdAt: run.createdAt,
      status: 'stopped',
      config: run.config,
      dataset: { ref: run.dataset.ref, source: run.dataset.source },
      vocab: run.dataset.vocab,
      unigramEntropy: null,
      backend: null,
    });
    try {
      await claimRunFolder(this.dir(runId), record);
      run.status = 'stopped';
      this.batcher.pushStatus(runId, 'stopped', true);
    } catch (e) {
      // The run is out of the queue either way; a folder that cannot be written makes it a failed run.
      run.status = 'failed';
      run.error = runErrorOf(e);
      this.batcher.pushEvent(runId, { type: 'failed', error: run.error });
      throw e;
    } finally {
      this.finish(runId);
    }
  }

  private finish(runId: string): void {
    const run = this.live.get(runId);
    if (run && isLiveStatus(run.status)) {
      // The process ended without a final event (should not happen: the launcher reports crashes).
      this.batcher.pushEvent(runId, { type: 'failed', error: { code: 'CRASHED', message: 'the training process ended unexpectedly' } });
    }
    this.batcher.close(runId);
    this.live.delete(runId);
    this.options.emitChanged([runId]);
  }

  private liveSummary(runId: string, run: LiveRun, record?: RunRecord, label: RunLabel = NO_LABEL): RunSummary {
    const base = record ? storedSummary(record, true, label) : null;
    return {
      id: runId,
      name: runDisplayName({ id: runId }, label),
      note: label.note,
      preset: run.config.preset,
      createdAt: base?.createdAt ?? run.createdAt,
      status: run.status,
      steps: run.steps,
      totalSteps: run.config.train.steps,
      lastLoss: run.lastLoss,
      loss: base?.loss ?? null,
      backend: run.backend ?? base?.backend ?? null,
      datasetName: base?.datasetName ?? run.dataset.source.name,
      parameterCount: run.parameterCount ?? base?.parameterCount ?? null,
      hasBatchNorm: hasBatchNorm(run.config.model),
      error: run.error,
    };
  }
}

/** A saved run's line in the list. `running` on disk without a live process means the app died mid-run. */
function storedSummary(record: RunRecord, isLive: boolean, label: RunLabel): RunSummary {
  const interrupted = record.status === 'running' && !isLive;
  return {
    id: record.id,
    name: runDisplayName(record, label),
    note: label.note,
    preset: record.preset,
    createdAt: record.createdAt,
    status: interrupted ? 'failed' : record.status,
    steps: record.result?.steps ?? record.checkpointStep,
    totalSteps: record.config.train.steps,
    lastLoss: null,
    loss: record.result?.loss ?? null,
    backend: record.backend?.id ?? null,
    datasetName: record.dataset.source.name,
    parameterCount: parameterCount(record.config.model, record.vocab.length),
    hasBatchNorm: hasBatchNorm(record.config.model),
    error: interrupted
      ? { code: 'INTERRUPTED', message: 'the app closed while this run was training; the last checkpoint is kept' }
      : record.error,
  };
}
