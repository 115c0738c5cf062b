/**
 * A run folder: everything one training run leaves on disk, readable at any moment (also after a crash).
 *
 *   run.json                 RunRecord — rewritten atomically on every status change
 *   metrics.jsonl            appended as training goes: loss chunks, update:data chunks, evaluation points
 *   snapshots.jsonl          appended inspector snapshots (every K steps)
 *   checkpoint.safetensors   every tensor (params and BatchNorm buffers), atomically replaced
 *   model/                   the trained model as a TensorFlow.js Layers model + lab-model.json sidecar
 *
 * Appended files may end in a torn line after a crash; readers skip it, so what was saved stays readable.
 */
import { appendFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendReport } from '../compute/types.js';
import type { DatasetRef, WordsSource } from '../data/index.js';
import type { InspectionSnapshot } from '../inspect/snapshot.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ExperimentConfig } from '../model/config.js';
import type { EvalPoint, LossChunk, TrainResult, UpdateRatioChunk } from '../train/types.js';
import { LabError } from '../errors.js';

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
  backend: BackendReport | null;
  /** Steps reached by the last saved checkpoint (the model on disk). */
  checkpointStep: number;
  result: TrainResult | null;
  error: { code: string; message: string } | null;
}

export type MetricsLine =
  | ({ kind: 'loss' } & LossChunk)
  | ({ kind: 'ratios' } & UpdateRatioChunk)
  | ({ kind: 'eval' } & EvalPoint);

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeFileAtomic(path.join(dir, RUN_FILE), JSON.stringify(record, null, 2) + '\n');
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new LabError('RUN', `${dir} is not a run folder (no ${RUN_FILE})`);
  }
  let record: RunRecord;
  try {
    record = JSON.parse(text) as RunRecord;
  } catch {
    throw new LabError('RUN', `${file} is not valid JSON`);
  }
  if (record.format !== 'makemore-lab-run') throw new LabError('RUN', `${file} is not a Makemore Lab run record`);
  return record;
}

/** Marks a run failed after its training process died without saying so (the rest of the record is kept). */
export async function markRunFailed(dir: string, error: { code: string; message: string }): Promise<void> {
  const record = await readRunRecord(dir);
  if (record.status !== 'running') return;
  record.status = 'failed';
  record.error = error;
  await writeRunRecord(dir, record);
}

/** Appends JSON lines synchronously: a few small writes a second, and the data is on disk before the next step. */
export class JsonLinesAppender {
  constructor(private readonly file: string) {}

  append(value: unknown): void {
    appendFileSync(this.file, JSON.stringify(value) + '\n');
  }
}

/** Reads a JSON-lines file, skipping a torn last line left by a crash. Missing file → empty list. */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A line cut short by a crash mid-append: everything before it is intact.
    }
  }
  return out;
}

/** The whole stored history of a run, assembled once (for reopening a saved run). */
export interface StoredRun {
  dir: string;
  record: RunRecord;
  /** losses[s] = minibatch loss of step s. */
  losses: number[];
  evals: EvalPoint[];
  ratios: { params: string[]; values: (number | null)[][] } | null;
  snapshots: InspectionSnapshot[];
}

export async function readStoredRun(dir: string): Promise<StoredRun> {
  const record = await readRunRecord(dir);
  const lines = await readJsonLines<MetricsLine>(path.join(dir, METRICS_FILE));
  const losses: number[] = [];
  const evals: EvalPoint[] = [];
  let ratios: StoredRun['ratios'] = null;
  for (const line of lines) {
    if (line.kind === 'loss') {
      // Chunks are contiguous; place by step so a duplicated or missing chunk cannot shift the curve.
      line.losses.forEach((l, k) => (losses[line.fromStep + k] = l));
    } else if (line.kind === 'ratios') {
      ratios ??= { params: line.params, values: [] };
      line.ratios.forEach((r, k) => (ratios!.values[line.fromStep + k] = r));
    } else if (line.kind === 'eval') {
      evals.push({ step: line.step, train: line.train, val: line.val });
    }
  }
  const snapshots = await readJsonLines<InspectionSnapshot>(path.join(dir, SNAPSHOTS_FILE));
  return { dir, record, losses, evals, ratios, snapshots };
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
