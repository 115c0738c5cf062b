/**
 * The skip reporter: every skipped test is listed after the run; under CI a skip that is not explained in
 * CI_ALLOWED_SKIPS fails the run (exit code 1), outside CI it only warns. Checked on the decision function and on
 * a real vitest run of a fixture with one skipped test.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCi, skipReport } from './skipReporter.js';

const REPO = path.resolve(import.meta.dirname, '../..');

describe('skipReport', () => {
  const torch = { file: 'test/engine/export.test.ts', name: 'model card PyTorch snippet > reproduces the logits' };
  const names = { file: 'test/engine/data.test.ts', name: "names.txt: the lectures' split > 182,625 examples" };

  it('lists every skip, and fails under CI only for one not explained', () => {
    const local = skipReport([torch, names], false);
    expect(local.fail).toBe(false);
    expect(local.lines.join('\n')).toContain('2 test(s) SKIPPED');
    expect(local.lines.join('\n')).toContain('test/engine/export.test.ts › model card PyTorch snippet');
    expect(skipReport([torch], true).fail).toBe(true);
    expect(skipReport([names], true)).toMatchObject({ fail: false });
    expect(skipReport([names], true).lines.join('\n')).toContain('allowed: needs ../shared/data/names.txt');
    expect(skipReport([], true)).toEqual({ lines: [], fail: false });
  });

  it('CI means CI=true or CI=1', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});

describe('in a real vitest run', () => {
  it('is one of the reporters of the project config', () => {
    expect(readFileSync(path.join(REPO, 'vitest.config.ts'), 'utf8')).toMatch(/reporters:\s*\['default', '\.\/test\/packaging\/skipReporter\.ts'\]/);
  });

  const run = (ci: string | undefined) => {
    const env = { ...process.env, CI: ci };
    if (ci === undefined) delete env.CI;
    return spawnSync(process.execPath, [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/packaging/fixtures/vitest.skip.config.ts'], {
      cwd: REPO,
      env,
      encoding: 'utf8',
      timeout: 90_000,
    });
  };

  it('a skipped test fails the run under CI=true and is listed; without CI it passes with the list', () => {
    const ci = run('true');
    expect(ci.stdout).toContain('1 test(s) SKIPPED');
    expect(ci.stdout).toContain('skipping.fixture.ts › needs a tool this machine lacks');
    expect(ci.status).toBe(1);
    const local = run(undefined);
    expect(local.stdout).toContain('1 test(s) SKIPPED');
    expect(local.status).toBe(0);
  }, 120_000);
});
