/**
 * Crash-safe writes. A reader (the lab, another runtime, the user) must only ever see the previous complete
 * file/folder or the new complete one — never a half-written model.
 *
 * Files: write a temporary sibling, fsync it, rename over the target (atomic on POSIX within one filesystem),
 * then fsync the directory so the rename itself survives a power cut.
 * Folders: build the whole new folder as a temporary sibling, fsync everything, then swap it into place; on any
 * failure the temporary folder is removed and the previous folder is left exactly as it was.
 *
 * Temporary names are `.<name>.tmp-<pid>-<random>` (the new content) and `.<name>.old-<pid>-<random>` (the
 * previous folder during a swap). A process killed mid-write leaves them behind; the next write into the same
 * folder removes those that are stale (see `cleanStaleTemps`) and puts a stranded previous folder back.
 *
 * Ordinary I/O errors (disk full, permission denied, …) come out as one-line LabErrors naming the final path
 * (io/ioError.ts), never the temporary one.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LabError } from '../errors.js';
import { describeIoError, errnoCode, naming } from './ioError.js';

/**
 * Seams for tests only: a fault before each file write (e.g. an injected ENOSPC) and a pause between the two
 * renames of a folder swap. Production code never sets them.
 */
export const atomicTestHooks: {
  beforeWrite?: (file: string) => void;
  betweenSwapRenames?: (target: string) => Promise<void>;
} = {};

/** A lab temporary name: `.<target>.<tmp|old>-<pid>-<8 hex>`. */
const TEMP_NAME = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-f]{8}$/;

/**
 * A temporary of a process that is still alive is left alone unless it is older than this: no single lab write
 * takes an hour, so an older one belongs to a dead writer whose pid was reused (or to another machine sharing
 * the folder).
 */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

function tempName(target: string, kind: 'tmp' | 'old'): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** fsync a directory so renames/creations inside it are durable. Some filesystems refuse; that is not fatal. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch (e) {
    // EISDIR/EINVAL/EPERM: directory fsync unsupported here (e.g. some network/overlay filesystems).
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    await handle?.close();
  }
}

/**
 * `mkdir -p` that always ends. Node's `mkdir(…, { recursive: true })` spins forever where the kernel answers
 * ENOENT for a path whose parent exists (e.g. under /proc/self); this walks up at most once per path component
 * and gives up with a one-line error.
 */
export async function makeDirs(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let p = target;
  for (;;) {
    const stat = await fs.stat(p).catch((e: unknown) => {
      // ENOTDIR: a file further up; keep walking up to name it.
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null;
      throw describeIoError(e, p, 'creating');
    });
    if (stat) {
      if (!stat.isDirectory()) throw new LabError('IO', `${p} is a file, not a folder (creating ${target})`, { file: target });
      break;
    }
    missing.push(p);
    const parent = path.dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST' && (await fs.stat(d).then((s) => s.isDirectory(), () => false))) continue;
      // The parent exists (just checked or created), yet the kernel says it does not: e.g. /proc/self.
      if (code === 'ENOENT') throw new LabError('IO', `cannot create folder ${d}: ${path.dirname(d)} does not accept new folders`, { file: d });
      throw describeIoError(e, d, 'creating');
    }
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * Removes the lab's own stale temporaries in `dir` — only names `tempName` makes, never anything else — and
 * puts back a previous folder stranded by a swap that was killed between its two renames.
 *
 * Stale: the writing process (the pid in the name) no longer exists, or the temporary is older than
 * STALE_TEMP_AGE_MS. A younger temporary of a live writer (this process included) may be in use right now and
 * is left alone. (Pids are this machine's: a writer on another machine sharing the folder may look dead and lose
 * its temporary early; its rename then fails cleanly, it never corrupts the target.)
 * Best effort: a temporary that cannot be removed is left for the next time.
 */
export async function cleanStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const present = new Set(names);
  const removed: string[] = [];
  const stale = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const stat = await fs.lstat(file).catch(() => null);
    if (!stat) continue;
    if (isAlive(Number(m[3])) && now - stat.mtimeMs < STALE_TEMP_AGE_MS) continue;
    stale.push({ name, file, target: m[1], kind: m[2], mtime: stat.mtimeMs });
  }
  // Newest stranded previous version first: that is the one to restore.
  stale.sort((a, b) => b.mtime - a.mtime);
  for (const t of stale) {
    try {
      if (t.kind === 'old' && !present.has(t.target)) {
        await fs.rename(t.file, path.join(dir, t.target));
        present.add(t.target);
      } else {
        await fs.rm(t.file, { recursive: true, force: true });
      }
      removed.push(t.name);
    } catch {
      // Someone else is cleaning the same folder, or it is not ours to remove: leave it.
    }
  }
  return removed;
}

/**
 * The path to read for `target` (a folder written by writeDirectoryAtomic, or a file inside one): itself, or —
 * while a swap is between its two renames, or after one was killed there — the same path in the previous
 * complete folder set aside beside it.
 */
export async function resolveSwapped(target: string): Promise<string> {
  const resolved = path.resolve(target);
  if (await exists(resolved)) return resolved;
  for (const [folder, rest] of [[resolved, ''], [path.dirname(resolved), path.basename(resolved)]]) {
    const aside = await newestAside(folder);
    if (aside && (await exists(path.join(aside, rest)))) return path.join(aside, rest);
  }
  return resolved;
}

async function newestAside(folder: string): Promise<string | null> {
  const dir = path.dirname(folder);
  const prefix = `.${path.basename(folder)}.old-`;
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && TEMP_NAME.test(n));
  if (names.length === 0) return null;
  const stats = await Promise.all(names.map(async (n) => ({ n, t: (await fs.lstat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? -1 })));
  stats.sort((a, b) => b.t - a.t);
  return path.join(dir, stats[0].n);
}

/** Writes bytes to a new file and fsyncs it (the file must not be visible to readers yet). */
async function writeAndSync(file: string, data: Uint8Array | string): Promise<void> {
  atomicTestHooks.beforeWrite?.(file);
  const handle = await fs.open(file, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `data` atomically: temp sibling → fsync → rename → fsync dir. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await cleanStaleTemps(path.dirname(file));
  const tmp = tempName(file, 'tmp');
  await naming(file, 'writing', async () => {
    try {
      await writeAndSync(tmp, data);
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await fsyncDir(path.dirname(file));
  });
}

/**
 * Creates `file` with `data` only if no file of that name exists (a complete file appears in one step, or
 * nothing does): temp sibling → fsync → hard link to the name (fails with EEXIST if it is taken). Used to claim
 * a folder, so two writers can never both believe it is theirs.
 * Returns false when the name was taken.
 */
export async function writeFileExclusive(file: string, data: Uint8Array | string): Promise<boolean> {
  await cleanStaleTemps(path.dirname(file));
  const tmp = tempName(file, 'tmp');
  return naming(file, 'writing', async () => {
    try {
      await writeAndSync(tmp, data);
      await fs.link(tmp, file);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw e;
    } finally {
      await fs.rm(tmp, { force: true });
    }
    await fsyncDir(path.dirname(file));
    return true;
  });
}

/** What a directory writer gets: a way to add files to the folder being built. */
export interface DirectoryWriter {
  /** The temporary folder's path (for verifying the files by reading them back before they go live). */
  readonly dir: string;
  /** Writes one file (a plain name, no sub-folders) into the folder being built; returns its size in bytes. */
  writeFile(name: string, data: Uint8Array | string): Promise<number>;
}

function plainName(name: string): string {
  if (name !== path.basename(name) || name === '.' || name === '..' || name === '') {
    throw new Error(`writeDirectoryAtomic: '${name}' is not a plain file name`);
  }
  return name;
}

/** Where each writer's files will live once swapped in (errors name that path, not the temporary one). */
const shownDirs = new WeakMap<DirectoryWriter, string>();

function directoryWriter(dir: string, shownDir: string): DirectoryWriter {
  const writer: DirectoryWriter = {
    dir,
    async writeFile(name, data) {
      plainName(name);
      await naming(path.join(shownDir, name), 'writing', () => writeAndSync(path.join(dir, name), data));
      return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    },
  };
  shownDirs.set(writer, shownDir);
  return writer;
}

/** A sub-folder of the folder being built (e.g. a run's `model/`), written and swapped in with it. */
export async function subfolderWriter(writer: DirectoryWriter, name: string): Promise<DirectoryWriter> {
  plainName(name);
  const dir = path.join(writer.dir, name);
  const shown = path.join(shownDirs.get(writer) ?? writer.dir, name);
  await naming(shown, 'creating', () => fs.mkdir(dir));
  return directoryWriter(dir, shown);
}

/**
 * Builds a folder with `build` and moves it to `target` in one step. If `build` (or anything after it) throws,
 * the temporary folder is deleted and `target` keeps its previous content (or stays absent).
 *
 * The swap is two renames (old → aside, new → target), done only once the new folder is complete and synced.
 * Between them `target` is missing for an instant; readers that go through `resolveSwapped` then read the
 * previous folder aside, and a swap killed right there is undone by the next write (`cleanStaleTemps`). If the
 * second rename fails the old folder is put back.
 */
export async function writeDirectoryAtomic<T>(target: string, build: (writer: DirectoryWriter) => Promise<T>): Promise<T> {
  const resolved = path.resolve(target);
  const parent = path.dirname(resolved);
  await makeDirs(parent);
  await cleanStaleTemps(parent);
  const tmp = tempName(resolved, 'tmp');
  await naming(resolved, 'creating', () => fs.mkdir(tmp));
  let result: T;
  try {
    const writer = directoryWriter(tmp, resolved);
    result = await build(writer);
    await naming(resolved, 'writing', async () => {
      for (const entry of await fs.readdir(tmp, { withFileTypes: true })) {
        if (entry.isDirectory()) await fsyncDir(path.join(tmp, entry.name));
      }
      await fsyncDir(tmp);
    });
    await naming(resolved, 'replacing', () => swapInto(tmp, resolved));
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await fsyncDir(parent);
  return result;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function swapInto(tmp: string, target: string): Promise<void> {
  if (!(await exists(target))) {
    await fs.rename(tmp, target);
    return;
  }
  const aside = tempName(target, 'old');
  await fs.rename(target, aside);
  try {
    await atomicTestHooks.betweenSwapRenames?.(target);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rename(aside, target);
    throw e;
  }
  await fs.rm(aside, { recursive: true, force: true });
}
