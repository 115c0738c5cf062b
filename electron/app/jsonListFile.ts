/**
 * A JSON file in the data folder that holds a list of entries (presets.json, sweeps.json): read for showing,
 * changed by rewriting it atomically, one change at a time — also across processes (a lock beside the file, see
 * LOCK_OPTIONS).
 *
 * Showing is lenient: a missing or unreadable file is no entries, and entries that are not the store's (edited
 * by hand, an older format) are skipped. A file that exists but cannot be read back as a list (truncated, not
 * JSON, another shape, not readable, a folder or a FIFO) is never overwritten: every change is refused with one
 * line naming the file, so the user can move it away and keep what is in it.
 */
import path from 'node:path';
import { LabError } from '../engine/errors.js';
import { writeFileAtomic } from '../engine/io/atomic.js';
import { describeIoError, errnoCode } from '../engine/io/ioError.js';
import { NotPlainFileError, readPlainFile } from '../engine/io/plainFile.js';

export interface JsonListFileOptions<T> {
  file: string;
  /** What the list holds, plural, for the refusal ("sweeps"). */
  noun: string;
  /** Whether a value is one of the store's entries; others are skipped. */
  isEntry(value: unknown): value is T;
}

/**
 * Another process may change the same file at the same moment (a second instance of the app, `lab serve` on the
 * same data folder): each read-change-write holds a lock beside the file (`.<name>.lock`, a folder, kept fresh
 * while held) so neither loses the other's change. One left by a holder killed mid-change is stale, and taken
 * over, once untouched for `stale` ms; a waiter gives up after about 14 s of retries.
 */
const LOCK_OPTIONS = { stale: 5000, retries: { retries: 60, factor: 1.5, minTimeout: 20, maxTimeout: 250 }, realpath: false } as const;

/** Entries read, or why the file is not a list (null reason: read, or absent). */
type ReadResult<T> = { entries: T[]; problem: string | null };

export class JsonListFile<T> {
  /** Changes one after another: two started together must not lose one another. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: JsonListFileOptions<T>) {}

  get file(): string {
    return this.options.file;
  }

  /** The entries, in file order; none when the file is missing or unreadable. */
  async read(): Promise<T[]> {
    return (await this.load()).entries;
  }

  /** The entries a change would start from; throws for a file that exists but is unreadable. */
  async readForUpdate(): Promise<T[]> {
    const { entries, problem } = await this.load();
    if (problem !== null) {
      const { file, noun } = this.options;
      throw new LabError('CONFIG', `${file}: not a list of ${noun} (${problem}); move it away to save new ${noun}`);
    }
    return entries;
  }

  /** Rewrites the file with `change(entries)`; a change that throws writes nothing. Returns what was written. */
  update(change: (entries: T[]) => T[]): Promise<T[]> {
    const next = this.writing.then(async () => {
      const release = await this.lock();
      try {
        const entries = change(await this.readForUpdate());
        await writeFileAtomic(this.options.file, JSON.stringify(entries, null, 2) + '\n');
        return entries;
      } finally {
        await release().catch(() => {}); // already gone (taken over as stale): nothing to release
      }
    });
    this.writing = next.catch(() => {});
    return next;
  }

  /** Takes the file's lock (see LOCK_OPTIONS); returns its release. */
  private async lock(): Promise<() => Promise<void>> {
    const { file } = this.options;
    // Loaded on the first change only: it installs exit and signal handlers (to drop its locks), which processes
    // that only read these files (the CLI listing presets) should not get.
    const { lock } = await import('proper-lockfile');
    try {
      return await lock(file, {
        ...LOCK_OPTIONS,
        lockfilePath: path.join(path.dirname(file), `.${path.basename(file)}.lock`),
        // Taken over while held (this process stalled past `stale`): the write is still atomic, so carry on
        // rather than throw from a timer, which would end the whole process.
        onCompromised: () => {},
      });
    } catch (e) {
      if (errnoCode(e) === 'ELOCKED') throw new LabError('IO', `${file} is being changed by another program; try again`, { file });
      throw describeIoError(e, file, 'writing');
    }
  }

  private async load(): Promise<ReadResult<T>> {
    let text: string;
    try {
      text = await readPlainFile(this.options.file);
    } catch (e) {
      if (e instanceof NotPlainFileError) return { entries: [], problem: e.what };
      return { entries: [], problem: errnoCode(e) === 'ENOENT' ? null : `cannot be read: ${errnoCode(e) ?? (e as Error).message}` };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { entries: [], problem: 'not valid JSON' };
    }
    if (!Array.isArray(raw)) return { entries: [], problem: `a JSON ${raw === null ? 'null' : typeof raw} instead of a list` };
    return { entries: raw.filter((v): v is T => this.options.isEntry(v)), problem: null };
  }
}
