/**
 * The installer carries what the app opens at run time — computed, not listed by hand — and not much more.
 *
 * 1. Trace: test/packaging/trace/driver.mjs runs under `strace -f` and does in plain Node what the packaged
 *    app's processes do: imports every package the built main process imports (scanned from out/main), trains
 *    with each backend in out/main/trainWorker.js (fused kernel, onnxruntime, tfjs wasm, tfjs cpu) and runs model jobs in
 *    out/main/jobWorker.js (fold, export in every format — which reloads the ONNX file in onnxruntime — and
 *    sampling an ONNX model). Every file of this checkout it opens successfully is a run-time file.
 * 2. Pack: electron-builder assembles the Linux x64 app from electron-builder.yml (packApp.ts: placeholder
 *    Electron, no native rebuild, no fuses — all offline).
 * 3. Check: every run-time file is in app.asar or app.asar.unpacked, native code and .wasm as real files; only
 *    native code, .wasm and the worker entries are unpacked; the app's own files stay under 120 MB.
 *
 * Not traced here: the optional @tensorflow/tfjs-node(-gpu) (cannot be installed on this machine) and Electron's
 * own main-process start (no Electron binary); electron-builder.yml covers those by pattern.
 *
 * Needs the build (out/) and strace; runs under `npm test` / `npm run e2e` (LAB_E2E=1), ≈ 2 minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { packApp, REPO, type PackedApp } from './packApp.js';

const OUT_MAIN = path.join(REPO, 'out/main');
const DRIVER = path.join(REPO, 'test/packaging/trace/driver.mjs');
/** The Linux app's own files (everything but Electron): the goal. */
export const LINUX_APP_LIMIT_BYTES = 120e6;

const wanted = !!process.env.LAB_E2E;
const hasStrace = spawnSync('strace', ['-V']).status === 0;
if (wanted && !existsSync(path.join(OUT_MAIN, 'jobWorker.js'))) throw new Error(`LAB_E2E is set but ${OUT_MAIN}/jobWorker.js is not built`);

/** Bare package specifiers the built main-side code imports (static and dynamic), without Node built-ins and electron. */
export function importedPackages(dir: string): string[] {
  const found = new Set<string>();
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (p.endsWith('.js')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"'./][^"']*)["']/g)) found.add(m[1]);
      }
    }
  };
  visit(dir);
  const builtin = new Set(builtinModules);
  return [...found].filter((s) => s !== 'electron' && !s.startsWith('node:') && !builtin.has(s)).sort();
}

/** Files of this checkout that a traced process opened successfully (repo-relative, '/'-separated). */
export function openedRepoFiles(traceLog: string, repo: string): string[] {
  const files = new Set<string>();
  for (const line of traceLog.split('\n')) {
    const m = line.match(/\b(?:openat|open)\((?:AT_FDCWD, )?"([^"]+)".*\)\s*=\s*(\d+)/);
    if (!m) continue;
    const abs = path.resolve(m[1]);
    if (!abs.startsWith(repo + path.sep)) continue;
    const s = statSync(abs, { throwIfNoEntry: false });
    if (s?.isFile()) files.add(path.relative(repo, abs).split(path.sep).join('/'));
  }
  return [...files].sort();
}

const MUST_BE_REAL_FILE = /\.(node|so(\.\d+)*|dylib|dll|wasm)$/;

describe.skipIf(!wanted || !hasStrace)('packaging: run-time files and size (Linux x64)', () => {
  let tmp = '';
  let runtime: string[] = [];
  let app: PackedApp;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-pack-'));
    const repo = realpathSync(REPO);
    const words = path.join(tmp, 'words.txt');
    writeFileSync(words, ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'mia', 'amelia', 'harper', 'evelyn', 'ella', 'luna', 'nora'].join('\n') + '\n');
    const config = structuredClone(findPreset('bn3-fold')!.config);
    config.train.steps = 20;
    config.train.evalEvery = 20;
    config.train.inspectEvery = 20;
    config.train.learningRate.decays = [];
    const run = (backend: string) => path.join(tmp, `run-${backend}`);
    const exports = path.join(tmp, 'exports');
    mkdirSync(exports);
    const plan = {
      outMain: OUT_MAIN,
      specifiers: importedPackages(OUT_MAIN),
      trainings: ['fused', 'onnxruntime', 'wasm', 'cpu'].map((backend) => ({ runDir: run(backend), config, dataset: { kind: 'file', path: words }, backend })),
      jobs: [
        { kind: 'foldCompare', runDir: run('fused') },
        { kind: 'export', runDir: run('fused'), parentFolder: exports, fold: true },
        { kind: 'sample', model: { kind: 'file', path: path.join(exports, 'run-fused-folded', 'model.onnx') }, count: 2, seed: 1 },
      ],
    };
    writeFileSync(path.join(tmp, 'plan.json'), JSON.stringify(plan));
    const log = path.join(tmp, 'trace.log');
    const traced = spawnSync('strace', ['-f', '-qq', '-e', 'trace=open,openat', '-o', log, process.execPath, DRIVER, path.join(tmp, 'plan.json')], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (traced.status !== 0) throw new Error(`trace driver failed (${traced.status}): ${traced.stderr}`);
    runtime = openedRepoFiles(readFileSync(log, 'utf8'), repo).filter((f) => f !== 'test/packaging/trace/driver.mjs');
    app = await packApp({ platform: 'linux', arch: 'x64' }, path.join(tmp, 'pack'));
  }, 600_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the trace saw the files the issue names: the kernel, tfjs-backend-wasm and onnxruntime binaries', () => {
    expect(runtime).toContain('resources/kernel/mlp.wasm');
    expect(runtime.some((f) => /^node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/.*\.wasm$/.test(f))).toBe(true);
    expect(runtime).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    expect(runtime).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1');
    expect(runtime).toContain('out/main/trainWorker.js');
    expect(runtime.length).toBeGreaterThan(100);
  });

  it('packs every file the app opens at run time; native code and .wasm as real files', () => {
    const missing = runtime.filter((f) => !app.asar.has(f) && !app.unpacked.has(f));
    expect(missing).toEqual([]);
    const packedInsideAsar = runtime.filter((f) => MUST_BE_REAL_FILE.test(f) && !app.unpacked.has(f));
    expect(packedInsideAsar).toEqual([]);
  });

  it('unpacks only native code, .wasm and the worker entries (the rest is under the asar integrity check)', () => {
    const unexpected = [...app.unpacked.keys()].filter(
      (f) => !MUST_BE_REAL_FILE.test(f) && !/^out\/main\/(trainWorker\.js|jobWorker\.js|chunks\/[^/]+\.js)$/.test(f),
    );
    expect(unexpected).toEqual([]);
  });

  it('keeps the Linux app itself (app.asar + app.asar.unpacked, without Electron) under 120 MB', () => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const asarBytes = [...app.asar.values()].reduce((a, b) => a + b, 0);
    const unpackedBytes = [...app.unpacked.values()].reduce((a, b) => a + b, 0);
    console.log(`Linux x64 app: ${mb(app.appBytes)} MB (asar ${mb(asarBytes)} MB, unpacked ${mb(unpackedBytes)} MB), ${runtime.length} run-time files traced`);
    expect(app.appBytes).toBeLessThanOrEqual(LINUX_APP_LIMIT_BYTES);
    // Nothing but the build output and node_modules: no sources, docs or test files of the checkout.
    const stray = [...app.asar.keys(), ...app.unpacked.keys()].filter((f) => !/^(out\/|node_modules\/|package\.json$|resources\/kernel\/mlp\.wasm$)/.test(f));
    expect(stray).toEqual([]);
  });
});
