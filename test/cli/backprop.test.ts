/** `lab backprop` end to end in a real process: presets, a trained run, a configuration file, and user errors. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstBatch, initialState } from '../../electron/engine/backprop/backpropCase.js';
import { checkBackprop } from '../../electron/engine/backprop/compare.js';
import { prepareDataset, readWordsFile } from '../../electron/engine/data/index.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { loadRunDataset, openRun } from '../../electron/engine/run/openRun.js';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const KEYS = ['name', 'base', 'layer', 'shape', 'exact', 'approx', 'maxDiff', 'formula', 'versus'].sort();

describe('lab backprop', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('--preset backprop-ninja --json: every tensor of the decomposition, in backward order, all approximately equal', async () => {
    const r = lab('backprop', '--preset', 'backprop-ninja', '--data', words, '--seed', '5', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { tensors } = lastJson(r.stdout);
    expect(Object.keys(lastJson(r.stdout))).toEqual(['tensors']);
    for (const t of tensors) expect(Object.keys(t).sort()).toEqual(KEYS);
    expect(tensors.map((t: any) => t.name)).toEqual([
      ...['logprobs', 'probs', 'counts_sum_inv', 'counts_sum', 'counts', 'norm_logits', 'logit_maxes', 'logits', 'W2', 'b2', 'h1', 'hpreact1'],
      ...['gamma1', 'beta1', 'bnraw1', 'bnvar_inv1', 'bnvar1', 'bndiff2_1', 'bndiff1', 'bnmeani1', 'hprebn1', 'W1', 'b1', 'embcat', 'emb', 'C'],
      ...['logits (fused)', 'hprebn1 (fused)'],
    ]);
    expect(tensors.every((t: any) => t.approx && t.maxDiff <= 1e-5)).toBe(true);
    expect(tensors.find((t: any) => t.name === 'bnvar_inv1')).toMatchObject({ base: 'bnvar_inv', layer: 1, shape: [1, 64] });
    expect(tensors.find((t: any) => t.name === 'logprobs')).toMatchObject({ base: 'logprobs', layer: null });

    // The same numbers as the engine gives for the preset initialised with seed 5 and the first batch of seed 5.
    const config = findPreset('backprop-ninja')!.config;
    const dataset = prepareDataset(await readWordsFile(words), 3);
    const expected = checkBackprop(initialState(config.model, dataset.vocab.length, 5), firstBatch(dataset, 32, 5, true));
    expect(tensors.map((t: any) => [t.name, t.exact, t.maxDiff])).toEqual(expected.tensors.map((t) => [t.name, t.exact, t.maxDiff]));
  });

  it('prints the lecture-style table without --json', () => {
    const r = lab('backprop', '--preset', 'bn3-fold', '--data', words);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^preset bn3-fold at initialisation: seed 2147483647, first training batch of 32 from \S*words\.txt; loss \d\.\d{4}$/m);
    expect(r.stdout).toMatch(/^bnvar_inv2\s+\| exact: (True |False) \| approximate: True  \| maxdiff: \S+\s+\| \[1, 100\]\s+\| dbnvar_inv2 = \(bndiff2 \* dbnraw2\)\.sum\(0, keepdim=True\)$/m);
    expect(r.stdout).toMatch(/^hprebn3 \(fused\)\s+\| exact: (True |False) \| approximate: True /m);
    expect(r.stdout).toMatch(/^all 49 approximately equal \(\d+ exactly\)$/m);
    const help = lab('backprop', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run -s lab -- backprop (--preset ID | --run DIR | --config FILE) [--data FILE] [--seed N] [--json]');
  });

  it("--run: at the run's final parameters, on its dataset", async () => {
    const runDir = path.join(dir, 'ninja');
    const t = lab('train', '--preset', 'backprop-ninja', '--data', words, '--steps', '40', '--no-inspect', '--backend', 'cpu', '--out', runDir, '--json');
    expect(t.code, t.stderr).toBe(0);
    const r = lab('backprop', '--run', runDir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { tensors } = lastJson(r.stdout);
    expect(tensors.every((x: any) => x.approx)).toBe(true);

    const run = await openRun(runDir);
    const dataset = await loadRunDataset(run.record);
    const batch = firstBatch(dataset, 32, run.record.config.train.seed, true);
    const atEnd = checkBackprop(run.state, batch);
    const atStart = checkBackprop(initialState(run.record.config.model, dataset.vocab.length, run.record.config.train.seed), batch);
    expect(tensors.map((x: any) => x.maxDiff)).toEqual(atEnd.tensors.map((x) => x.maxDiff));
    expect(tensors.map((x: any) => x.maxDiff)).not.toEqual(atStart.tensors.map((x) => x.maxDiff));
  });

  it('--config FILE: a saved configuration at initialisation', () => {
    const config = structuredClone(findPreset('kaiming')!.config);
    config.model.hidden = [{ ...config.model.hidden[0], size: 12, activation: 'relu' }, { ...config.model.hidden[0], size: 9, batchNorm: true }];
    config.train.batchSize = 10;
    const file = path.join(dir, 'small.json');
    writeFileSync(file, JSON.stringify(config));
    const r = lab('backprop', '--config', file, '--data', words, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { tensors } = lastJson(r.stdout);
    expect(tensors.every((t: any) => t.approx)).toBe(true);
    expect(tensors.find((t: any) => t.name === 'hpreact1')).toMatchObject({ shape: [10, 12], formula: 'dhpreact1 = (hpreact1 > 0) * dh1' });
    expect(tensors.find((t: any) => t.name === 'hprebn2')).toMatchObject({ shape: [10, 9] });
  });

  describe('refuses bad arguments and bad files with one line and exit code 2', () => {
    const badField = path.join(dir, 'bad-field.json');
    const notJson = path.join(dir, 'not.json');
    const batchOfOne = path.join(dir, 'batch-of-one.json');
    beforeAll(() => {
      const config = structuredClone(findPreset('batchnorm')!.config) as any;
      config.model.hidden[0].size = 'ten';
      writeFileSync(badField, JSON.stringify(config));
      writeFileSync(notJson, '{ "preset": ');
      const bn = findPreset('batchnorm')!.config;
      writeFileSync(batchOfOne, JSON.stringify({ ...bn, train: { ...bn.train, batchSize: 1 } }));
    });
    // One process per case: each start pays for tsx and tf.js, which is slow on a loaded machine.
    it.each<[string, string[], RegExp]>([
      ['no source', [], /give exactly one of --preset, --run or --config/],
      ['two sources', ['--preset', 'kaiming', '--config', badField], /give exactly one of/],
      ['an unknown preset', ['--preset', 'nope'], /unknown preset 'nope'/],
      ['a config with a wrong field', ['--config', badField, '--data', words], /bad-field\.json: model\.hidden\.0\.size: /],
      ['a config that is not JSON', ['--config', notJson, '--data', words], /not\.json: not JSON/],
      ['BatchNorm on a batch of one', ['--config', batchOfOne, '--data', words], /batchSize must be at least 2 with BatchNorm/],
      ['a missing run folder', ['--run', path.join(dir, 'no-such-run')], /no-such-run/],
    ])('%s', (_what, args, message) => {
      const r = lab('backprop', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lab backprop: /);
      expect(r.stderr).toMatch(message);
    });
  });
});
