/**
 * Where a words file is validated and how an upload reaches the disk: large files (dropped, opened or uploaded)
 * are parsed in a model-job process, not in the process that serves the UI, and their errors come back with the
 * same file name and line; small ones stay in place. An upload is streamed to a file, stops reading as soon as it
 * passes the limit, and leaves nothing behind when it is refused.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry, INLINE_VALIDATION_MAX_BYTES, UploadTooLargeError, uploadLabel } from '../../electron/app/datasets.js';
import { createLabService } from '../../electron/app/service.js';
import { MAX_FILE_BYTES } from '../../electron/engine/data/index.js';
import { forkWorker } from '../../electron/engine/worker/client.js';
import type { ModelJob } from '../../electron/engine/worker/protocol.js';

let tmp: string;
/** A words file just over the in-place limit: 2 letters + newline per line. */
let large: Buffer;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-datasets-'));
  // 9 bytes a line (8 letters + newline).
  const lines = Array.from({ length: Math.ceil(INLINE_VALIDATION_MAX_BYTES / 9) + 100 }, (_, i) =>
    String.fromCharCode(97 + (i % 26), 97 + ((i * 7) % 26)).repeat(4),
  );
  large = Buffer.from(lines.join('\n') + '\n');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A service over real job processes that records which jobs it was asked to run. */
function service(dataDir: string) {
  const jobs: ModelJob[] = [];
  const lab = createLabService({
    mode: 'electron',
    version: 'test',
    dataDir,
    // Real worker processes; each model job's request is recorded as it is sent.
    spawnWorker: (kind) => {
      const worker = forkWorker(kind);
      const send = worker.send.bind(worker);
      worker.send = (message) => {
        if (kind === 'job' && message.type === 'start') jobs.push(message.request as ModelJob);
        send(message);
      };
      return worker;
    },
    broadcast: () => {},
  });
  return { lab, jobs };
}

describe('validation off the main thread', () => {
  it('a large file is parsed in a job process; a small one in place; both give the same summary fields', async () => {
    const { lab, jobs } = service(path.join(tmp, 'a'));
    const bigPath = path.join(tmp, 'big.txt');
    writeFileSync(bigPath, large);
    const big = await lab.handlers['dataset.loadFromPath']({ path: bigPath });
    expect(jobs).toEqual([{ kind: 'dataset', path: bigPath }]);
    expect(big.wordCount).toBe(large.toString().trim().split('\n').length);
    expect(big.sha256).toBe(createHash('sha256').update(large).digest('hex'));
    expect(big.preview).toEqual(['aaaaaaaa', 'bhbhbhbh', 'cocococo', 'dvdvdvdv', 'ecececec', 'fjfjfjfj', 'gqgqgqgq', 'hxhxhxhx']);

    const smallPath = path.join(tmp, 'small.txt');
    writeFileSync(smallPath, 'emma\nava\nmia\nzoe\nli\nbo\n'); // 6 words: the fewest the 80/10/10 split takes
    const small = await lab.handlers['dataset.loadFromPath']({ path: smallPath });
    expect(jobs).toHaveLength(1);
    expect(small).toMatchObject({ wordCount: 6, name: 'small.txt', source: 'file', path: smallPath });
  });

  it('an error found in the job process keeps the upload\'s name and the line', async () => {
    const { lab, jobs } = service(path.join(tmp, 'b'));
    const lines = large.toString().split('\n');
    lines[70_000] = 'mr.smith';
    const bad = Buffer.from(lines.join('\n'));
    const error = await lab.uploadDataset('names\nfile.txt', [bad], bad.length).catch((e: unknown) => e);
    expect(jobs.map((j) => j.kind)).toEqual(['dataset']);
    expect(error).toMatchObject({ code: 'DATASET', details: { line: 70_001, file: 'names?file.txt' } });
    expect((error as Error).message).toMatch(/^names\?file\.txt, line 70001: the word "mr\.smith" contains "\."/);
    expect(readdirSync(path.join(tmp, 'b', 'uploads'))).toEqual([]);
  });
});

describe('streamed uploads', () => {
  it('writes the chunks to <sha256>.txt and registers the dataset for runs', async () => {
    const dir = path.join(tmp, 'c');
    const registry = new DatasetRegistry(dir, () => Promise.reject(new Error('not needed for a small file')));
    async function* chunks() {
      yield Buffer.from('em');
      yield Buffer.from('ma\nav');
      yield Buffer.from('a\nmia\nzoe\nli\nbo\n');
    }
    const summary = await registry.uploadStream('w.txt', chunks());
    const sha = createHash('sha256').update('emma\nava\nmia\nzoe\nli\nbo\n').digest('hex');
    expect(summary).toMatchObject({ wordCount: 6, sha256: sha, bytes: 23, path: path.join(dir, `${sha}.txt`) });
    expect(readdirSync(dir)).toEqual([`${sha}.txt`]);
    expect(registry.forRun(summary.id).ref).toEqual({ kind: 'file', path: path.join(dir, `${sha}.txt`), name: 'w.txt' }); // the name a run records
  });

  it('stops reading as soon as the limit is passed and leaves no file', async () => {
    const dir = path.join(tmp, 'd');
    const registry = new DatasetRegistry(dir, () => Promise.reject(new Error('never validated')));
    const chunk = Buffer.alloc(8 * 1024 * 1024, 'emma\n');
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const error = await registry.uploadStream('endless.txt', endless()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadTooLargeError);
    expect((error as Error).message).toBe('endless.txt: file is over the 100 MB limit for a words file');
    expect(produced).toBeLessThanOrEqual(MAX_FILE_BYTES + chunk.length);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a declared size over the limit without reading anything', async () => {
    const registry = new DatasetRegistry(path.join(tmp, 'e'), () => Promise.reject(new Error('never validated')));
    let read = false;
    async function* body() {
      read = true;
      yield Buffer.from('emma\n');
    }
    await expect(registry.uploadStream('big.txt', body(), MAX_FILE_BYTES + 1)).rejects.toBeInstanceOf(UploadTooLargeError);
    expect(read).toBe(false);
  });

  it('shows an upload under a one-line base name', () => {
    expect(uploadLabel('C:\\Users\\me\\names.txt')).toBe('names.txt');
    expect(uploadLabel('../../etc/passwd')).toBe('passwd');
    expect(uploadLabel('a\u001b[31mb\r\nc.txt')).toBe('a?[31mb??c.txt');
    expect(uploadLabel('..')).toBe('upload');
    expect(uploadLabel('x'.repeat(1000))).toHaveLength(255);
  });
});
