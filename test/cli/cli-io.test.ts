/**
 * The CLI against the file system as it really is: folders that are not the lab's, a full disk (a real tmpfs
 * where this machine lets us mount one), permission denied (as an unprivileged user — as root, through
 * `runuser -u nobody`), paths that cannot be created, and `serve` on a port in use or an impossible host.
 * Each must end with exit 2 and one line naming the path and the reason, and leave no user file changed and
 * no half-written folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

const IS_ROOT = process.getuid?.() === 0;

function lab(args: string[], options: { as?: 'nobody'; timeout?: number } = {}) {
  const node = [process.execPath, '--import', 'tsx', 'electron/cli/main.ts', ...args];
  const [cmd, ...rest] = options.as ? ['runuser', '-u', options.as, '--', ...node] : node;
  const t0 = Date.now();
  const r = spawnSync(cmd, rest, { cwd: REPO_ROOT, encoding: 'utf8', timeout: options.timeout ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** The refusal: exit 2, the last stderr line is `lab <command>: <message>`, no stack trace. */
function expectRefusal(r: ReturnType<typeof lab>, command: string, message: string | RegExp) {
  expect(r.code, r.stderr).toBe(2);
  const last = r.stderr.trimEnd().split('\n').pop()!;
  if (typeof message === 'string') expect(last).toBe(`lab ${command}: ${message}`);
  else expect(last).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

function tryMountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

const dir = tempDir();
chmodSync(dir, 0o755); // readable by the unprivileged user of the permission tests
const words = smallWordsFile(dir);
const bnRun = path.join(dir, 'bn');
const mounts: string[] = [];

beforeAll(() => {
  const r = lab(['train', '--preset', 'bn3-fold', '--data', words, '--steps', '100', '--no-inspect', '--out', bnRun]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

describe('--out never deletes or overwrites what is not the lab\'s', () => {
  it('fold --out into a folder with a user\'s file: exit 2, thesis.tex intact, nothing written', () => {
    const v = path.join(dir, 'V');
    mkdirSync(path.join(v, 'model'), { recursive: true });
    writeFileSync(path.join(v, 'model', 'thesis.tex'), 'my thesis');
    const r = lab(['fold', '--run', bnRun, '--out', v]);
    expectRefusal(r, 'fold', `${v} is not a folded-model folder written by the lab (it holds model/thesis.tex); choose a new or empty folder`);
    expect(readFileSync(path.join(v, 'model', 'thesis.tex'), 'utf8')).toBe('my thesis');
    expect(readdirSync(v)).toEqual(['model']);
    expect(readdirSync(path.join(v, 'model'))).toEqual(['thesis.tex']);
  });
  it('fold --out into a run folder is refused; into its own previous output it replaces it whole', () => {
    expectRefusal(lab(['fold', '--run', bnRun, '--out', bnRun]), 'fold', new RegExp(`is not a folded-model folder written by the lab`));
    expect(existsSync(path.join(bnRun, 'metrics.jsonl'))).toBe(true);
    const out = path.join(dir, 'folded');
    expect(lab(['fold', '--run', bnRun, '--out', out]).code).toBe(0);
    const first = statSync(path.join(out, 'checkpoint.safetensors')).ino;
    const again = lab(['fold', '--run', bnRun, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(statSync(path.join(out, 'checkpoint.safetensors')).ino).not.toBe(first); // a new complete folder
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'fold-report.json', 'model']);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
  it('train --out into an existing run folder: exit 2 naming it; its metrics are not appended to', () => {
    const metrics = readFileSync(path.join(bnRun, 'metrics.jsonl'));
    const id = JSON.parse(readFileSync(path.join(bnRun, 'run.json'), 'utf8')).id;
    const r = lab(['train', '--preset', 'bn3-fold', '--data', words, '--steps', '50', '--out', bnRun]);
    expectRefusal(r, 'train', `${bnRun} is already a run folder (run ${id}); choose a new folder for this run`);
    expect(readFileSync(path.join(bnRun, 'metrics.jsonl')).equals(metrics)).toBe(true);
  });
});

describe('paths that cannot be written', () => {
  it('train --out /proc/self/x exits 2 at once (Node\'s recursive mkdir would spin at 100% CPU)', () => {
    const r = lab(['train', '--preset', 'zero-init', '--data', words, '--steps', '10', '--out', '/proc/self/x'], { timeout: 60_000 });
    expectRefusal(r, 'train', 'cannot create folder /proc/self/x: /proc/self does not accept new folders');
    expect(r.ms).toBeLessThan(30_000);
  });
  it('--out under a regular file: exit 2 naming the file in the way', () => {
    const file = path.join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expectRefusal(lab(['train', '--preset', 'zero-init', '--data', words, '--steps', '10', '--out', path.join(file, 'run')]), 'train', `${path.join(file, 'run')}: a part of this path is a file, not a folder`);
    expectRefusal(lab(['export', '--run', bnRun, '--format', 'onnx', '--out', path.join(file, 'e', 'x')]), 'export', `${path.join(file, 'e', 'x')}: a part of this path is a file, not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
  it('permission denied: exit 2, "permission denied while creating <path>" (as an unprivileged user)', () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    if (IS_ROOT) chmodSync(locked, 0o755); // root's folder: nobody may not write in it
    else chmodSync(locked, 0o555);
    const as = IS_ROOT ? ('nobody' as const) : undefined;
    const t = lab(['train', '--preset', 'zero-init', '--data', words, '--steps', '10', '--out', path.join(locked, 'run')], { as });
    expectRefusal(t, 'train', `permission denied while creating ${path.join(locked, 'run')}`);
    const e = lab(['export', '--run', bnRun, '--format', 'safetensors', '--out', path.join(locked, 'E')], { as });
    expectRefusal(e, 'export', `permission denied while creating ${path.join(locked, 'E')}`);
    expect(readdirSync(locked)).toEqual([]);
  });
});

describe.runIf(IS_ROOT)('a full disk (a real tmpfs)', () => {
  const mountable = IS_ROOT && tryMountTmpfs(path.join(dir, 'probe'), '64k');
  if (mountable) mounts.push(path.join(dir, 'probe'));

  it.runIf(mountable)('train: exit 2 "disk full while writing …", run.json failed with that reason, no torn metrics line', () => {
    const disk = path.join(dir, 'disk-train');
    expect(tryMountTmpfs(disk, '256k')).toBe(true);
    mounts.push(disk);
    const runDir = path.join(disk, 'run');
    const r = lab(['train', '--preset', 'zero-init', '--data', words, '--steps', '10000000', '--no-inspect', '--out', runDir]);
    expectRefusal(r, 'train', new RegExp(`^lab train: disk full while writing ${runDir}/`));
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    expect(record.status).toBe('failed');
    expect(record.error.message).toMatch(/^disk full while writing /);
    const text = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(readdirSync(runDir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
  it.runIf(mountable)('fold and export: exit 2, and the full disk holds no half-written folder or temp', () => {
    const disk = path.join(dir, 'disk-models');
    expect(tryMountTmpfs(disk, '48k')).toBe(true); // smaller than a bn3 checkpoint (~66 kB)
    mounts.push(disk);
    const fold = lab(['fold', '--run', bnRun, '--out', path.join(disk, 'folded')]);
    expectRefusal(fold, 'fold', `disk full while writing ${path.join(disk, 'folded', 'checkpoint.safetensors')}`);
    expect(readdirSync(disk)).toEqual([]);
    const exp = lab(['export', '--run', bnRun, '--format', 'all', '--out', path.join(disk, 'E')]);
    expectRefusal(exp, 'export', new RegExp(`^lab export: disk full while writing ${path.join(disk, 'E')}/`));
    expect(readdirSync(disk)).toEqual([]);
  });
});

describe('serve', () => {
  it('--host 256.1.1.1: exit 2, one line', () => {
    expectRefusal(lab(['serve', '--host', '256.1.1.1']), 'serve', "serve: --host '256.1.1.1' is not an IP address or host name");
  });
  it.runIf(existsSync(path.join(REPO_ROOT, 'out/renderer/index.html')))('--port already in use: exit 2, one line naming host:port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = lab(['serve', '--port', String(port), '--data-dir', path.join(dir, 'serve-data')], { timeout: 60_000 });
      expectRefusal(r, 'serve', `serve: 127.0.0.1:${port} is already in use; choose another --port (0 picks a free one)`);
    } finally {
      blocker.close();
    }
  });
});
