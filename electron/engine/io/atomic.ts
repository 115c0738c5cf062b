/**
 * Crash-safe writes. A reader (the lab, another runtime, the user) must only ever see the previous complete
 * file/folder or the new complete one — never a half-written model.
 *
 * Files: write a temporary sibling, fsync it, rename over the target (atomic on POSIX within one filesystem),
 * then fsync the directory so the rename itself survives a power cut.
 * Folders: build the whole new folder as a temporary sibling, fsync everything, then swap it into place; on any
 * failure the temporary folder is removed and the previous folder is left exactly as it was.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

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

/** Writes bytes to a new file and fsyncs it (the file must not be visible to readers yet). */
async function writeAndSync(file: string, data: Uint8Array | string): Promise<void> {
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
  const tmp = tempName(file, 'tmp');
  try {
    await writeAndSync(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/** What a directory writer gets: a way to add files to the folder being built. */
export interface DirectoryWriter {
  /** The temporary folder's path (for verifying the files by reading them back before they go live). */
  readonly dir: string;
  /** Writes one file (a plain name, no sub-folders) into the folder being built; returns its size in bytes. */
  writeFile(name: string, data: Uint8Array | string): Promise<number>;
}

/**
 * Builds a folder with `build` and moves it to `target` in one step. If `build` (or anything after it) throws,
 * the temporary folder is deleted and `target` keeps its previous content (or stays absent).
 *
 * The swap is two renames (old → aside, new → target); there is a moment where `target` is missing, but never
 * one where it holds a mix of old and new files. If the second rename fails the old folder is put back.
 */
export async function writeDirectoryAtomic<T>(target: string, build: (writer: DirectoryWriter) => Promise<T>): Promise<T> {
  const resolved = path.resolve(target);
  const parent = path.dirname(resolved);
  await fs.mkdir(parent, { recursive: true });
  const tmp = tempName(resolved, 'tmp');
  await fs.mkdir(tmp);
  let result: T;
  try {
    const writer: DirectoryWriter = {
      dir: tmp,
      async writeFile(name, data) {
        if (name !== path.basename(name) || name === '.' || name === '..' || name === '') {
          throw new Error(`writeDirectoryAtomic: '${name}' is not a plain file name`);
        }
        await writeAndSync(path.join(tmp, name), data);
        return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      },
    };
    result = await build(writer);
    await fsyncDir(tmp);
    await swapInto(tmp, resolved);
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
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rename(aside, target);
    throw e;
  }
  await fs.rm(aside, { recursive: true, force: true });
}
