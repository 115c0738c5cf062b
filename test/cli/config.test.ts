/** Any configuration from the command line: presets --show, train --config, --set, saved app presets. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../electron/cli/configOptions.js';
import { isLabError } from '../../electron/engine/errors.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const runConfig = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).config;

// Each test starts real `lab` processes (about 15–30 s each on a loaded 2-core machine).
describe('lab presets --show / train --config / --set', { timeout: 600_000 }, () => {
  const dir = tempDir();
  const words = smallWordsFile(dir, 200);
  const configFile = path.join(dir, 'fix-softmax.json');
  let viaPreset: any;

  beforeAll(() => {
    const shown = lab('presets', '--show', 'fix-softmax', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    writeFileSync(configFile, shown.stdout);
    const r = lab('train', '--preset', 'fix-softmax', '--data', words, '--steps', '60', '--out', path.join(dir, 'preset'), '--json');
    expect(r.code, r.stderr).toBe(0);
    viaPreset = lastJson(r.stdout);
  }, 600_000);

  it('presets --show --json prints the whole configuration the app edits', () => {
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual(findPreset('fix-softmax')!.config);
  });

  it('train --config FILE trains exactly what --preset trains (same losses)', () => {
    const out = path.join(dir, 'config');
    const r = lab('train', '--config', configFile, '--data', words, '--steps', '60', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const viaConfig = lastJson(r.stdout);
    expect(viaConfig.loss).toEqual(viaPreset.loss);
    expect(runConfig(out)).toEqual(runConfig(path.join(dir, 'preset')));
  });

  it('--set with * changes every hidden layer, repeated --set all apply, and the run records them', () => {
    const out = path.join(dir, 'set');
    const r = lab(
      'train', '--preset', 'deep-tanh-gain', '--data', words, '--steps', '20', '--out', out, '--json',
      '--set', 'model.hidden.*.weightInit.gain=1', '--set', 'model.hidden.*.size=16', '--set', 'train.learningRate.initial=0.05', '--set', 'model.hidden.4.size=8',
    );
    expect(r.code, r.stderr).toBe(0);
    const c = runConfig(out);
    expect(c.model.hidden.map((h: any) => [h.size, h.weightInit.gain])).toEqual([[16, 1], [16, 1], [16, 1], [16, 1], [8, 1]]);
    expect(c.model.output.weightInit.gain).toBe(5 / 3);
    expect(c.train.learningRate.initial).toBe(0.05);
    // 27-token-free check of the shapes: W5 is [16, 8].
    expect(lastJson(r.stdout).params.find((p: any) => p.name === 'W5').shape).toEqual([16, 8]);
  });

  // In-process: every refusal is a LabError (exit 2 in main.ts) with one line naming the path.
  const bad: [string, RegExp][] = [
    ['train.batchsize=64', /^train\.batchsize: train has no field 'batchsize'/],
    ['model.hidden.7.size=10', /^model\.hidden\.7\.size: model\.hidden is a list of 5/],
    ['model.hidden.*.weightInit=1', /^model\.hidden\.\*\.weightInit: is an object/],
    ['train.batchSize=abc', /^train\.batchSize: expects a number, got a string/],
    ['model.hidden.*.bias=1', /^model\.hidden\.\*\.bias: expects a boolean/],
    ['train.batchSize=0', /^train\.batchSize: 0 is refused \(Too small/],
    ['train.batchSize=1.5', /^train\.batchSize: 1\.5 is refused/],
    ['model.hidden.*.activation=sigmoid', /^model\.hidden\.\*\.activation: "sigmoid" is refused \(model\.hidden\.0\.activation: /],
    ['model.hidden.0.weightInit.kind=zero', /^model\.hidden\.0\.weightInit\.kind: "zero" is refused \(model\.hidden\.0\.weightInit: Unrecognized keys/],
    ['train.learningRate.initial=1/0', /^--set train\.learningRate\.initial: 1\/0 is not a finite number/],
    ['train.steps', /^--set train\.steps: expected PATH=VALUE/],
    ['train.steps=1e', /^--set train\.steps: '1e' is not a number/],
  ];

  it.each(bad)('--set %s is refused with one line naming the path', async (set, re) => {
    const error = await resolveConfig('train', { preset: 'deep-tanh-gain', set: [set] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isLabError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(re);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  it('bad --set on train, bench → exit 2, one line on stderr, nothing written', () => {
    const out = path.join(dir, 'never');
    for (const [args, re] of [
      [['train', '--set', 'train.batchsize=64'], /^lab train: train\.batchsize: train has no field/],
      [['train', '--set', 'model.hidden.*.bias=1'], /^lab train: model\.hidden\.\*\.bias: expects a boolean/],
      [['bench', '--set', 'train.batchSize=0'], /^lab bench: train\.batchSize: 0 is refused/],
    ] as const) {
      const r = lab(...args, '--preset', 'deep-tanh-gain', '--data', words, '--steps', '10', ...(args[0] === 'train' ? ['--out', out] : []));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a config file the schema refuses, or that is not JSON, is refused naming file and field', async () => {
    const broken = path.join(dir, 'broken.json');
    const c = structuredClone(findPreset('kaiming')!.config) as any;
    c.train.batchSize = -1;
    writeFileSync(broken, JSON.stringify(c));
    const refused = (values: Parameters<typeof resolveConfig>[1]) => resolveConfig('train', values).then(() => '', (e: Error) => e.message);
    expect(await refused({ config: broken })).toMatch(/broken\.json: train\.batchSize: Too small/);
    writeFileSync(broken, '{"model": ');
    expect(await refused({ config: broken })).toMatch(/broken\.json: not valid JSON/);
    expect(await refused({ config: path.join(dir, 'missing.json') })).toMatch(/missing\.json: cannot read \(ENOENT\)/);
    expect(await refused({ config: broken, preset: 'kaiming' })).toMatch(/give --preset or --config, not both/);
    expect(await refused({})).toMatch(/--preset or --config is required/);
  });

  it('presets saved in the app (presets.json in its data folder) are listed and trainable', async () => {
    const dataDir = path.join(dir, 'appdata');
    mkdirSync(dataDir);
    const mine = { ...structuredClone(findPreset('kaiming')!.config), preset: 'my-small' };
    mine.model.hidden[0].size = 12;
    writeFileSync(path.join(dataDir, 'presets.json'), JSON.stringify([{ id: 'my-small', title: 'My small', description: 'twelve units', config: mine }]));
    const list = lab('presets', '--data-dir', dataDir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^my-small\s+\d+ params\s+\(saved\) twelve units$/m);
    const shown = lab('presets', '--data-dir', dataDir, '--show', 'my-small', '--json');
    expect(lastJson(shown.stdout)).toEqual(mine);
    const out = path.join(dir, 'mine');
    const r = lab('train', '--preset', 'my-small', '--data-dir', dataDir, '--data', words, '--steps', '10', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(runConfig(out).model.hidden[0].size).toBe(12);
    expect(readdirSync(out)).toContain('run.json');
    const unknown = await resolveConfig('train', { preset: 'my-small', 'data-dir': dir }).then(() => '', (e: Error) => e.message);
    expect(unknown).toMatch(/unknown preset 'my-small'/);
  });
});
