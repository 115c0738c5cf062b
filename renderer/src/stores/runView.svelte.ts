/**
 * One run as the views see it — live or saved. The stored history arrives once (`runs.get`); live updates
 * then append what is new. Updates that arrive while the history is still loading are queued and applied
 * after it (chunks carry their steps, so anything already in the history is skipped, not doubled).
 */
import type {
  ApiErrorInfo,
  BackendReport,
  Diagnosis,
  EvalPoint,
  ExperimentConfig,
  InspectionSnapshot,
  RunDetail,
  RunSummary,
  RunUpdate,
  SplitName,
  TrainProgress,
  TrainResult,
} from '../../../electron/shared/contract.js';
import { isLiveStatus } from '../../../electron/shared/runStatus.js';
import { diagnose } from '../../../electron/engine/inspect/diagnosis.js';
import { lab } from '../lib/api.js';
import { mergeByStep, RunSeries } from '../lib/runSeries.js';

export class RunView {
  readonly id: string;
  summary = $state.raw<RunSummary>() as RunSummary;
  config = $state.raw<ExperimentConfig | null>(null);
  backend = $state.raw<BackendReport | null>(null);
  vocab = $state.raw<string[]>([]);
  params = $state.raw<string[]>([]);
  examples = $state.raw<Record<SplitName, number> | null>(null);
  parameterCount = $state<number | null>(null);
  /** The training split's unigram entropy (nats): the loss chart's floor line. */
  unigramEntropy = $state<number | null>(null);
  progress = $state.raw<TrainProgress | null>(null);
  evals = $state.raw<EvalPoint[]>([]);
  snapshots = $state.raw<InspectionSnapshot[]>([]);
  result = $state.raw<TrainResult | null>(null);
  error = $state.raw<ApiErrorInfo | null>(null);
  /** Whether the stored history has been applied (always true for a run started in this session). */
  loaded = $state(false);
  /** Bumped whenever `series` changed; charts read it to know when to append. */
  version = $state(0);
  /**
   * Whether any update:data ratio has arrived. `series` is deliberately not reactive, so a view that tests
   * `series.ratios.size` would never redraw when the first ratios come after the first snapshot; this flag is.
   */
  hasRatios = $state(false);
  /** Diagnosis per snapshot step, fetched on demand. */
  diagnoses = $state.raw<Record<number, Diagnosis>>({});
  /** Non-reactive bulk data (loss and update:data series); see `version`. */
  readonly series = new RunSeries();
  private queued: RunUpdate[] = [];

  constructor(summary: RunSummary, loaded: boolean) {
    this.id = summary.id;
    this.summary = summary;
    this.loaded = loaded;
    this.parameterCount = summary.parameterCount;
  }

  readonly live = $derived(isLiveStatus(this.summary.status));

  applyDetail(detail: RunDetail): void {
    this.summary = detail.summary;
    this.config = detail.config;
    this.backend = detail.backend;
    this.vocab = detail.vocab;
    this.params = detail.params;
    this.examples = detail.examples;
    this.unigramEntropy = detail.unigramEntropy;
    this.parameterCount = detail.summary.parameterCount;
    this.result = detail.result;
    this.error = detail.summary.error;
    this.series.applyLoss(detail.losses);
    if (detail.ratios) this.series.applyRatios(detail.ratios);
    this.hasRatios = this.series.ratios.size > 0;
    this.series.applyEvals(detail.evals);
    this.evals = this.series.evals;
    this.snapshots = mergeByStep(this.snapshots, detail.snapshots);
    this.loaded = true;
    this.version++;
    for (const u of this.queued.splice(0)) this.applyUpdate(u);
  }

  /**
   * For a live run whose stored history could not be read (still waiting in the queue: no folder yet): follow it
   * from `early` (its updates that arrived before this view existed) and whatever was queued since.
   */
  startWithoutHistory(early: readonly RunUpdate[]): void {
    this.loaded = true;
    for (const u of [...early, ...this.queued.splice(0)]) this.applyUpdate(u);
  }

  applyUpdate(u: RunUpdate): void {
    if (!this.loaded) {
      this.queued.push(u);
      return;
    }
    let summary = this.summary;
    if (u.status) summary = { ...summary, status: u.status };
    if (u.started) {
      this.backend = u.started.backend;
      this.examples = u.started.examples;
      this.vocab = u.started.vocab;
      this.params = u.started.params;
      this.parameterCount = u.started.parameterCount;
      this.unigramEntropy = u.started.unigramEntropy;
      summary = { ...summary, backend: u.started.backend.id, parameterCount: u.started.parameterCount };
    }
    if (u.progress) {
      this.progress = u.progress;
      summary = { ...summary, steps: u.progress.step, totalSteps: u.progress.totalSteps, lastLoss: u.progress.loss };
    }
    let seriesChanged = false;
    if (u.loss) {
      this.series.applyLoss(u.loss);
      seriesChanged = true;
    }
    if (u.ratios) {
      this.series.applyRatios(u.ratios);
      this.hasRatios = this.series.ratios.size > 0;
      seriesChanged = true;
    }
    if (u.evals?.length) {
      this.series.applyEvals(u.evals);
      this.evals = this.series.evals;
    }
    if (u.snapshots?.length) this.snapshots = mergeByStep(this.snapshots, u.snapshots);
    if (u.result) {
      this.result = u.result;
      summary = { ...summary, steps: u.result.steps, loss: u.result.loss, backend: u.result.backend.id };
      this.backend = u.result.backend;
    }
    if (u.error) {
      this.error = u.error;
      summary = { ...summary, status: 'failed', error: u.error };
    }
    if (summary !== this.summary) this.summary = summary;
    if (seriesChanged) this.version++;
  }

  async diagnose(step: number): Promise<Diagnosis | null> {
    const known = this.diagnoses[step];
    if (known) return known;
    let d: Diagnosis;
    try {
      // Main's diagnosis also weighs the update:data history around this step.
      d = await lab.inspect.diagnose(step === undefined ? { runId: this.id } : { runId: this.id, step });
    } catch {
      // Same engine function on the snapshot alone (e.g. a live snapshot main has not stored yet).
      const snapshot = this.snapshots.find((s) => s.step === step);
      if (!snapshot) return null;
      d = diagnose(snapshot);
    }
    this.diagnoses = { ...this.diagnoses, [step]: d };
    return d;
  }
}
