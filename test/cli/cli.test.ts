/** The `lab` command line end to end, as a user runs it (a real process), on a small words file. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../electron/engine/compute/select.js';
import { loadLayersModelFromDir } from '../../electron/engine/io/layers.js';
import { loadRunDataset, openRun } from '../../electron/engine/run/openRun.js';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** With --json the last line of stdout is one JSON object. */
function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('lab CLI', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);
  const zeroRun = path.join(dir, 'zero');
  const bnRun = path.join(dir, 'bn');
  let zero: any;

  beforeAll(() => {
    const r = lab('train', '--preset', 'zero-init', '--data', words, '--steps', '300', '--out', zeroRun, '--json');
    expect(r.code, r.stderr).toBe(0);
    zero = lastJson(r.stdout);
  });

  it('lists every preset', () => {
    const r = lab('presets');
    expect(r.code).toBe(0);
    for (const id of ['zero-init', 'bn3-fold', 'naive-init', 'fix-softmax', 'fix-tanh', 'kaiming', 'batchnorm', 'deep-bn', 'deep-tanh-gain']) {
      expect(r.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    }
    expect(r.stdout).toMatch(/zero-init\s+11897 params/);
    expect(r.stdout).toMatch(/bn3-fold\s+16424 params/);
  });

  it('trains zero-init: only b2 changes, and the run folder holds everything', () => {
    expect(zero.preset).toBe('zero-init');
    expect(zero.steps).toBe(300);
    expect(zero.stepsPerSecond).toBeGreaterThan(0);
    const total = zero.examples.train + zero.examples.val + zero.examples.test;
    expect(total).toBeGreaterThan(1000);
    expect(zero.params.map((p: any) => [p.name, p.changed])).toEqual([
      ['C', false],
      ['W1', false],
      ['b1', false],
      ['W2', false],
      ['b2', true],
    ]);
    // b2 alone starts at ln(vocab) and can only fall towards the unigram entropy.
    expect(zero.loss.train).toBeLessThan(Math.log(17));
    for (const f of ['run.json', 'metrics.jsonl', 'snapshots.jsonl', 'checkpoint.safetensors', 'model/model.json', 'model/weights.bin', 'model/lab-model.json']) {
      expect(existsSync(path.join(zeroRun, f)), f).toBe(true);
    }
    const record = JSON.parse(readFileSync(path.join(zeroRun, 'run.json'), 'utf8'));
    expect(record.status).toBe('completed');
    expect(record.result.loss).toEqual(zero.loss);
  });

  it('evaluates a saved run to the same losses', () => {
    const r = lab('eval', '--run', zeroRun, '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = lastJson(r.stdout);
    for (const s of ['train', 'val', 'test']) expect(e.loss[s]).toBeCloseTo(zero.loss[s], 5);
  });

  it('samples the same words for the same seed', () => {
    const a = lastJson(lab('sample', '--run', zeroRun, '--count', '5', '--seed', '7', '--json').stdout);
    const b = lastJson(lab('sample', '--run', zeroRun, '--count', '5', '--seed', '7', '--json').stdout);
    expect(a.words).toHaveLength(5);
    expect(a.words).toEqual(b.words);
  });

  it('folds a BatchNorm run without changing its logits or losses', () => {
    const t = lab('train', '--preset', 'bn3-fold', '--data', words, '--steps', '200', '--out', bnRun, '--json');
    expect(t.code, t.stderr).toBe(0);
    const r = lab('fold', '--run', bnRun, '--json');
    expect(r.code, r.stderr).toBe(0);
    const f = lastJson(r.stdout);
    for (const s of ['train', 'val', 'test']) {
      expect(f.maxAbsLogitDiff[s]).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(f.loss.before[s] - f.loss.after[s])).toBeLessThanOrEqual(1e-5);
    }
    expect(f.folds).toHaveLength(3);
    expect(f.verdict.pass).toBe(true);
    expect(f.verdict.tolerance).toBeGreaterThanOrEqual(1e-5);
    expect(existsSync(path.join(f.out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(path.join(f.out, 'checkpoint.safetensors'))).toBe(true);
  });

  it('exports the folded model in every format, verified, and reads each back with eval/sample --model', () => {
    const out = path.join(dir, 'export');
    const r = lab('export', '--run', bnRun, '--fold', '--format', 'all', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = lastJson(r.stdout);
    expect(e.folded).toBe(true);
    expect(e.files.map((f: any) => path.basename(f.path)).sort()).toEqual(['README.md', 'lab-model.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin']);
    for (const f of e.files) expect(f.bytes).toBeGreaterThan(0);
    for (const format of ['tfjs', 'onnx', 'safetensors']) expect(e.verification.formats[format].maxAbsLogitDiff).toBeLessThanOrEqual(1e-5);
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toContain('Folded: every BatchNorm was folded');

    const runEval = lastJson(lab('eval', '--run', bnRun, '--json').stdout);
    const cmp = lab('eval', '--model', path.join(out, 'model.onnx'), '--data', words, '--compare', path.join(out, 'model.json'), '--json');
    expect(cmp.code, cmp.stderr).toBe(0);
    const c = lastJson(cmp.stdout);
    for (const s of ['train', 'val', 'test']) {
      expect(c.maxAbsLogitDiff[s]).toBe(0); // the same weights read by two different readers
      expect(Math.abs(c.loss.before[s] - runEval.loss[s])).toBeLessThanOrEqual(1e-5); // folded ≡ unfolded
    }
    const sampled = lastJson(lab('sample', '--model', path.join(out, 'model.safetensors'), '--count', '3', '--json').stdout);
    expect(sampled.words).toHaveLength(3);
  });

  it("saves a TF.js Layers model whose predict on int32 contexts gives the engine's logits", async () => {
    for (const dir of [zeroRun, bnRun]) {
      const run = await openRun(dir);
      const dataset = await loadRunDataset(run.record);
      const n = Math.min(500, dataset.train.n);
      const x = dataset.train.x.subarray(0, n * run.state.config.blockSize);
      const backend = await createBackend(run.state, 'auto');
      const engine = backend.logits(x, n).slice();
      backend.dispose();
      const model = await loadLayersModelFromDir(path.join(dir, 'model'));
      const out = model.predict(tf.tensor2d(x, [n, run.state.config.blockSize], 'int32')) as tf.Tensor;
      const layers = out.dataSync();
      expect(out.shape).toEqual([n, run.vocab.length]);
      let max = 0;
      for (let i = 0; i < engine.length; i++) max = Math.max(max, Math.abs(engine[i] - layers[i]));
      expect(max).toBeLessThanOrEqual(1e-5);
      out.dispose();
      model.dispose();
    }
  });

  it('refuses bad arguments and bad files with one line and exit code 2, writing nothing', () => {
    const out = path.join(dir, 'never');
    const cases = [
      lab('train', '--preset', 'nope', '--out', out),
      lab('train', '--out', out),
      lab('train', '--preset', 'zero-init', '--steps', 'ten', '--out', out),
      lab('train', '--preset', 'zero-init', '--bogus', '--out', out),
      lab('train', '--preset', 'zero-init', '--data', path.join(dir, 'missing.txt'), '--out', out),
      lab('train', '--preset', 'zero-init', '--backend', 'quantum', '--out', out),
      lab('fold', '--run', zeroRun),
      lab('eval', '--run', path.join(dir, 'no-such-run')),
      lab('export', '--run', zeroRun, '--format', 'pdf', '--out', out),
      lab('export', '--run', zeroRun, '--fold', '--format', 'all', '--out', out),
      lab('eval', '--model', path.join(dir, 'words.txt')),
      lab('frobnicate'),
    ];
    for (const r of cases) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^lab/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(cases[4].stderr).toContain('missing.txt');
    expect(existsSync(out)).toBe(false);
  });

  it('prints help for every command', () => {
    for (const c of ['presets', 'train', 'fold', 'eval', 'sample', 'export', 'bench', 'serve']) {
      const r = lab(c, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: npm run -s lab -- ${c}`);
    }
  });
});
