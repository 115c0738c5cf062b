/** `lab sweep` end to end in real processes: the grid, --parallel independence, Ctrl+C, refusals. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepCommand } from '../../electron/cli/commands/sweep.js';
import { ratioHistory, recentUpdateRatios } from '../../electron/engine/inspect/updateRatio.js';
import { openRun } from '../../electron/engine/run/openRun.js';
import { readStoredRun } from '../../electron/engine/run/runFolder.js';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

const LAB = ['--import', 'tsx', 'electron/cli/main.ts'];

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, [...LAB, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** A small network so each run is quick; the sweep machinery is what is under test. */
const SMALL = ['--preset', 'kaiming', '--set', 'model.hidden.0.size=32', '--seed', '7'];

describe('lab sweep', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir, 300);

  it('a 4-run grid gives identical results with --parallel 1 and --parallel 2; each point is an ordinary run folder', { timeout: 900_000 }, async () => {
    const grid = ['--vary', 'train.learningRate.initial=0.1,0.05', '--vary', 'train.batchSize=16,32', '--steps', '200', '--data', words, '--json'];
    const one = lab('sweep', ...SMALL, ...grid, '--parallel', '1', '--out', path.join(dir, 'p1'));
    expect(one.code, one.stderr).toBe(0);
    const two = lab('sweep', ...SMALL, ...grid, '--parallel', '2', '--out', path.join(dir, 'p2'));
    expect(two.code, two.stderr).toBe(0);
    const a = lastJson(one.stdout);
    const b = lastJson(two.stdout);
    expect(a.preset).toBe('kaiming');
    expect([a.parallel, b.parallel]).toEqual([1, 2]);
    expect(a.wallSeconds).toBeGreaterThan(0);
    expect(a.runs.map((r: any) => r.values)).toEqual([
      { 'train.learningRate.initial': 0.1, 'train.batchSize': 16 },
      { 'train.learningRate.initial': 0.1, 'train.batchSize': 32 },
      { 'train.learningRate.initial': 0.05, 'train.batchSize': 16 },
      { 'train.learningRate.initial': 0.05, 'train.batchSize': 32 },
    ]);
    expect(a.runs.map((r: any) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Same seed, same configuration → bit-identical losses, however many processes ran side by side.
    expect(b.runs.map((r: any) => r.loss)).toEqual(a.runs.map((r: any) => r.loss));
    expect(new Set(a.runs.map((r: any) => r.loss.val)).size).toBe(4);
    for (const r of a.runs) expect(r.stepsPerSecond).toBeGreaterThan(0);

    // Every point is a run folder with its own configuration, reopened like any run.
    for (const r of a.runs) {
      const record = readJson(path.join(r.out, 'run.json'));
      expect(record.status).toBe('completed');
      expect(record.config.train.learningRate.initial).toBe(r.values['train.learningRate.initial']);
      expect(record.config.train.batchSize).toBe(r.values['train.batchSize']);
      expect(record.config.model.hidden[0].size).toBe(32);
      expect(record.result.loss).toEqual(r.loss);
    }
    // Each run's per-layer summary: its final snapshot's tanh saturation % and std, and W1's mean update:data
    // over the last 100 steps, as the Inspect view reads them from the folder.
    for (const r of a.runs) {
      const stored = await readStoredRun(r.out);
      const final = stored.snapshots[stored.snapshots.length - 1];
      expect(final.step).toBe(199);
      const w1 = recentUpdateRatios(ratioHistory(stored.ratios!), final.step).get('W1')!;
      expect(r.layers).toHaveLength(1);
      expect(r.layers[0].saturation).toBe(final.activations[0].saturatedPct);
      expect(r.layers[0].std).toBe(final.activations[0].std);
      expect(r.layers[0].updateRatioLog10).toBeCloseTo(w1, 12);
      expect(r.layers[0].updateRatioLog10).toBeLessThan(-1);
    }
    const opened = await openRun(a.runs[3].out);
    expect(opened.record.result!.steps).toBe(200);

    // sweep.json holds the definition and each run's outcome.
    const sweep = readJson(path.join(dir, 'p1', 'sweep.json'));
    expect(sweep.format).toBe('makemore-lab-sweep');
    expect(sweep.status).toBe('completed');
    expect(sweep.vary).toEqual([
      { path: 'train.learningRate.initial', values: [0.1, 0.05] },
      { path: 'train.batchSize', values: [16, 32] },
    ]);
    expect(sweep.sets).toEqual([{ path: 'model.hidden.0.size', value: 32 }]);
    expect(sweep.base.train.steps).toBe(200);
    expect(sweep.runs.map((r: any) => path.join(dir, 'p1', r.name))).toEqual(a.runs.map((r: any) => r.out));
    // Progress on a non-terminal: one line per finished run.
    expect(one.stderr.match(/^\[\d\/4\] \S+ completed {2}train /gm)).toHaveLength(4);
  });

  it('Ctrl+C stops cleanly: finished runs kept, the running one saved as stopped, the rest never started', { timeout: 900_000 }, async () => {
    const out = path.join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [...LAB, 'sweep', ...SMALL, '--vary', 'train.steps=100,50000000', '--vary', 'train.learningRate.initial=0.1,0.05', '--data', words, '--parallel', '1', '--out', out, '--json'],
      // Its own process group, so the signal reaches the CLI and its training processes as a terminal's Ctrl+C does.
      { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the third run (50M steps) is actually training: its metrics are being appended.
    const third = () => {
      try {
        const s = readJson(path.join(out, 'sweep.json'));
        return s.runs[2].status === 'running' && readFileSync(path.join(out, s.runs[2].name, 'metrics.jsonl'), 'utf8').length > 0;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 600_000;
    while (!third() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(third(), stderr).toBe(true);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(0);
    const result = lastJson(stdout);
    expect(result.status).toBe('stopped');
    expect(result.runs.map((r: any) => r.status)).toEqual(['completed', 'completed', 'stopped', 'stopped']);
    expect(result.runs[3].out).toBeNull();
    const sweep = readJson(path.join(out, 'sweep.json'));
    expect(sweep.status).toBe('stopped');
    expect(sweep.runs.map((r: any) => [r.status, r.started])).toEqual([
      ['completed', true],
      ['completed', true],
      ['stopped', true],
      ['stopped', false],
    ]);
    for (const r of result.runs.slice(0, 2)) expect(readJson(path.join(r.out, 'run.json')).status).toBe('completed');
    // The interrupted run stopped after a step, evaluated and saved its model: it is a usable run.
    const stopped = readJson(path.join(result.runs[2].out, 'run.json'));
    expect(stopped.status).toBe('stopped');
    expect(stopped.result.steps).toBeGreaterThan(0);
    expect(stopped.result.steps).toBeLessThan(50_000_000);
    expect(result.runs[2].loss.val).toBeGreaterThan(0);
    expect(existsSync(path.join(result.runs[2].out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(path.join(out, sweep.runs[3].name))).toBe(false);
  });

  describe('refusals: one line naming the problem, nothing written', () => {
    const refused = (args: string[]) => sweepCommand(args).then(() => '', (e: Error) => `${e.name}: ${e.message}`);

    it.each([
      [['--vary', 'train.batchsize=16,32'], /^LabError: train\.batchsize: train has no field 'batchsize'/],
      [['--vary', 'train.batchSize=16,abc'], /^LabError: train\.batchSize: expects a number, got a string/],
      [['--vary', 'train.batchSize=16,0'], /^LabError: train\.batchSize: 0 is refused/],
      [['--vary', 'model.hidden.*.bias=true,1'], /^LabError: model\.hidden\.\*\.bias: expects a boolean/],
      [['--vary', 'train.batchSize=16,16'], /^LabError: --vary train\.batchSize: a value is listed twice/],
      [['--vary', 'train.batchSize=16', '--vary', 'train.batchSize=32'], /given twice/],
      [[], /give at least one --vary/],
      [['--vary', 'train.batchSize=8', '--parallel', '0'], /--parallel must be between 1 and 256/],
      [['--vary', 'train.batchSize=8', '--set', 'train.steps=-1'], /^LabError: train\.steps: -1 is refused/],
      [['--vary', 'train.batchSize=8', '--recipe', 'tanh-gain'], /--recipe brings its own preset and --vary/],
    ])('%j', async (args, re) => {
      const out = path.join(dir, 'never');
      expect(await refused([...SMALL, ...args, '--data', words, '--out', out])).toMatch(re);
      expect(existsSync(out)).toBe(false);
    });

    it('an unknown recipe, a bad words file', async () => {
      const out = path.join(dir, 'never');
      expect(await refused(['--recipe', 'nope', '--out', out])).toMatch(/unknown recipe 'nope' \(one of tanh-gain, /);
      const empty = path.join(dir, 'empty.txt');
      writeFileSync(empty, '\n\n');
      expect(await refused([...SMALL, '--vary', 'train.batchSize=8,16', '--data', empty, '--out', out])).toMatch(/empty\.txt/);
      expect(existsSync(out)).toBe(false);
    });

    it('every run failing (a backend that cannot load) is one error naming the first failure', { timeout: 600_000 }, async () => {
      const out = path.join(dir, 'no-backend');
      const message = await refused([...SMALL, '--vary', 'train.batchSize=8,16', '--backend', 'tensorflow', '--data', words, '--parallel', '2', '--out', out]);
      expect(message).toMatch(/^LabError: every run failed \(01-batchSize-8: .*tensorflow/i);
      expect(readJson(path.join(out, 'sweep.json')).runs.map((r: any) => r.status)).toEqual(['failed', 'failed']);
    });

    it('a folder that is not new or empty is refused and left untouched', async () => {
      const mine = path.join(dir, 'mine');
      mkdirSync(mine);
      writeFileSync(path.join(mine, 'notes.txt'), 'keep me');
      expect(await refused([...SMALL, '--vary', 'train.batchSize=8,16', '--data', words, '--out', mine])).toMatch(/mine is not empty \(notes\.txt\)/);
      expect(readFileSync(path.join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
      const earlier = path.join(dir, 'earlier');
      mkdirSync(earlier);
      writeFileSync(path.join(earlier, 'sweep.json'), '{}');
      expect(await refused([...SMALL, '--vary', 'train.batchSize=8,16', '--data', words, '--out', earlier])).toMatch(/already holds a sweep/);
      expect(readFileSync(path.join(earlier, 'sweep.json'), 'utf8')).toBe('{}');
      const file = path.join(dir, 'words-as-out');
      writeFileSync(file, 'x');
      expect(await refused([...SMALL, '--vary', 'train.batchSize=8,16', '--data', words, '--out', file])).toMatch(/is not a folder/);
    });
  });
});
