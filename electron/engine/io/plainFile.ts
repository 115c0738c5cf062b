/**
 * Reading a small file the lab keeps (run.json, label.json, presets.json) without hanging on what may stand in
 * its place: a FIFO (opening one for reading waits for a writer for ever, holding one of Node's four file-system
 * threads meanwhile) or a device such as /dev/zero (reading never ends). The file is opened non-blocking and
 * checked before anything is read.
 */
import { constants, promises as fs } from 'node:fs';

/** Thrown for a path that exists but is not a regular file. */
export class NotPlainFileError extends Error {
  constructor(
    readonly file: string,
    /** What stands there, in words: "a folder, not a file" or "not a plain file". */
    readonly what: string,
  ) {
    super(`${file}: ${what}`);
  }
}

/** The text of a regular file; NotPlainFileError for a folder, FIFO, device or socket; Node's errors otherwise. */
export async function readPlainFile(file: string): Promise<string> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotPlainFileError(file, stat.isDirectory() ? 'a folder, not a file' : 'not a plain file');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
