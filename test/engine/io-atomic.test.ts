import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  atomicTestHooks,
  cleanStaleTemps,
  makeDirs,
  resolveSwapped,
  STALE_TEMP_AGE_MS,
  writeDirectoryAtomic,
  writeFileAtomic,
  writeFileExclusive,
} from '../../electron/engine/io/atomic.js';
import { LabError } from '../../electron/engine/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'io-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  delete atomicTestHooks.beforeWrite;
  delete atomicTestHooks.betweenSwapRenames;
});

/** The pid of a process that has exited (so a temp name carrying it is a dead writer's). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** An ENOSPC error as Node's fs raises it. */
function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

function fresh(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('writeFileAtomic', () => {
  it('replaces a file in one step and leaves no temporary file', async () => {
    const dir = path.join(root, 'files');
    mkdirSync(dir);
    const file = path.join(dir, 'config.json');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, 'new content');
    expect(readFileSync(file, 'utf8')).toBe('new content');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
  it('fails without touching anything when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(root, 'nope', 'x.json'), 'x')).rejects.toThrow(`${path.join(root, 'nope', 'x.json')}: no such file or folder`);
    expect(existsSync(path.join(root, 'nope'))).toBe(false);
  });
});

describe('writeDirectoryAtomic', () => {
  it('creates, then replaces, a folder as a whole', async () => {
    const target = path.join(root, 'sub', 'model');
    const r = await writeDirectoryAtomic(target, async (w) => [await w.writeFile('a.txt', 'one'), await w.writeFile('b.bin', new Uint8Array(10))]);
    expect(r).toEqual([3, 10]);
    expect(readdirSync(target).sort()).toEqual(['a.txt', 'b.bin']);
    await writeDirectoryAtomic(target, async (w) => void (await w.writeFile('c.txt', 'two')));
    expect(readdirSync(target)).toEqual(['c.txt']); // old files do not linger in the new folder
    expect(readdirSync(path.dirname(target))).toEqual(['model']);
  });
  it('keeps the previous folder intact when the build throws half-way, and removes its temporary folder', async () => {
    const target = path.join(root, 'keep');
    await writeDirectoryAtomic(target, async (w) => void (await w.writeFile('a.txt', 'v1')));
    await expect(
      writeDirectoryAtomic(target, async (w) => {
        await w.writeFile('a.txt', 'v2');
        throw new Error('disk full (simulated)');
      }),
    ).rejects.toThrow('disk full (simulated)');
    expect(readFileSync(path.join(target, 'a.txt'), 'utf8')).toBe('v1');
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });
  it('only accepts plain file names', async () => {
    const target = path.join(root, 'names');
    for (const bad of ['../escape.txt', 'a/b.txt', '..', '']) {
      await expect(writeDirectoryAtomic(target, (w) => w.writeFile(bad, 'x'))).rejects.toThrow(/not a plain file name/);
    }
    expect(existsSync(path.join(root, 'escape.txt'))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });
});

describe('I/O errors name the final path in one line', () => {
  it('a full disk while writing a file: "disk full while writing <file>", the old content kept, no temp left', async () => {
    const dir = fresh('full-file');
    const file = path.join(dir, 'checkpoint.safetensors');
    writeFileSync(file, 'previous');
    atomicTestHooks.beforeWrite = () => {
      throw enospc();
    };
    const e = await writeFileAtomic(file, 'next').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe('IO');
    expect((e as LabError).message).toBe(`disk full while writing ${file}`);
    expect(readFileSync(file, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']);
  });
  it('a full disk while building a folder names the file inside the target, not the temporary folder', async () => {
    const dir = fresh('full-dir');
    const target = path.join(dir, 'export');
    atomicTestHooks.beforeWrite = (f) => {
      if (f.endsWith('b.bin')) throw enospc();
    };
    await expect(writeDirectoryAtomic(target, async (w) => void (await w.writeFile('a.txt', 'x'), await w.writeFile('b.bin', 'y')))).rejects.toThrow(
      `disk full while writing ${path.join(target, 'b.bin')}`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
  it('a folder under a regular file, and /proc/self (where Node\'s recursive mkdir spins forever), fail at once', async () => {
    const dir = fresh('mk');
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(makeDirs(path.join(dir, 'file', 'sub', 'deeper'))).rejects.toThrow(`${path.join(dir, 'file')} is a file, not a folder`);
    await makeDirs(path.join(dir, 'a', 'b', 'c'));
    expect(existsSync(path.join(dir, 'a', 'b', 'c'))).toBe(true);
    await makeDirs(path.join(dir, 'a', 'b', 'c')); // exists: fine
    if (existsSync('/proc/self')) {
      const t0 = Date.now();
      await expect(makeDirs('/proc/self/x/y')).rejects.toThrow('cannot create folder /proc/self/x: /proc/self does not accept new folders');
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });
});

describe('writeFileExclusive', () => {
  it('creates a complete file once; a second writer finds the name taken', async () => {
    const dir = fresh('excl');
    const file = path.join(dir, 'run.json');
    expect(await writeFileExclusive(file, 'first')).toBe(true);
    expect(await writeFileExclusive(file, 'second')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['run.json']);
  });
});

describe('stale temporaries of killed writers', () => {
  it('are removed on the next write to the folder — only the lab\'s names, only when stale', async () => {
    const dir = fresh('stale');
    const dead = deadPid();
    const live = process.ppid; // alive for the whole test
    const hour = STALE_TEMP_AGE_MS / 1000;
    const names = {
      deadFile: `.checkpoint.safetensors.tmp-${dead}-0123abcd`,
      deadDir: `.model.tmp-${dead}-89abcdef`,
      deadOld: `.model.old-${dead}-00112233`,
      liveFile: `.run.json.tmp-${live}-44556677`, // a concurrent writer right now
      ownFile: `.run.json.tmp-${process.pid}-8899aabb`, // this process's own write in flight
      liveButAncient: `.run.json.tmp-${live}-ccddeeff`, // pid reused by another process long after a crash
      userDotFile: '.model.tmp-mine', // not the lab's pattern
      userFile: 'notes.txt',
    };
    writeFileSync(path.join(dir, names.deadFile), 'torn');
    mkdirSync(path.join(dir, names.deadDir));
    writeFileSync(path.join(dir, names.deadDir, 'weights.bin'), 'half');
    mkdirSync(path.join(dir, 'model'));
    mkdirSync(path.join(dir, names.deadOld));
    for (const n of [names.liveFile, names.ownFile, names.liveButAncient, names.userDotFile, names.userFile]) writeFileSync(path.join(dir, n), 'x');
    const old = Date.now() / 1000 - 2 * hour;
    utimesSync(path.join(dir, names.liveButAncient), old, old);

    await writeFileAtomic(path.join(dir, 'checkpoint.safetensors'), 'new');

    expect(readdirSync(dir).sort()).toEqual(
      ['checkpoint.safetensors', 'model', names.liveFile, names.ownFile, names.userDotFile, names.userFile].sort(),
    );
  });
  it('a swap killed between its two renames: the previous folder is put back, the unconfirmed new one removed', async () => {
    const dir = fresh('stranded');
    const dead = deadPid();
    const aside = path.join(dir, `.export.old-${dead}-0badc0de`);
    const tmp = path.join(dir, `.export.tmp-${dead}-0badf00d`);
    mkdirSync(aside);
    writeFileSync(path.join(aside, 'model.onnx'), 'previous export');
    mkdirSync(tmp);
    writeFileSync(path.join(tmp, 'model.onnx'), 'new export');
    // Readers see the previous export meanwhile.
    expect(await resolveSwapped(path.join(dir, 'export', 'model.onnx'))).toBe(path.join(aside, 'model.onnx'));
    expect(await cleanStaleTemps(dir)).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['export']);
    expect(readFileSync(path.join(dir, 'export', 'model.onnx'), 'utf8')).toBe('previous export');
  });
  it('a folder swap never shows a missing target to readers that resolve it (delayed second rename)', async () => {
    const dir = fresh('window');
    const target = path.join(dir, 'export');
    await writeDirectoryAtomic(target, (w) => w.writeFile('model.onnx', 'v1'));
    let seenDuringSwap: { exists: boolean; resolved: string; content: string } | null = null;
    atomicTestHooks.betweenSwapRenames = async () => {
      await new Promise((r) => setTimeout(r, 200));
      const resolved = await resolveSwapped(path.join(target, 'model.onnx'));
      seenDuringSwap = { exists: existsSync(target), resolved, content: readFileSync(resolved, 'utf8') };
    };
    await writeDirectoryAtomic(target, (w) => w.writeFile('model.onnx', 'v2'));
    expect(seenDuringSwap).not.toBeNull();
    expect(seenDuringSwap!.exists).toBe(false); // the window exists on disk…
    expect(seenDuringSwap!.resolved).not.toBe(path.join(target, 'model.onnx'));
    expect(seenDuringSwap!.content).toBe('v1'); // …but a resolving reader reads the complete previous version
    expect(readFileSync(path.join(target, 'model.onnx'), 'utf8')).toBe('v2');
    expect(readdirSync(dir)).toEqual(['export']);
  });
});
