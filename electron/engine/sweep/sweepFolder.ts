/**
 * A sweep folder: `sweep.json` (the definition and each run's outcome, rewritten atomically as runs finish)
 * and one ordinary run folder per grid point beside it, so every run opens, evaluates, folds and exports like
 * any other.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../compute/types.js';
import { LabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ExperimentConfig } from '../model/config.js';
import type { Assignment, Scalar } from '../model/configPath.js';
import type { SplitLosses } from '../train/types.js';
import type { ExecuteRunOptions } from '../run/executeRun.js';
import type { VaryAxis } from './grid.js';

export const SWEEP_FILE = 'sweep.json';

export type SweepRunStatus = 'pending' | 'running' | 'completed' | 'stopped' | 'failed';

export interface SweepRunEntry {
  values: Record<string, Scalar>;
  /** The run folder's name under the sweep folder. */
  name: string;
  status: SweepRunStatus;
  /** Whether its training process was started (a run stopped before it started has no folder). */
  started: boolean;
  loss: SplitLosses | null;
  stepsPerSecond: number | null;
  error: string | null;
}

export interface SweepRecord {
  format: 'makemore-lab-sweep';
  version: 1;
  createdAt: string;
  updatedAt: string;
  /** Built-in preset or saved preset id, config file name, or recipe the sweep started from. */
  source: { preset: string | null; recipe: string | null; label: string };
  /** The configuration every point starts from (after --set, --steps, --seed). */
  base: ExperimentConfig;
  sets: Assignment[];
  vary: VaryAxis[];
  dataset: ExecuteRunOptions['dataset'];
  backend: BackendChoice;
  parallel: number;
  status: 'running' | 'completed' | 'stopped';
  wallSeconds: number | null;
  runs: SweepRunEntry[];
}

/**
 * Refuses a sweep folder that is not new or empty, before anything is trained: a sweep never writes among
 * someone's files, nor mixes its runs with an earlier sweep's.
 */
export async function checkNewSweepFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new LabError('RUN', `${dir} exists and is not a folder; choose a new folder for the sweep`);
    entries = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (e instanceof LabError) throw e;
    throw new LabError('RUN', `${dir}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (entries.includes(SWEEP_FILE)) throw new LabError('RUN', `${dir} already holds a sweep; choose a new folder for this one`);
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new LabError('RUN', `${dir} is not empty (${shown}); a sweep is written only into a new or empty folder`);
  }
}

export async function writeSweepRecord(dir: string, record: SweepRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeFileAtomic(path.join(dir, SWEEP_FILE), JSON.stringify(record, null, 2) + '\n');
}

export async function readSweepRecord(dir: string): Promise<SweepRecord> {
  const file = path.join(dir, SWEEP_FILE);
  let record: SweepRecord;
  try {
    record = JSON.parse(await fs.readFile(file, 'utf8')) as SweepRecord;
  } catch {
    throw new LabError('RUN', `${dir} is not a sweep folder (no readable ${SWEEP_FILE})`);
  }
  if (record.format !== 'makemore-lab-sweep') throw new LabError('RUN', `${file} is not a Makemore Lab sweep record`);
  return record;
}
