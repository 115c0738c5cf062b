/**
 * A run folder: everything one training run leaves on disk, readable at any moment (also after a crash).
 *
 *   run.json                 RunRecord — rewritten atomically on every status change
 *   metrics.jsonl            appended as training goes: loss chunks, update:data chunks, evaluation points
 *   snapshots.jsonl          appended inspector snapshots (every K steps)
 *   checkpoint.safetensors   every tensor (params and BatchNorm buffers), atomically replaced
 *   model/                   the trained model as a TensorFlow.js Layers model + lab-model.json sidecar
 *   label.json               the user's name and note for the run — written by the app/CLI only (runLabel.ts)
 *
 * Appended files may end in a torn line after a crash; readers skip it, so what was saved stays readable.
 */
import { appendFileSync, promises as fs, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import type { BackendReport } from '../compute/types.js';
import type { DatasetRef, WordsSource } from '../data/index.js';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import { atomicTestHooks, makeDirs, writeFileAtomic, writeFileExclusive } from '../io/atomic.js';
import { describeIoError, errnoCode, naming } from '../io/ioError.js';
import { NotPlainFileError, readPlainFile } from '../io/plainFile.js';
import type { ExperimentConfig } from '../model/config.js';
import type { EvalPoint, LossChunk, TrainResult, UpdateRatioChunk } from '../train/types.js';
import { LabError } from '../errors.js';
import { isPlainObject } from '../util/isPlainObject.js';
import { forEachJsonLine } from './jsonLines.js';
import { StepSeries, ThinnedList, type BucketedValues } from './stepSeries.js';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SNAPSHOTS_FILE = 'snapshots.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const MODEL_DIR = 'model';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';

export interface RunRecord {
  format: 'makemore-lab-run';
  version: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  preset: string | null;
  config: ExperimentConfig;
  dataset: { ref: DatasetRef; source: WordsSource['source'] };
  vocab: string[];
  /** Entropy of the training split's next-token frequencies in nats (absent in runs saved before it was recorded). */
  unigramEntropy?: number | null;
  backend: BackendReport | null;
  /** Steps reached by the last saved checkpoint (the model on disk). */
  checkpointStep: number;
  result: TrainResult | null;
  error: { code: string; message: string } | null;
}

/**
 * The record of a run that has trained no step yet: what executeRun claims its folder with, and what the app
 * saves for a run stopped before it left the worker queue. The format fields and the empty outcome live here only.
 */
export function newRunRecord(fields: Pick<RunRecord, 'id' | 'createdAt' | 'status' | 'config' | 'dataset' | 'vocab' | 'unigramEntropy' | 'backend'>): RunRecord {
  return {
    format: 'makemore-lab-run',
    version: 1,
    id: fields.id,
    createdAt: fields.createdAt,
    updatedAt: new Date().toISOString(),
    status: fields.status,
    preset: fields.config.preset,
    config: fields.config,
    dataset: fields.dataset,
    vocab: fields.vocab,
    unigramEntropy: fields.unigramEntropy,
    backend: fields.backend,
    checkpointStep: 0,
    result: null,
    error: null,
  };
}

/** A run's `error` from what ended it: a LabError keeps its code; anything else is INTERNAL. */
export function runErrorOf(e: unknown): NonNullable<RunRecord['error']> {
  return { code: (e as { code?: string }).code ?? 'INTERNAL', message: (e as Error).message };
}

export type MetricsLine =
  | ({ kind: 'loss' } & LossChunk)
  | ({ kind: 'ratios' } & UpdateRatioChunk)
  | ({ kind: 'eval' } & EvalPoint);

function recordText(record: RunRecord): string {
  return JSON.stringify(record, null, 2) + '\n';
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeFileAtomic(path.join(dir, RUN_FILE), recordText(record));
}

/**
 * Records a run's end even on a full disk. The atomic rewrite needs room for a second copy of run.json; when
 * there is none, the record is rewritten in place — it is a few kilobytes, so it fits in the blocks the file
 * already holds. (In place is not atomic: a kill during that one small write could tear it. It is only the
 * fallback for when the atomic write is impossible.)
 */
export async function writeFinalRunRecord(dir: string, record: RunRecord): Promise<void> {
  try {
    await writeRunRecord(dir, record);
  } catch (e) {
    const code = errnoCode(e) ?? (e as { errno?: string }).errno;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
    const file = path.join(dir, RUN_FILE);
    await naming(file, 'writing', async () => {
      const handle = await fs.open(file, 'r+');
      try {
        const text = Buffer.from(recordText(record));
        await handle.write(text, 0, text.length, 0);
        await handle.truncate(text.length);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }
}

/**
 * Refuses a `--out` folder that is not new or empty, before anything is computed: a run never writes into a
 * folder holding someone's files, and never appends a second run's metrics to another run's.
 */
export async function checkNewRunFolder(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return null;
    throw describeIoError(e, dir, 'creating');
  });
  if (!stat) return;
  if (!stat.isDirectory()) throw new LabError('RUN', `${dir} exists and is not a folder; choose a new folder for the run`);
  const entries = await naming(dir, 'reading', () => fs.readdir(dir));
  if (entries.includes(RUN_FILE)) {
    const id = await readRunRecord(dir).then((r) => ` (run ${r.id})`, () => '');
    throw new LabError('RUN', `${dir} is already a run folder${id}; choose a new folder for this run`);
  }
  if (entries.length > 0) {
    throw new LabError(
      'RUN',
      `${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); a run is written only into a new or empty folder`,
    );
  }
}

/**
 * Creates the run folder and its run.json in one exclusive step (the name run.json is taken atomically), so
 * two runs started on the same folder cannot both write into it. Returns whether this call created the folder
 * (so a caller that fails right after can remove it again).
 */
export async function claimRunFolder(dir: string, record: RunRecord): Promise<{ createdDir: boolean }> {
  await checkNewRunFolder(dir);
  const createdDir = !(await fs.stat(dir).then(() => true, () => false));
  await makeDirs(dir);
  try {
    record.updatedAt = new Date().toISOString();
    if (!(await writeFileExclusive(path.join(dir, RUN_FILE), recordText(record)))) {
      throw new LabError('RUN', `${dir} is already a run folder (another run claimed it); choose a new folder for this run`);
    }
  } catch (e) {
    if (createdDir) await fs.rmdir(dir).catch(() => {});
    throw e;
  }
  return { createdDir };
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await readPlainFile(file);
  } catch (e) {
    if (e instanceof NotPlainFileError) throw new LabError('RUN', `${file} is ${e.what}; not a run record`);
    throw new LabError('RUN', `${dir} is not a run folder (no ${RUN_FILE})`);
  }
  let record: RunRecord;
  try {
    record = JSON.parse(text) as RunRecord;
  } catch {
    throw new LabError('RUN', `${file} is not valid JSON`);
  }
  if (record?.format !== 'makemore-lab-run') throw new LabError('RUN', `${file} is not a Makemore Lab run record`);
  const missing = missingRecordField(record);
  if (missing) throw new LabError('RUN', `${file}: ${missing} is missing or not valid; not a run record the lab can read`);
  return record;
}

/**
 * The first field every reader of a record (the Runs list, its sort, a run's summary) relies on that a run.json
 * lacks, or null. A hand-edited or foreign run.json without them is refused here, in one line naming the file,
 * instead of failing later with a TypeError in whatever lists it — which took the whole Runs list down.
 */
function missingRecordField(record: RunRecord): string | null {
  const r = record as unknown as Record<string, unknown>;
  for (const key of ['id', 'createdAt', 'status'] as const) if (typeof r[key] !== 'string') return key;
  const config = r.config;
  if (!isPlainObject(config) || !isPlainObject(config.train) || typeof config.train.steps !== 'number') return 'config.train';
  if (!isPlainObject(config.model) || !Array.isArray(config.model.hidden) || !isPlainObject(config.model.output)) return 'config.model';
  if (!isPlainObject(r.dataset) || !isPlainObject(r.dataset.source) || typeof r.dataset.source.name !== 'string') return 'dataset.source';
  if (!Array.isArray(r.vocab)) return 'vocab';
  if (r.result != null && !isPlainObject(r.result)) return 'result';
  return null;
}

/** Marks a run failed after its training process died without saying so (the rest of the record is kept). */
export async function markRunFailed(dir: string, error: { code: string; message: string }): Promise<void> {
  const record = await readRunRecord(dir);
  if (record.status !== 'running') return;
  record.status = 'failed';
  record.error = error;
  await writeRunRecord(dir, record);
}

/**
 * Appends JSON lines synchronously: a few small writes a second, and the data is on disk before the next step.
 * A failed append (disk full) is cut back to the last complete line, so the file never ends torn because of
 * an error (only a kill mid-write can still leave a torn last line, which readers skip).
 */
export class JsonLinesAppender {
  private size: number;

  constructor(private readonly file: string) {
    try {
      this.size = statSync(file).size;
    } catch {
      this.size = 0;
    }
  }

  append(value: unknown): void {
    const line = JSON.stringify(value) + '\n';
    try {
      atomicTestHooks.beforeWrite?.(this.file);
      appendFileSync(this.file, line);
      this.size += Buffer.byteLength(line);
    } catch (e) {
      try {
        truncateSync(this.file, this.size);
      } catch {
        // The file could not even be truncated; readers still skip a torn last line.
      }
      throw describeIoError(e, this.file, 'writing');
    }
  }
}

/** Points kept per series when reading a run back; longer runs are averaged in buckets (stepSeries.ts). */
export const STORED_LOSS_POINTS = 1 << 18; // every step of a 262,144-step run
export const STORED_RATIO_POINTS = 1 << 16; // per parameter
export const STORED_SNAPSHOTS = 1000;

/** The stored history of a run, read back in bounded memory however long the run (for reopening it). */
export interface StoredRun {
  dir: string;
  record: RunRecord;
  /** Minibatch loss per step (every = 1), or per bucket of `every` steps for a long run. */
  losses: BucketedValues;
  evals: EvalPoint[];
  /** rows[k][p] = update:data ratio of params[p], averaged over steps k·every … (k+1)·every − 1. */
  ratios: { params: string[]; every: number; rows: (number | null)[][] } | null;
  /** At most STORED_SNAPSHOTS, evenly thinned, always including the latest. */
  snapshots: InspectionSnapshot[];
  /** Lines of metrics.jsonl / snapshots.jsonl that could not be read (a torn last line after a crash, …). */
  skippedLines: number;
  /** Size of metrics.jsonl in bytes. */
  metricsBytes: number;
}

export async function readStoredRun(dir: string): Promise<StoredRun> {
  const record = await readRunRecord(dir);
  const losses = new StepSeries(STORED_LOSS_POINTS);
  const evals: EvalPoint[] = [];
  let ratioParams: string[] | null = null;
  let ratioSeries: StepSeries[] = [];
  const metrics = await forEachJsonLine(path.join(dir, METRICS_FILE), (value) => {
    const line = value as MetricsLine;
    if (line?.kind === 'loss' && Array.isArray(line.losses)) {
      // Placed by step: a duplicated chunk cannot count twice, a missing one leaves a hole.
      line.losses.forEach((l, k) => losses.add(line.fromStep + k, l));
    } else if (line?.kind === 'ratios' && Array.isArray(line.ratios)) {
      if (!ratioParams) {
        ratioParams = line.params;
        ratioSeries = line.params.map(() => new StepSeries(STORED_RATIO_POINTS));
      }
      line.ratios.forEach((row, k) => ratioSeries.forEach((series, p) => series.add(line.fromStep + k, row?.[p] ?? null)));
    } else if (line?.kind === 'eval') {
      evals.push({ step: line.step, train: line.train, val: line.val });
    }
  });
  const snapshots = new ThinnedList<InspectionSnapshot>(STORED_SNAPSHOTS);
  const snapshotStats = await forEachJsonLine(path.join(dir, SNAPSHOTS_FILE), (v) => snapshots.push(v as InspectionSnapshot));
  let ratios: StoredRun['ratios'] = null;
  if (ratioParams) {
    const columns = ratioSeries.map((series) => series.values());
    const n = Math.max(0, ...columns.map((c) => c.values.length));
    const rows = Array.from({ length: n }, (_, k) => columns.map((c) => c.values[k] ?? null));
    ratios = { params: ratioParams, every: columns[0]?.every ?? 1, rows };
  }
  return {
    dir,
    record,
    losses: losses.values(),
    evals,
    ratios,
    snapshots: snapshots.items(),
    skippedLines: metrics.skipped + snapshotStats.skipped,
    metricsBytes: metrics.bytes,
  };
}

/** Runs under a root folder (one sub-folder each), newest first; folders that are not runs are ignored. */
export async function listRuns(root: string): Promise<{ dir: string; record: RunRecord }[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(root);
  } catch {
    return [];
  }
  const runs: { dir: string; record: RunRecord }[] = [];
  for (const name of entries) {
    if (name.startsWith('.')) continue;
    const dir = path.join(root, name);
    try {
      runs.push({ dir, record: await readRunRecord(dir) });
    } catch {
      // Not a run folder (or a half-created one without run.json yet): not listed.
    }
  }
  return runs.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
}

/** A sortable, filesystem-safe run id: UTC time plus the preset. */
export function newRunId(preset: string | null, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = Math.random().toString(36).slice(2, 6);
  return `${stamp}-${(preset ?? 'custom').replace(/[^a-zA-Z0-9-]/g, '_')}-${suffix}`;
}
