/**
 * The Sweep view's state: what to sweep (a preset or a built-in recipe, one or two fields with their values),
 * the saved sweeps, and the one shown. Its runs are ordinary runs: their live curves and statuses come from the
 * runs store's views; the saved list is re-read whenever the set of runs changes (a point finished).
 */
import type { ApiErrorInfo, ExperimentConfig } from '../../../electron/shared/contract.js';
import { isLiveStatus } from '../../../electron/shared/runStatus.js';
import type { SweepEstimate, SweepInfo, SweepRecipeInfo } from '../../../electron/shared/sweepTypes.js';
import { lab, toErrorInfo } from '../lib/api.js';
import { ReplyOrder } from '../lib/replyOrder.js';
import { leafFields, parseValueList, type LeafField } from '../lib/sweepGrid.js';
import { runs } from './runs.svelte.js';

export interface AxisDraft {
  path: string;
  text: string;
}

class SweepsStore {
  recipes = $state.raw<SweepRecipeInfo[]>([]);
  saved = $state.raw<SweepInfo[]>([]);
  /** The sweep shown (just started or reopened). */
  currentId = $state<string | null>(null);
  readonly current = $derived(this.saved.find((s) => s.id === this.currentId) ?? null);
  error = $state.raw<ApiErrorInfo | null>(null);
  busy = $state(false);
  /** A stop of the shown sweep is on its way. */
  stopping = $state(false);

  source = $state<'preset' | 'recipe'>('preset');
  presetId = $state('fix-softmax');
  recipeId = $state('');
  axes = $state<AxisDraft[]>([]);
  steps = $state(1000);
  seed = $state(2147483647);
  estimate = $state.raw<SweepEstimate | null>(null);
  private subscribed = false;
  /** `saved` is written from replies (list, start, stop) that can arrive out of order. */
  private readonly replies = new ReplyOrder();
  private readonly estimateReplies = new ReplyOrder();

  async load(): Promise<void> {
    if (!this.subscribed) {
      this.subscribed = true;
      // A finished point changes the table and gives the time estimate a measured speed.
      lab.on('runs.changed', () => {
        void this.refresh();
        void this.loadEstimate();
      });
    }
    try {
      this.recipes = await lab.sweeps.recipes();
    } catch (e) {
      this.error = toErrorInfo(e);
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const ticket = this.replies.ticket();
    try {
      const saved = await lab.sweeps.list();
      if (this.replies.accept(ticket)) this.saved = saved;
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  /** The recipe picked: its preset and fields fill the form (one click, then Start). */
  useRecipe(recipe: SweepRecipeInfo): void {
    this.source = 'recipe';
    this.recipeId = recipe.id;
    this.presetId = recipe.preset;
    this.axes = recipe.vary.map((a) => ({ path: a.path, text: a.values.map(String).join(', ') }));
    void this.loadEstimate();
  }

  usePreset(id: string): void {
    this.source = 'preset';
    this.recipeId = '';
    this.presetId = id;
    void this.loadEstimate();
  }

  async loadEstimate(): Promise<void> {
    // Picking presets in a row sends one estimate each: the last preset's must be the one shown.
    const ticket = this.estimateReplies.ticket();
    let estimate: SweepEstimate | null;
    try {
      estimate = await lab.sweeps.estimate({ preset: this.presetId });
    } catch {
      estimate = null;
    }
    if (this.estimateReplies.accept(ticket)) this.estimate = estimate;
  }

  addAxis(path: string): void {
    if (this.axes.length >= 2 || this.axes.some((a) => a.path === path)) return;
    this.axes = [...this.axes, { path, text: '' }];
  }

  removeAxis(index: number): void {
    this.axes = this.axes.filter((_, k) => k !== index);
  }

  /** Each field's parsed values or the first problem with them. */
  parsedAxes(config: ExperimentConfig | null): { path: string; values: (number | boolean)[] }[] | string {
    if (this.axes.length === 0) return 'add a field to vary';
    const fields = new Map<string, LeafField>((config ? leafFields(config) : []).map((f) => [f.path, f]));
    const out: { path: string; values: (number | boolean)[] }[] = [];
    for (const a of this.axes) {
      const field = fields.get(a.path);
      if (!field) return `${a.path}: not a field of this configuration`;
      const parsed = parseValueList(a.text, field);
      if ('error' in parsed) return parsed.error;
      out.push({ path: a.path, values: parsed.values as (number | boolean)[] });
    }
    return out;
  }

  async start(datasetId: string, vary: { path: string; values: (number | boolean)[] }[]): Promise<void> {
    this.busy = true;
    try {
      const common = { datasetId, vary, steps: this.steps, seed: this.seed, backend: runs.backendChoice };
      const ticket = this.replies.ticket();
      const sweep = await lab.sweeps.start(this.source === 'recipe' ? { recipeId: this.recipeId, ...common } : { presetId: this.presetId, ...common });
      for (const r of sweep.runs) if (r.summary) runs.adopt(r.summary);
      if (this.replies.accept(ticket)) this.saved = [sweep, ...this.saved.filter((s) => s.id !== sweep.id)];
      this.currentId = sweep.id;
      this.error = null;
      void runs.refresh();
      // A list read while the sweep was starting (its runs' launch triggers one) can predate its saving and
      // arrive after this reply; a read sent now includes it.
      void this.refresh();
    } catch (e) {
      this.error = toErrorInfo(e);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Shows a saved sweep; its runs' histories load for the overlaid curves. A run still training shows its curve
   * from step 0 (its stored history so far) and then follows it live.
   */
  async open(id: string): Promise<void> {
    this.currentId = id;
    let sweep = this.saved.find((s) => s.id === id);
    if (!sweep) {
      await this.refresh();
      sweep = this.saved.find((s) => s.id === id);
      if (!sweep) return;
    }
    await Promise.all(
      sweep.runs.map((r) => {
        if (!r.summary) return null;
        if (isLiveStatus(r.summary.status)) return runs.follow(r.summary);
        return runs.open(r.runId);
      }),
    );
  }

  /** Stops the sweep's queued and training runs (each saved as stopped); its finished runs stay. */
  async stop(id: string): Promise<void> {
    this.stopping = true;
    const ticket = this.replies.ticket();
    try {
      // The reply is read while its training runs still finish their step ("running"); their end triggers a
      // later list read, which must not be overwritten by this reply if it arrives first.
      const sweep = await lab.sweeps.stop({ sweepId: id });
      if (this.replies.accept(ticket)) this.saved = this.saved.map((s) => (s.id === id ? sweep : s));
      this.error = null;
    } catch (e) {
      this.error = toErrorInfo(e);
    } finally {
      this.stopping = false;
    }
  }
}

export const sweeps = new SweepsStore();
