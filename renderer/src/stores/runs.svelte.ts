/**
 * Saved and live runs. One subscription to `runs.update` routes every update to its run's view; the run
 * selected here is the one Train and Inspect show.
 */
import { SvelteMap } from 'svelte/reactivity';
import type {
  ApiErrorInfo,
  BackendChoice,
  BackendOption,
  ExperimentConfig,
  RunSummary,
  RunUpdate,
} from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';
import { ReplyOrder } from '../lib/replyOrder.js';
import { RunView } from './runView.svelte.js';

/** Updates for a run we have no view of yet (e.g. arriving before `runs.start` resolves), kept briefly. */
const MAX_ORPHAN_UPDATES = 200;

class RunsStore {
  list = $state.raw<RunSummary[]>([]);
  error = $state.raw<ApiErrorInfo | null>(null);
  backends = $state.raw<BackendOption[]>([]);
  backendChoice = $state<BackendChoice>('auto');
  selectedId = $state<string | null>(null);
  readonly views = new SvelteMap<string, RunView>();
  readonly selected = $derived(this.selectedId ? (this.views.get(this.selectedId) ?? null) : null);
  private orphans = new Map<string, RunUpdate[]>();
  private subscribed = false;
  private readonly listReplies = new ReplyOrder();

  subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    lab.on('runs.update', (u) => this.route(u));
    lab.on('runs.changed', () => void this.refresh());
  }

  private route(u: RunUpdate): void {
    const view = this.views.get(u.runId);
    if (view) {
      view.applyUpdate(u);
      if (u.status || u.result || u.error) this.patchListEntry(view.summary);
      return;
    }
    const queue = this.orphans.get(u.runId) ?? [];
    queue.push(u);
    if (queue.length > MAX_ORPHAN_UPDATES) queue.shift();
    this.orphans.set(u.runId, queue);
  }

  private patchListEntry(summary: RunSummary): void {
    // A live update carries progress, not the label: the list's name and note (kept current by `runs.changed`) stay.
    if (this.list.some((r) => r.id === summary.id)) {
      this.list = this.list.map((r) => (r.id === summary.id ? { ...summary, name: r.name, note: r.note } : r));
    }
  }

  async refresh(): Promise<void> {
    const ticket = this.listReplies.ticket();
    try {
      const list = await lab.runs.list();
      // Refreshes overlap (one per `runs.changed`); an older read arriving last must not undo a newer one.
      if (!this.listReplies.accept(ticket)) return;
      this.list = list;
      for (const r of this.list) this.applyLabel(r);
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  /** Names a run and/or sets its note; the one-line error when refused, null when saved. */
  async label(runId: string, change: { name?: string; note?: string }): Promise<ApiErrorInfo | null> {
    try {
      const summary = await lab.runs.label({ runId, ...change });
      this.applyLabel(summary);
      this.list = this.list.map((r) => (r.id === runId ? { ...r, name: summary.name, note: summary.note } : r));
      return null;
    } catch (e) {
      return toErrorInfo(e);
    }
  }

  /** An opened run's view follows its name and note (legends, Train's header and note read the view). */
  private applyLabel(summary: RunSummary): void {
    const view = this.views.get(summary.id);
    if (view && (view.summary.name !== summary.name || view.summary.note !== summary.note)) {
      view.summary = { ...view.summary, name: summary.name, note: summary.note };
    }
  }

  async loadBackends(): Promise<void> {
    try {
      this.backends = await lab.backends.describe();
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  /** The view of a run, loading its stored history the first time. */
  async open(runId: string): Promise<RunView | null> {
    const existing = this.views.get(runId);
    if (existing) return existing;
    const summary = this.list.find((r) => r.id === runId);
    const view = new RunView(summary ?? placeholderSummary(runId), false);
    this.views.set(runId, view);
    this.orphans.delete(runId); // the stored history covers them
    try {
      view.applyDetail(await lab.runs.get({ runId }));
      return view;
    } catch (e) {
      this.views.delete(runId);
      this.error = toErrorInfo(e);
      return null;
    }
  }

  /**
   * The view of a run just started elsewhere (e.g. a sweep's points): it has no stored history yet, so it follows
   * its updates from the start, including those that arrived before its summary.
   */
  adopt(summary: RunSummary): RunView {
    const existing = this.views.get(summary.id);
    if (existing) return existing;
    const view = new RunView(summary, true);
    this.views.set(summary.id, view);
    for (const u of this.orphans.get(summary.id) ?? []) view.applyUpdate(u);
    this.orphans.delete(summary.id);
    return view;
  }

  /**
   * The view of a live run opened later (e.g. a sweep reopened while it trains, after a reload): its stored
   * history so far, then its live updates — not only what arrives from now on. A run still waiting in the queue
   * has no history yet and is followed from its start.
   */
  async follow(summary: RunSummary): Promise<RunView> {
    const existing = this.views.get(summary.id);
    if (existing) return existing;
    const view = new RunView(summary, false);
    const early = this.orphans.get(summary.id) ?? [];
    this.orphans.delete(summary.id);
    this.views.set(summary.id, view);
    try {
      view.applyDetail(await lab.runs.get({ runId: summary.id }));
    } catch {
      view.startWithoutHistory(early);
    }
    return view;
  }

  async select(runId: string): Promise<void> {
    if (await this.open(runId)) this.selectedId = runId;
  }

  async start(config: ExperimentConfig, datasetId: string): Promise<RunView | null> {
    try {
      const summary = await lab.runs.start({ config, datasetId, backend: this.backendChoice });
      const view = this.adopt(summary);
      view.config = config;
      this.selectedId = summary.id;
      this.error = null;
      void this.refresh();
      return view;
    } catch (e) {
      this.error = toErrorInfo(e);
      return null;
    }
  }

  private async control(action: (request: { runId: string }) => Promise<void>, runId: string): Promise<void> {
    try {
      await action({ runId });
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  pause = (runId: string) => this.control(lab.runs.pause, runId);
  resume = (runId: string) => this.control(lab.runs.resume, runId);
  stop = (runId: string) => this.control(lab.runs.stop, runId);

  async remove(runId: string): Promise<void> {
    try {
      await lab.runs.delete({ runId });
      this.views.delete(runId);
      if (this.selectedId === runId) this.selectedId = null;
      await this.refresh();
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }
}

function placeholderSummary(id: string): RunSummary {
  return {
    id,
    name: id,
    note: '',
    preset: null,
    createdAt: new Date().toISOString(),
    status: 'completed',
    steps: 0,
    totalSteps: 0,
    lastLoss: null,
    loss: null,
    backend: null,
    datasetName: '',
    parameterCount: null,
    hasBatchNorm: false,
    error: null,
  };
}

export const runs = new RunsStore();
