/**
 * Messages between whoever needs a model job done (the app's main process, `serve`, tests) and a short-lived
 * job process (worker/jobWorker.ts). Model jobs are the non-training work on saved models that takes long enough
 * to freeze a UI process: the fold plan, the fold comparison over every split, verified exports and sampling.
 *
 * One request per process: `{id, job}` in, one `{id, ok, result | error}` out, then the process exits. A LabError
 * raised by the job crosses as its code, message and details and is rebuilt as a LabError by the client, so the
 * UI shows it in place exactly as if the job had run in the caller.
 */
import type { WordsFileSummary } from '../data/wordsFileSummary.js';
import type { LabErrorCode } from '../errors.js';
import type { ModelComparison } from '../fold/compare.js';
import type { FoldStep } from '../fold/fold.js';
import type { ExportFormat } from '../io/exportModel.js';

/** A model to sample from: a saved run (optionally folded) or an exported file/folder (absolute path). */
export type SampleModel = { kind: 'run'; runDir: string; folded: boolean } | { kind: 'file'; path: string };

export type ModelJob =
  | { kind: 'foldPlan'; runDir: string }
  | { kind: 'foldCompare'; runDir: string }
  /**
   * Writes into a NEW sub-folder of `parentFolder` named after the run (`<id>` or `<id>-folded`); `fold` is
   * ignored for a run without BatchNorm; `formats` defaults to every format.
   */
  | { kind: 'export'; runDir: string; parentFolder: string; fold: boolean; formats?: readonly ExportFormat[] }
  | { kind: 'sample'; model: SampleModel; count: number; seed: number }
  /** Validates and summarises a words file (large ones: kept off the process that serves the UI). */
  | { kind: 'dataset'; path: string; label?: string };

export type ModelJobKind = ModelJob['kind'];

export interface ModelJobResults {
  foldPlan: { eps: number; layers: FoldStep[] };
  foldCompare: ModelComparison & { parameterCount: { before: number; after: number } };
  export: { folder: string; files: { name: string; bytes: number }[] };
  sample: { words: string[] };
  dataset: WordsFileSummary;
}

export type ModelJobResult<J extends ModelJob> = ModelJobResults[J['kind']];

export interface JobError {
  code: string;
  message: string;
  details?: { file?: string; line?: number };
}

export interface JobRequest {
  id: number;
  job: ModelJob;
}

export type JobResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: JobError };

/** Every LabError code, checked complete by the compiler, so the client knows which codes to rebuild as LabErrors. */
const LAB_ERROR_CODES: Record<LabErrorCode, true> = {
  DATASET: true,
  ARGUMENT: true,
  CONFIG: true,
  RUN: true,
  MODEL_FILE: true,
  BACKEND: true,
  IO: true,
  CANCELLED: true,
};

export function isLabErrorCode(code: string): code is LabErrorCode {
  return Object.hasOwn(LAB_ERROR_CODES, code);
}
