/**
 * The app's sweeps: a grid expanded by the engine's grid code (sweep/grid.ts), one ordinary run per grid point
 * started through the RunManager (so every point waits in the one worker queue and shows up in Runs), and the
 * sweep's definition — what was varied, which run holds which values — kept in `<dataDir>/sweeps.json`.
 *
 * The runs themselves stay ordinary run folders; a sweep only remembers their ids, so deleting a run leaves the
 * sweep listed with that point marked missing. A sweeps.json that cannot be read back is never overwritten
 * (jsonListFile.ts, rule 'refuse'): it lists no sweeps, and a new sweep is refused naming the file.
 */
import { LabError } from '../engine/errors.js';
import { isPlainObject } from '../engine/util/isPlainObject.js';
import { findPreset } from '../engine/model/presets.js';
import { listRuns, newRunId } from '../engine/run/runFolder.js';
import { expandGrid, type VaryAxis } from '../engine/sweep/grid.js';
import { readRunLayerSummary } from '../engine/sweep/layerSummary.js';
import { findRecipe, RECIPES } from '../engine/sweep/recipes.js';
import type { RequestOf } from '../shared/channels.js';
import type { BackendChoice, ExperimentConfig, RunSummary } from '../shared/contract.js';
import { isLiveStatus } from '../shared/runStatus.js';
import { experimentConfigSchema } from '../shared/schemas.js';
import type {
  RunLayerSummary,
  SweepDefinition,
  SweepEstimate,
  SweepInfo,
  SweepRecipeInfo,
  SweepRunState,
  SweepStatus,
} from '../shared/sweepTypes.js';
import { JsonListFile } from './jsonListFile.js';
import type { PresetStore } from './presetStore.js';
import type { RunManager } from './runManager.js';

export interface SweepStoreOptions {
  file: string;
  presets: PresetStore;
  runs: RunManager;
  /** Starts one run under the id given (the service's `runs.start`). */
  startRun(config: ExperimentConfig, datasetId: string, backend: BackendChoice, runId: string): RunSummary;
  /** The dataset's name; throws for a dataset that is not loaded. */
  datasetName(datasetId: string): string;
}

/** The schema's first complaint about a grid point, naming the point's values and the field. */
function validatePoint(config: ExperimentConfig, values: Record<string, unknown>): ExperimentConfig {
  const parsed = experimentConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const point = Object.entries(values)
    .map(([p, v]) => `${p}=${JSON.stringify(v)}`)
    .join(', ');
  throw new LabError('CONFIG', `sweep point ${point}: ${issue.path.join('.') || 'configuration'}: ${issue.message}`);
}

/** A run this long measured the preset's training speed, not its start-up (see SweepStore.estimate). */
const ESTIMATE_MIN_STEPS = 1000;

/** The sweep as a whole, from its runs now (see SweepStatus). */
export function sweepStatus(runs: readonly Pick<SweepRunState, 'summary'>[]): SweepStatus {
  const statuses = runs.map((r) => r.summary?.status ?? null);
  if (statuses.some((s) => s !== null && isLiveStatus(s))) return 'running';
  if (statuses.includes('stopped')) return 'stopped';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes(null)) return 'incomplete';
  return 'completed';
}

export function recipeInfos(): SweepRecipeInfo[] {
  return RECIPES.map((r) => ({ id: r.id, title: r.title, preset: r.preset, vary: r.vary, lookFor: r.lookFor }));
}

/**
 * A saved definition with every field the list and the Sweep view read (anything else in the file — edited by
 * hand, cut short — is skipped: one entry with a run of `null` used to make the whole sweeps list throw).
 */
function isSweepDefinition(d: unknown): d is SweepDefinition {
  if (!isPlainObject(d)) return false;
  const strings = ['id', 'createdAt', 'label', 'datasetName'].every((k) => typeof d[k] === 'string');
  const numbers = typeof d.steps === 'number' && typeof d.seed === 'number';
  const origin = [d.preset, d.recipe].every((v) => v === null || typeof v === 'string');
  const vary = Array.isArray(d.vary) && d.vary.every((a) => isPlainObject(a) && typeof a.path === 'string' && Array.isArray(a.values));
  const runs = Array.isArray(d.runs) && d.runs.every((r) => isPlainObject(r) && typeof r.runId === 'string' && isPlainObject(r.values));
  return strings && numbers && origin && vary && runs;
}

export class SweepStore {
  /** The saved definitions, oldest first. */
  private readonly saved: JsonListFile<SweepDefinition>;
  /** Per-layer summaries of finished runs (their folders no longer change), by run id. */
  private readonly layerCache = new Map<string, Promise<RunLayerSummary | null>>();

  constructor(private readonly options: SweepStoreOptions) {
    this.saved = new JsonListFile({ file: options.file, noun: 'sweeps', isEntry: isSweepDefinition });
  }

  async start(request: RequestOf<'sweeps.start'>): Promise<SweepInfo> {
    const { base, vary, preset, recipe, label } = await this.resolve(request);
    const config = structuredClone(base);
    if (request.steps !== undefined) config.train.steps = request.steps;
    if (request.seed !== undefined) config.train.seed = request.seed;
    // Every point (and the dataset) is checked before any run starts: a refused value starts nothing.
    const points = expandGrid(config, vary, validatePoint).map((p) => ({ ...p, runId: newRunId(p.config.preset) }));
    const datasetName = this.options.datasetName(request.datasetId);
    // The definition, with the runs' ids chosen above, is saved before any run starts: a sweeps.json that cannot
    // be written (unreadable, a full disk) refuses the sweep with no run started — none trains outside a sweep.
    const definition: SweepDefinition = {
      id: newRunId(recipe ?? preset),
      createdAt: new Date().toISOString(),
      preset,
      recipe,
      label,
      datasetName,
      steps: config.train.steps,
      seed: config.train.seed,
      vary,
      runs: points.map((p) => ({ runId: p.runId, values: p.values })),
    };
    await this.saved.update((all) => [...all, definition]);
    const started = points.map((p) => ({ summary: this.options.startRun(p.config, request.datasetId, request.backend ?? 'auto', p.runId), values: p.values }));
    return {
      ...definition,
      status: 'running',
      runs: started.map((s) => ({ runId: s.summary.id, values: s.values, summary: s.summary, stepsPerSecond: null, layers: null })),
    };
  }

  /**
   * Stops every queued or training run of the sweep: a training one stops after its current step, a queued one
   * leaves the queue without starting a process; each is saved as `stopped`. Finished runs are kept as they are.
   */
  async stop(sweepId: string): Promise<SweepInfo> {
    const definition = (await this.saved.read()).find((d) => d.id === sweepId);
    if (!definition) throw new LabError('RUN', `sweepId: no sweep '${sweepId}'`);
    const live = definition.runs.filter((r) => this.options.runs.isLive(r.runId));
    await Promise.all(live.map((r) => this.options.runs.stop(r.runId)));
    return (await this.list()).find((s) => s.id === sweepId)!;
  }

  /** Saved sweeps, newest first, each run with its summary now. */
  async list(): Promise<SweepInfo[]> {
    const all = await this.saved.read();
    if (all.length === 0) return [];
    const summaries = new Map((await this.options.runs.list()).map((s) => [s.id, s]));
    const speeds = new Map<string, number>();
    for (const { record } of await listRuns(this.options.runs.runsRoot)) {
      if (record.result) speeds.set(record.id, record.result.stepsPerSecond);
    }
    return Promise.all(
      all
        .slice()
        .reverse()
        .map(async (d) => {
          const runs = await Promise.all(
            d.runs.map(async (r): Promise<SweepRunState> => {
              const summary = summaries.get(r.runId) ?? null;
              return { ...r, summary, stepsPerSecond: speeds.get(r.runId) ?? null, layers: await this.layers(summary) };
            }),
          );
          return { ...d, status: sweepStatus(runs), runs };
        }),
    );
  }

  /** A finished run's per-layer summary, read from its folder once; none while it trains or when it is gone. */
  private layers(summary: RunSummary | null): Promise<RunLayerSummary | null> {
    if (!summary || isLiveStatus(summary.status)) return Promise.resolve(null);
    let cached = this.layerCache.get(summary.id);
    if (!cached) {
      const runId = summary.id;
      // A folder that cannot be read now is not remembered: the next list tries again.
      cached = readRunLayerSummary(this.options.runs.dir(runId)).catch(() => {
        this.layerCache.delete(runId);
        return null;
      });
      this.layerCache.set(runId, cached);
    }
    return cached;
  }

  /**
   * Steps/s of `preset`'s newest finished run that trained at least ESTIMATE_MIN_STEPS, else of its longest one:
   * a run stopped after a few dozen steps measured mostly its start-up (98 steps/s where the preset trains
   * thousands), and made a 3-point sweep look like ten minutes.
   */
  async estimate(preset: string): Promise<SweepEstimate> {
    let longest: { steps: number; estimate: SweepEstimate } | null = null;
    for (const { record } of await listRuns(this.options.runs.runsRoot)) {
      const result = record.result;
      if (record.preset !== preset || !result || !(result.stepsPerSecond > 0)) continue;
      const estimate = { stepsPerSecond: result.stepsPerSecond, runId: record.id };
      if (result.steps >= ESTIMATE_MIN_STEPS) return estimate;
      if (!longest || result.steps > longest.steps) longest = { steps: result.steps, estimate };
    }
    return longest?.estimate ?? { stepsPerSecond: null, runId: null };
  }

  private async resolve(request: RequestOf<'sweeps.start'>): Promise<{
    base: ExperimentConfig;
    vary: VaryAxis[];
    preset: string | null;
    recipe: string | null;
    label: string;
  }> {
    if (request.recipeId !== undefined) {
      const recipe = findRecipe(request.recipeId);
      if (!recipe) throw new LabError('ARGUMENT', `recipeId: no built-in sweep '${request.recipeId}' (one of ${RECIPES.map((r) => r.id).join(', ')})`);
      const preset = findPreset(recipe.preset);
      if (!preset) throw new LabError('CONFIG', `recipe ${recipe.id}: its preset ${recipe.preset} is missing`);
      return { base: preset.config, vary: request.vary ?? recipe.vary, preset: recipe.preset, recipe: recipe.id, label: recipe.title };
    }
    if (!request.vary) throw new LabError('ARGUMENT', 'vary: give one or two fields to vary');
    if (request.presetId !== undefined) {
      const preset = (await this.options.presets.list()).find((p) => p.id === request.presetId);
      if (!preset) throw new LabError('CONFIG', `presetId: no preset '${request.presetId}'`);
      return { base: preset.config, vary: request.vary, preset: preset.id, recipe: null, label: preset.title };
    }
    const base = request.baseConfig!;
    return { base, vary: request.vary, preset: base.preset, recipe: null, label: base.preset ?? 'custom' };
  }
}
