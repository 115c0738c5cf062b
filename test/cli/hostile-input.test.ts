/**
 * The `lab` command line against the inputs of issue 8, items 3, 6 and 11, as a user runs it (a real process):
 * each is refused with exit 2 and exactly one line on stderr, and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { encodeModelSafetensors } from '../../electron/engine/io/safetensors.js';
import { randomState, tinyConfig, VOCAB } from '../engine/io-fixtures.js';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2 and exactly one line on stderr, with no raw control character in it; returns the line. */
function refusedWithOneLine(r: ReturnType<typeof lab>): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.endsWith('\n')).toBe(true);
  const text = r.stderr.slice(0, -1);
  expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  return text;
}

describe('lab CLI refuses hostile input with one line and exit 2', () => {
  const dir = tempDir('lab-hostile-cli-');
  // Six words that use all 26 letters, so the dataset's vocabulary is VOCAB ('.', a–z).
  const words = path.join(dir, 'words.txt');
  writeFileSync(words, 'abcdefghijklm\nnopqrstuvwxyz\nanna\nbob\nemma\nzoe\n');
  const good = randomState(tinyConfig(true), 24);
  const goodModel = path.join(dir, 'good.safetensors');
  writeFileSync(goodModel, encodeModelSafetensors(good, makeLabMeta(good.config, VOCAB, false)));

  it('item 3: a 2-word list is refused before anything is written (it crashed with an empty dev split)', () => {
    const t = path.join(dir, 't');
    writeFileSync(t, 'anna\nbob\n');
    const out = path.join(dir, 'run-t');
    const line = refusedWithOneLine(lab('train', '--preset', 'bn3-fold', '--data', t, '--steps', '10', '--out', out));
    expect(line).toBe(`lab train: ${t}: has 2 words; needs at least 6 so that each of train/dev/test gets one (80/10/10 split: 1/0/1)`);
    expect(existsSync(out)).toBe(false);
  });

  it("item 11: --data '' is refused instead of training on the built-in names", () => {
    const out = path.join(dir, 'run-empty');
    const line = refusedWithOneLine(lab('train', '--preset', 'zero-init', '--data', '', '--steps', '1', '--out', out));
    expect(line).toBe("lab train: train: --data needs a value, got an empty string (leave the option out for its default)");
    expect(existsSync(out)).toBe(false);
  });

  it('item 11: a file name with a newline and an ANSI escape stays one line, escaped', () => {
    const sub = path.join(dir, 'odd\nname\u001b[31m');
    mkdirSync(sub);
    const file = path.join(sub, 'w.txt');
    writeFileSync(file, 'anna\nbob\n');
    const line = refusedWithOneLine(lab('train', '--preset', 'zero-init', '--data', file, '--steps', '1', '--out', path.join(dir, 'run-nl')));
    expect(line).toContain('odd\\nname\\u001b[31m');
    expect(line).toMatch(/needs at least 6/);
  });

  it('item 11: an ANSI escape inside a word is refused with its line', () => {
    const file = path.join(dir, 'ansi.txt');
    writeFileSync(file, 'anna\nbob\nev\u001b[2Jil\ncy\ndee\ned\n');
    const line = refusedWithOneLine(lab('train', '--preset', 'zero-init', '--data', file, '--steps', '1', '--out', path.join(dir, 'run-ansi')));
    expect(line).toBe(`lab train: ${file}, line 3: the word "ev\\u001b[2Jil" contains U+001B (escape, as in ANSI terminal sequences), which a words file may not contain`);
  });

  it('item 11: eval of a model with NaN weights is refused (it printed NaN with exit 0), as sample refuses it', () => {
    const state = randomState(tinyConfig(true), 21);
    state.tensors.W1[5] = Number.NaN;
    const model = path.join(dir, 'nan.safetensors');
    writeFileSync(model, encodeModelSafetensors(state, makeLabMeta(state.config, VOCAB, false)));
    const line = refusedWithOneLine(lab('eval', '--model', model, '--data', words));
    expect(line).toBe(`lab eval: eval: ${model}: tensor 'W1' holds NaN at index 5 (did training diverge?); cannot evaluate it`);
    expect(refusedWithOneLine(lab('sample', '--model', model, '--count', '3'))).toMatch(/non-finite logits/);
    const inf = randomState(tinyConfig(false), 22);
    inf.tensors.C[0] = Number.POSITIVE_INFINITY;
    const infModel = path.join(dir, 'inf.safetensors');
    writeFileSync(infModel, encodeModelSafetensors(inf, makeLabMeta(inf.config, VOCAB, true)));
    expect(refusedWithOneLine(lab('eval', '--model', goodModel, '--data', words, '--compare', infModel))).toBe(
      `lab eval: eval: ${infModel}: tensor 'C' holds Infinity at index 0 (did training diverge?); cannot evaluate it`,
    );
  });

  it("item 6: a model whose vocabulary ['.', 'ab', 'c', …] joins to the dataset's text is refused (tf.js failed with GatherV2)", () => {
    const crafted = ['.', 'ab', ...VOCAB.slice(3)]; // 26 tokens; joined: '.abc…z', the same text as the dataset's 27
    const state = randomState(tinyConfig(true), 23, crafted.length);
    const model = path.join(dir, 'crafted.safetensors');
    writeFileSync(model, encodeModelSafetensors(state, makeLabMeta(state.config, crafted, false)));
    const line = refusedWithOneLine(lab('eval', '--model', model, '--data', words));
    expect(line).toBe(`lab eval: ${model}: invalid vocabulary: token 1 ("ab") is not exactly one character`);
    expect(refusedWithOneLine(lab('eval', '--model', goodModel, '--data', words, '--compare', model))).toMatch(/token 1 \("ab"\) is not exactly one character/);
    // The good model itself evaluates: the refusals above are about the crafted file, not the data.
    const ok = lab('eval', '--model', goodModel, '--data', words, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    for (const s of ['train', 'val', 'test']) expect(Number.isFinite(result.loss[s])).toBe(true);
  });
});
