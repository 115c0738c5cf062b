/**
 * Errors that are the user's to fix (a bad file, a bad argument). The CLI prints their message on one line
 * and exits 2; the app shows them in place. Anything else is a bug and keeps its stack trace.
 *
 * The message is made safe here, once, for every place that shows it: a file name or a word with a newline,
 * an ANSI escape or a bidi override in it comes out escaped (`\n`, `\u001b`), so the message is always exactly
 * one line that shows what is really there.
 */
import { escapeUnsafeCharacters } from './util/displayText.js';

export type LabErrorCode =
  | 'DATASET'
  | 'ARGUMENT'
  | 'CONFIG'
  | 'RUN'
  | 'MODEL_FILE'
  | 'BACKEND'
  /** An ordinary operating-system error on a named path: disk full, permission denied, a file in the way. */
  | 'IO'
  | 'CANCELLED';

export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly code: LabErrorCode,
    message: string,
    /** Optional machine-readable details (file, line) for the UI. */
    readonly details: { file?: string; line?: number } = {},
  ) {
    super(escapeUnsafeCharacters(message));
  }
}

export function isLabError(e: unknown): e is LabError {
  return e instanceof LabError;
}
