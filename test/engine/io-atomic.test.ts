import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeDirectoryAtomic, writeFileAtomic } from '../../electron/engine/io/atomic.js';

const root = mkdtempSync(path.join(tmpdir(), 'io-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

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
    await expect(writeFileAtomic(path.join(root, 'nope', 'x.json'), 'x')).rejects.toThrow(/ENOENT/);
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
