/**
 * `lab label` and `lab runs` in a real process: a name and a multi-line note written by the CLI are listed by it
 * (text and --json), land in the same label.json the app reads, and each broken rule is exit 2 with one line on
 * stderr naming the field, writing nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../../electron/engine/model/presets.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { REPO_ROOT, smallWordsFile, tempDir } from '../helpers/fixtures.js';

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('lab label / lab runs', () => {
  const root = tempDir();
  const words = smallWordsFile(root);
  const runs = path.join(root, 'runs');
  const a = path.join(runs, 'a');
  const b = path.join(runs, 'b');

  beforeAll(async () => {
    for (const [dir, id] of [[a, 'run-a'], [b, 'run-b']]) {
      const config = structuredClone(findPreset('zero-init')!.config);
      config.train.steps = 20;
      await executeRun({ runDir: dir, runId: id, config, dataset: { kind: 'file', path: words }, backend: 'auto', inspect: false });
    }
  }, 120_000);

  it('names a run and sets its note; runs lists it by name', () => {
    const set = lab('label', '--run', a, '--name', 'baseline, lr 0.1', '--note', 'first line\nsecond line', '--json');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(lastJson(set.stdout)).toEqual({ id: 'run-a', name: 'baseline, lr 0.1', note: 'first line\nsecond line' });
    expect(JSON.parse(readFileSync(path.join(a, 'label.json'), 'utf8'))).toMatchObject({ name: 'baseline, lr 0.1', note: 'first line\nsecond line' });

    const listed = lab('runs', '--dir', runs, '--json');
    expect(listed.code).toBe(0);
    const rows = lastJson(listed.stdout).runs as { id: string; name: string; note: string }[];
    expect(rows.map((r) => [r.id, r.name, r.note]).sort()).toEqual([
      ['run-a', 'baseline, lr 0.1', 'first line\nsecond line'],
      ['run-b', 'run-b', ''],
    ]);
    const text = lab('runs', '--dir', runs);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^baseline, lr 0\.1 {2}\(run-a\) {2}zero-init {2}completed {2}20\/20 steps {2}dev \d\.\d{4} {2}/m);
    expect(text.stdout).toContain('\n    first line …\n');
    expect(text.stdout).toMatch(/^run-b {2}zero-init/m);
  }, 120_000);

  it('refuses each broken rule with exit 2 and one line naming the field, writing nothing', () => {
    // (Each is a process start with TensorFlow.js loaded, ~6 s here: the rules themselves are covered in
    // test/engine/run-label.test.ts and test/app/runLabel.test.ts; these show the CLI's exit code and line.)
    const cases: [string[], string][] = [
      [['--run', b, '--name', 'x'.repeat(101)], 'lab label: name: must be 1–100 characters after trimming spaces (got 101)'],
      [['--run', b, '--name', 'red\u001b[31m'], 'lab label: name: character 4 is U+001B (escape, as in ANSI terminal sequences)'],
      [['--run', b, '--note', 'a\n\u202Eb'], 'lab label: note: line 2, character 1 is U+202E (right-to-left override)'],
      [['--run', root, '--name', 'x'], `lab label: ${root} has no run.json yet`],
    ];
    for (const [args, message] of cases) {
      const r = lab('label', ...args);
      expect(r.code, args.join(' ').slice(0, 60)).toBe(2);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(path.join(b, 'label.json'))).toBe(false);
    expect(existsSync(path.join(root, 'label.json'))).toBe(false);
  }, 120_000);
});
