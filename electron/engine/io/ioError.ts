/**
 * Ordinary operating-system errors (a full disk, a missing permission, a path through a regular file) are the
 * user's to fix, not bugs: they become one-line LabErrors ('IO') that name the path and say what went wrong in
 * words, e.g. "disk full while writing runs/x/metrics.jsonl". Node's own messages ("ENOSPC: no space left on
 * device, write") often lack the path (a write on a file descriptor has none), so the code that knows the path
 * wraps the call.
 */
import { LabError } from '../errors.js';

type Verb = 'writing' | 'reading' | 'creating' | 'replacing' | 'removing';

/** What each errno means to a user; codes not listed here are not "ordinary" and stay internal errors. */
const REASONS: Record<string, (file: string, verb: Verb) => string> = {
  ENOSPC: (f, v) => `disk full while ${v} ${f}`,
  EDQUOT: (f, v) => `disk quota exceeded while ${v} ${f}`,
  EFBIG: (f, v) => `file too large while ${v} ${f}`,
  EACCES: (f, v) => `permission denied while ${v} ${f}`,
  EPERM: (f, v) => `operation not permitted while ${v} ${f}`,
  EROFS: (f, v) => `read-only file system while ${v} ${f}`,
  ENOTDIR: (f) => `${f}: a part of this path is a file, not a folder`,
  EISDIR: (f) => `${f} is a folder, not a file`,
  ENOENT: (f) => `${f}: no such file or folder`,
  EEXIST: (f) => `${f} already exists`,
  ENAMETOOLONG: (f) => `${f}: name too long`,
  ELOOP: (f) => `${f}: too many symbolic links`,
  EMFILE: (f, v) => `too many open files while ${v} ${f}`,
  ENFILE: (f, v) => `too many open files while ${v} ${f}`,
  EIO: (f, v) => `input/output error while ${v} ${f}`,
  EXDEV: (f, v) => `cannot move across file systems while ${v} ${f}`,
  EBUSY: (f) => `${f} is busy`,
  ENOTEMPTY: (f) => `${f} is not empty`,
};

/** The errno code of a Node system error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** Whether `e` is an operating-system error the user can act on (disk full, permissions, bad path, …). */
export function isOrdinaryIoError(e: unknown): e is NodeJS.ErrnoException {
  const code = errnoCode(e);
  return code !== undefined && Object.hasOwn(REASONS, code);
}

/** A one-line LabError for an ordinary I/O error on `file`, or `e` itself when it is something else. */
export function describeIoError(e: unknown, file: string, verb: Verb = 'writing'): unknown {
  if (e instanceof LabError || !isOrdinaryIoError(e)) return e;
  const error = new LabError('IO', REASONS[e.code!](file, verb), { file });
  return Object.assign(error, { errno: e.code });
}

/** Runs `fn`, turning an ordinary I/O error into a one-line LabError naming `file`. */
export async function naming<T>(file: string, verb: Verb, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw describeIoError(e, file, verb);
  }
}

