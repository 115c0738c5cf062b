/**
 * A run's name and note, kept in `label.json` beside run.json rather than inside it.
 *
 * Why a file of its own: the training process owns run.json and rewrites it whole on every status change and
 * at the end (runFolder.ts, executeRun.ts). A name written into run.json while the run trains would be lost at
 * its next rewrite, and making the two writers cooperate would need a lock across processes. label.json is
 * written only by the app and the CLI (atomically: temp file, fsync, rename), never by the trainer, so a rename
 * during training survives whatever the trainer writes; readers merge the two.
 *
 *   { "format": "makemore-lab-label", "version": 1, "name": "…" | null, "note": "…", "updatedAt": "…" }
 *
 * A run without label.json is named by its id (what the Runs table always showed: time and preset) and has no
 * note. A label file that does not parse, or a field that breaks the rules (a hand-edited file), is read as
 * absent, so it can never put a control character into a terminal or stop the run from being listed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readPlainFile } from '../io/plainFile.js';
import { RUN_FILE, readRunRecord, type RunRecord } from './runFolder.js';
import { normaliseRunName, normaliseRunNote, runNameProblem, runNoteProblem } from './runLabelRules.js';

export const LABEL_FILE = 'label.json';

export interface RunLabel {
  /** The name the user gave; null: none (the run is shown by its id). */
  name: string | null;
  /** '' when there is none. */
  note: string;
}

interface LabelFile extends RunLabel {
  format: 'makemore-lab-label';
  version: 1;
  updatedAt: string;
}

/** What a run is called everywhere (tables, legends, pickers, the CLI, the model card). */
export function runDisplayName(record: Pick<RunRecord, 'id'>, label: RunLabel): string {
  return label.name ?? record.id;
}

export async function readRunLabel(dir: string): Promise<RunLabel> {
  let parsed: Partial<LabelFile>;
  try {
    parsed = JSON.parse(await readPlainFile(path.join(dir, LABEL_FILE))) as Partial<LabelFile>;
  } catch {
    return { name: null, note: '' };
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.format !== 'makemore-lab-label') return { name: null, note: '' };
  const name = typeof parsed.name === 'string' && runNameProblem(parsed.name) === null ? normaliseRunName(parsed.name) : null;
  const note = typeof parsed.note === 'string' && runNoteProblem(parsed.note) === null ? normaliseRunNote(parsed.note) : '';
  return { name, note };
}

/** Checks a name or note against the rules; a LabError('ARGUMENT') whose one line names the field. */
export function checkRunLabel(change: { name?: string | null; note?: string }): void {
  const problem = (typeof change.name === 'string' ? runNameProblem(change.name) : null) ?? (change.note !== undefined ? runNoteProblem(change.note) : null);
  if (problem) throw new LabError('ARGUMENT', problem);
  if (change.name === undefined && change.note === undefined) throw new LabError('ARGUMENT', 'give a name or a note');
}

/**
 * Sets a run's name and/or note (a field left undefined keeps its value; `name: null` goes back to the id).
 * The folder must already be a run (its run.json written): a label must never create a folder that a
 * training process is about to claim as new and empty.
 */
export async function writeRunLabel(dir: string, change: { name?: string | null; note?: string }): Promise<RunLabel> {
  checkRunLabel(change);
  await fs.access(path.join(dir, RUN_FILE)).catch(() => {
    throw new LabError('RUN', `${dir} has no ${RUN_FILE} yet (a run still starting, or not a run folder); label it once it is listed`);
  });
  await readRunRecord(dir); // a run folder, not any folder holding a run.json
  const current = await readRunLabel(dir);
  const next: RunLabel = {
    name: change.name === undefined ? current.name : change.name === null ? null : normaliseRunName(change.name),
    note: change.note === undefined ? current.note : normaliseRunNote(change.note),
  };
  const file: LabelFile = { format: 'makemore-lab-label', version: 1, ...next, updatedAt: new Date().toISOString() };
  await writeFileAtomic(path.join(dir, LABEL_FILE), JSON.stringify(file, null, 2) + '\n');
  return next;
}
