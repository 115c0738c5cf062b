/**
 * THE channel table of the contract between the UI and the lab's back end (Electron main, or `serve`). Each
 * channel is declared once, here: its zod request schema and its response type side by side. Everything else is
 * derived from this table — the request types (`z.infer`), the channel lists, the client's methods (client.ts:
 * `'runs.get'` becomes `lab.runs.get(request)`), the handler table the back end must implement
 * (app/service.ts) and the validation main and serve run on every request.
 *
 * Adding a channel: one entry below, one handler in app/service.ts (the compiler asks for it).
 *
 * Browser-safe: zod, type-only imports from the engine; no Node or Electron imports.
 */
import { z } from 'zod';
import type {
  AppInfo,
  BackendOption,
  BackpropTable,
  DatasetLoaded,
  DatasetSummary,
  Diagnosis,
  ExportResult,
  FoldComparison,
  FoldPlan,
  PresetInfo,
  RunDetail,
  RunSummary,
  RunUpdate,
  SampleResult,
  ApiErrorInfo,
  WorkerQueueState,
} from './contract.js';
import {
  MAX_BASE64_CHARS,
  backendChoiceSchema,
  experimentConfigSchema,
  exportFormatSchema,
  pathSchema,
  positiveInt,
  runIdSchema,
} from './schemas.js';
import type { SweepEstimate, SweepInfo, SweepRecipeInfo } from './sweepTypes.js';

/** A type-only marker: carries the type `T`, holds nothing at run time. */
interface Shape<T> {
  readonly __shape?: T;
}
const shape = <T>(): Shape<T> => ({});

const none = z.undefined();
const runRef = z.object({ runId: runIdSchema }).strict();

/** A value a sweep gives a configuration leaf (the leaf's own JSON type is checked against the configuration). */
const sweepValue = z.union([z.number().finite(), z.boolean(), z.string().max(200), z.null()]);
const sweepAxis = z
  .object({ path: z.string().min(1).max(200), values: z.array(sweepValue).min(1).max(100) })
  .strict();

/** Request/response channels (UI → back end). A request of `none` sends `undefined`. */
export const invokeChannels = {
  'app.info': { request: none, response: shape<AppInfo>() },
  /** Electron: native open dialog → load. null when cancelled. Serve: refused (use upload). */
  'dataset.open': { request: none, response: shape<DatasetSummary | null>() },
  'dataset.loadFromPath': { request: z.object({ path: pathSchema }).strict(), response: shape<DatasetSummary>() },
  'dataset.loadBuiltIn': { request: none, response: shape<DatasetSummary>() },
  /** Bytes as base64 (JSON-safe for the WebSocket; same validator as files; the engine checks the decoded size). */
  'dataset.upload': {
    request: z
      .object({
        name: z.string().min(1).max(255),
        base64: z.string().max(MAX_BASE64_CHARS).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
      })
      .strict(),
    response: shape<DatasetSummary>(),
  },
  'presets.list': { request: none, response: shape<PresetInfo[]>() },
  /** The title becomes the id (slugified); an existing user preset of that id is replaced; built-in ids are refused. */
  'presets.save': {
    request: z
      .object({ title: z.string().trim().min(1).max(80), description: z.string().max(500), config: experimentConfigSchema })
      .strict(),
    response: shape<PresetInfo>(),
  },
  'presets.delete': { request: z.object({ id: z.string().min(1).max(100) }).strict(), response: shape<void>() },
  'backends.describe': { request: none, response: shape<BackendOption[]>() },
  /** `datasetId` is the `DatasetSummary.id` of a loaded dataset. */
  'runs.start': {
    request: z.object({ config: experimentConfigSchema, datasetId: z.string().min(1).max(100), backend: backendChoiceSchema }).strict(),
    response: shape<RunSummary>(),
  },
  'runs.pause': { request: runRef, response: shape<void>() },
  'runs.resume': { request: runRef, response: shape<void>() },
  'runs.stop': { request: runRef, response: shape<void>() },
  'runs.list': { request: none, response: shape<RunSummary[]>() },
  /** The whole stored history of a run, once; follow a live run with the `runs.update` event. */
  'runs.get': { request: runRef, response: shape<RunDetail>() },
  'runs.delete': { request: runRef, response: shape<void>() },
  /**
   * Names a run and/or sets its note (stored in the run's label.json, safe while it trains); `name: null` goes
   * back to the run's id. Answers the run's line in the list; every window hears `runs.changed`.
   */
  'runs.label': {
    request: z
      .object({
        runId: runIdSchema,
        // Sanity bounds in UTF-16 units, as for every request; the engine's rules (engine/run/runLabelRules.ts:
        // 1–100 characters, ≤ 10,000 for a note, no control or bidi characters) refuse the rest with one line.
        name: z.string().max(1000, 'must be 1–100 characters').nullable().optional(),
        note: z.string().max(100_000, 'must be at most 10,000 characters').optional(),
      })
      .strict()
      .refine((r) => r.name !== undefined || r.note !== undefined, { message: 'give a name or a note' }),
    response: shape<RunSummary>(),
  },
  /** Diagnosis at a captured step (latest snapshot when `step` is omitted). */
  'inspect.diagnose': {
    request: z.object({ runId: runIdSchema, step: z.number().int().min(0).optional() }).strict(),
    response: shape<Diagnosis>(),
  },
  'fold.preview': { request: runRef, response: shape<FoldPlan>() },
  'fold.compare': { request: runRef, response: shape<FoldComparison>() },
  /**
   * `fold` defaults to true; `folder` omitted: Electron asks with a dialog, serve writes under the run's `exports/`
   * folder; `formats` defaults to every format. null when the user cancelled the folder dialog.
   */
  'fold.export': {
    request: z
      .object({
        runId: runIdSchema,
        fold: z.boolean().optional(),
        folder: pathSchema.optional(),
        formats: z.array(exportFormatSchema).min(1).max(3).optional(),
      })
      .strict(),
    response: shape<ExportResult | null>(),
  },
  /** The worker queue now (later changes arrive as `workers.changed`). */
  'workers.get': { request: none, response: shape<WorkerQueueState>() },
  /** Electron only: native folder picker. null when cancelled. */
  'dialog.chooseFolder': { request: none, response: shape<string | null>() },
  /**
   * Backprop by hand for one minibatch (the first training batch of `seed`, default the configuration's): a saved
   * run at its final parameters, or a preset (built-in or saved) at initialisation on the built-in names; rows in
   * backward order, each with a histogram of the hand-written gradient and its first values beside autodiff's.
   */
  'backprop.check': {
    request: z.union([
      z.object({ runId: runIdSchema, seed: z.number().int().min(0).max(2 ** 32 - 1).optional() }).strict(),
      z.object({ presetId: z.string().min(1).max(100), seed: z.number().int().min(0).max(2 ** 32 - 1).optional() }).strict(),
    ]),
    response: shape<BackpropTable>(),
  },
  /**
   * A grid of ordinary runs (one per point, queued like any run): from a preset, an edited configuration, or a
   * built-in recipe (which brings its own preset and `vary`; a given `vary` replaces the recipe's).
   */
  'sweeps.start': {
    request: z
      .object({
        presetId: z.string().min(1).max(100).optional(),
        baseConfig: experimentConfigSchema.optional(),
        recipeId: z.string().min(1).max(100).optional(),
        datasetId: z.string().min(1).max(100),
        vary: z.array(sweepAxis).min(1).max(2).optional(),
        steps: positiveInt(100_000_000).optional(),
        seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
        backend: backendChoiceSchema.optional(),
      })
      .strict()
      .refine((r) => [r.presetId, r.baseConfig, r.recipeId].filter((x) => x !== undefined).length === 1, {
        message: 'give exactly one of presetId, baseConfig, recipeId',
      }),
    response: shape<SweepInfo>(),
  },
  /** Saved sweeps, newest first, with their runs' summaries now. */
  'sweeps.list': { request: none, response: shape<SweepInfo[]>() },
  'sweeps.recipes': { request: none, response: shape<SweepRecipeInfo[]>() },
  /** Stops the sweep's queued and training runs (each saved as `stopped`); its finished runs are kept. */
  'sweeps.stop': { request: z.object({ sweepId: runIdSchema }).strict(), response: shape<SweepInfo>() },
  /** Measured steps/s of the newest finished run of a preset (null when none), for a sweep's time estimate. */
  'sweeps.estimate': { request: z.object({ preset: z.string().min(1).max(100) }).strict(), response: shape<SweepEstimate>() },
  sample: {
    request: z
      .object({
        source: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('run'), runId: runIdSchema, folded: z.boolean().optional() }).strict(),
          z.object({ kind: z.literal('model'), path: pathSchema }).strict(),
        ]),
        count: positiveInt(1000),
        seed: z.number().int().min(0).max(2 ** 53),
      })
      .strict(),
    response: shape<SampleResult>(),
  },
} satisfies Record<string, { request: z.ZodType; response: Shape<unknown> }>;

/** Event channels (back end → UI) and their payloads. */
export const eventChannels = {
  /** What is new for one run (batched: at most ~20 per second per run). */
  'runs.update': shape<RunUpdate>(),
  /** The set of runs changed (started, finished, deleted, renamed or annotated): re-read `runs.list` if shown. */
  'runs.changed': shape<{ runIds: string[] }>(),
  /** The app's own menu (Ctrl/Cmd+O) loaded a dataset, or failed to. */
  'dataset.loaded': shape<DatasetLoaded>(),
  /** A worker process started, ended or was queued: who runs, who waits. */
  'workers.changed': shape<WorkerQueueState>(),
} satisfies Record<string, Shape<unknown>>;

// ── Derived from the table ────────────────────────────────────────────────────────────────────────────

export type InvokeChannel = keyof typeof invokeChannels;
export type EventChannel = keyof typeof eventChannels;
export type RequestOf<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = (typeof invokeChannels)[C]['response'] extends Shape<infer T> ? T : never;
export type EventOf<E extends EventChannel> = (typeof eventChannels)[E] extends Shape<infer T> ? T : never;

/** Where `sample` draws from: a saved run (optionally folded) or a model file on the back end's machine. */
export type SampleSource = RequestOf<'sample'>['source'];

/** What a back end implements: one handler per invoke channel, given the validated request. */
export type Handlers = { [C in InvokeChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** Every invoke channel, once (main registers exactly these; anything else is dropped). */
export const INVOKE_CHANNELS = Object.keys(invokeChannels) as InvokeChannel[];
export const EVENT_CHANNELS = Object.keys(eventChannels) as EventChannel[];

/**
 * Every invoke reply is an envelope, so user errors cross any transport with their code and line intact
 * (Electron's `invoke` rejection would flatten an Error into a string).
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(invokeChannels, channel);
}

export type ValidationResult<C extends InvokeChannel> = { ok: true; value: RequestOf<C> } | { ok: false; message: string };

/** Validates one request for a channel; the message names the offending field. */
export function validateRequest<C extends InvokeChannel>(channel: C, payload: unknown): ValidationResult<C> {
  if (!isInvokeChannel(channel)) return { ok: false, message: `unknown channel ${String(channel)}` };
  const parsed = (invokeChannels[channel].request as z.ZodType).safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data as RequestOf<C> };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
  return { ok: false, message: `invalid ${channel} request: ${where}: ${issue?.message ?? 'invalid'}` };
}
