/**
 * `lab serve` downloads of exports, against a real server on a random loopback port: one file or a whole export
 * folder as a zip, behind the token, confined to the data folder's exports/ (no `..`, absolute paths, symlinks
 * out, folders, FIFOs), and the server keeps serving after every refusal and after a client that hangs up.
 * The zip is checked by Python's zipfile (CRC of every member) and `unzip -t`.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../electron/serve/index.js';
import { contentDisposition } from '../../electron/serve/download.js';

let server: RunningServer;
let tmp: string;
let exportDir: string;
const weights = randomBytes(300_000); // several 64 KiB chunks
const big = randomBytes(8 * 1024 * 1024);

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-download-'));
  const renderer = path.join(tmp, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(path.join(tmp, 'secret.txt'), 'not for you');
  const exportsDir = path.join(tmp, 'data', 'exports');
  exportDir = path.join(exportsDir, 'run1-folded');
  mkdirSync(path.join(exportDir, 'extra'), { recursive: true });
  writeFileSync(path.join(exportDir, 'model.json'), '{"format":"layers-model"}');
  writeFileSync(path.join(exportDir, 'model.safetensors'), weights);
  writeFileSync(path.join(exportDir, 'extra', 'notes.md'), '# ünïcode\n');
  writeFileSync(path.join(exportsDir, 'big.bin'), big);
  // Ways out of exports/: a file symlink and a folder symlink pointing outside, and a FIFO that would block a reader.
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(exportDir, 'leak.txt'));
  symlinkSync(tmp, path.join(exportsDir, 'outside'));
  execFileSync('/usr/bin/mkfifo', [path.join(exportsDir, 'pipe')]);
  server = await startServer({ port: 0, dataDir: path.join(tmp, 'data'), rendererDir: renderer, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(pathAndQuery: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('aborted', () => reject(new Error(`${pathAndQuery}: the server cut the answer short`)));
    });
    req.on('error', reject);
    req.end();
  });
}

const file = (p: string) => `/download?token=${server.token}&path=${encodeURIComponent(p)}`;
const zip = (folder: string) => `/download-zip?token=${server.token}&folder=${encodeURIComponent(folder)}`;

describe('serve: downloads of exports', () => {
  it('sends one exported file with its exact bytes, length, type and an attachment name', async () => {
    const a = await get(file('run1-folded/model.safetensors'));
    expect(a.status).toBe(200);
    expect(a.body.equals(weights)).toBe(true);
    expect(a.headers['content-length']).toBe(String(weights.length));
    expect(a.headers['content-type']).toBe('application/octet-stream');
    expect(a.headers['content-disposition']).toBe(`attachment; filename="model.safetensors"; filename*=UTF-8''model.safetensors`);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    const json = await get(file('run1-folded/model.json'));
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.body.toString()).toBe('{"format":"layers-model"}');
    const nested = await get(file('run1-folded/extra/notes.md'));
    expect(nested.body.toString()).toBe('# ünïcode\n');
    const head = await get(file('run1-folded/model.safetensors'), 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(weights.length));
    expect(head.body.length).toBe(0);
  });

  it('needs the token', async () => {
    expect((await get('/download?path=run1-folded/model.json')).status).toBe(401);
    expect((await get('/download?token=wrong&path=run1-folded/model.json')).status).toBe(401);
    expect((await get('/download-zip?folder=run1-folded')).status).toBe(401);
  });

  it('refuses every path that is not a regular file inside exports/, and keeps serving', async () => {
    const refused: [string, number][] = [
      [file('run1-folded/../../secret.txt'), 400],
      [file('../secret.txt'), 400],
      [`/download?token=${server.token}&path=..%2Fsecret.txt`, 400],
      [file('run1-folded/./model.json'), 400],
      [file('run1-folded//model.json'), 400],
      [file('run1-folded\\..\\..\\secret.txt'), 400],
      [file(path.join(tmp, 'secret.txt')), 400], // absolute
      [file('/etc/passwd'), 400],
      [file('C:/Windows/win.ini'), 400],
      [file('run1-folded/model.json\0'), 400],
      [`/download?token=${server.token}`, 400], // no path
      [file('run1-folded/leak.txt'), 404], // symlink to a file outside exports/
      [file('outside/secret.txt'), 404], // through a symlinked folder outside exports/
      [file('run1-folded'), 404], // a folder
      [file('run1-folded/extra'), 404],
      [file('pipe'), 404], // a FIFO: refused, not waited on
      [file('run1-folded/missing.onnx'), 404],
      [zip('..'), 400],
      [zip('outside'), 404],
      [zip('run1-folded/model.json'), 404],
      [zip('nope'), 404],
    ];
    for (const [target, status] of refused) {
      const a = await get(target);
      expect([target, a.status]).toEqual([target, status]);
      expect(a.body.toString()).not.toContain('not for you');
    }
    expect((await get(file('run1-folded/model.json'), 'POST')).status).toBe(405);
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });

  it('zips an export folder so that zipfile and unzip -t read back identical bytes', async () => {
    const a = await get(zip('run1-folded'));
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/zip');
    expect(a.headers['content-disposition']).toContain('filename="run1-folded.zip"');
    expect(a.headers['content-length']).toBe(String(a.body.length));
    const zipFile = path.join(tmp, 'got.zip');
    writeFileSync(zipFile, a.body);
    const py = [
      'import zipfile, sys, json, hashlib',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(json.dumps({i.filename: [i.compress_type, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()}))',
    ].join('\n');
    const members = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, zipFile], { encoding: 'utf8' }));
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    // The symlink leading out is not in the zip; the nested file is, with its UTF-8 content.
    expect(members).toEqual({
      'run1-folded/extra/notes.md': [0, sha(path.join(exportDir, 'extra', 'notes.md'))],
      'run1-folded/model.json': [0, sha(path.join(exportDir, 'model.json'))],
      'run1-folded/model.safetensors': [0, sha(path.join(exportDir, 'model.safetensors'))],
    });
    if (existsSync('/usr/bin/unzip')) expect(execFileSync('/usr/bin/unzip', ['-t', zipFile], { encoding: 'utf8' })).toMatch(/No errors detected/);
  });

  it('survives a client that hangs up in the middle of a download', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: file('big.bin') }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    const again = await get(file('big.bin'));
    expect(again.status).toBe(200);
    expect(again.body.equals(big)).toBe(true);
  });

  it('names the attachment safely whatever the file is called', () => {
    expect(contentDisposition('a"b\r\n.bin')).toBe(`attachment; filename="a_b__.bin"; filename*=UTF-8''a%22b%0D%0A.bin`);
    expect(contentDisposition('..')).toBe(`attachment; filename="_"; filename*=UTF-8''..`);
    expect(contentDisposition('modèle.onnx')).toMatch(/^attachment; filename="mod_le.onnx"; filename\*=UTF-8''mod%C3%A8le.onnx$/);
  });
});
