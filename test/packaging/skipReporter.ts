/**
 * A vitest reporter that lists every skipped test at the end of the run, loudly, and under CI (CI=true or 1)
 * fails the run when a test skipped that CI must run — a missing tool (python3-torch, clang, strace, chromium)
 * would otherwise turn a check into a silent pass. The few skips CI may take are listed here with their reason
 * (README, Tests).
 */
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export interface Skip {
  file: string;
  name: string;
  note?: string;
}

export interface AllowedSkip {
  file: RegExp;
  name: RegExp;
  why: string;
}

/** The only skips a CI run may take, each with the reason it is not a missing tool. */
export const CI_ALLOWED_SKIPS: AllowedSkip[] = [
  {
    file: /^test\/engine\/data\.test\.ts$/,
    name: /^names\.txt: the lectures' split/,
    why: "needs ../shared/data/names.txt (the lectures' data file, not part of the repository)",
  },
  {
    file: /^test\/e2e\/lab\.test\.ts$/,
    name: /^Makemore Lab in Chromium through lab serve/,
    why: "needs ../shared/data/names.txt (the lectures' data file, not part of the repository)",
  },
  {
    file: /^test\/engine\/select\.test\.ts$/,
    name: /without the native packages installed/,
    why: 'runs only where the optional @tensorflow/tfjs-node packages are NOT installed',
  },
];

export function allowedReason(skip: Skip, allowed: AllowedSkip[] = CI_ALLOWED_SKIPS): string | null {
  return allowed.find((a) => a.file.test(skip.file) && a.name.test(skip.name))?.why ?? null;
}

export function isCi(env: NodeJS.ProcessEnv): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** The lines printed after the run; `fail` when CI must not pass. */
export function skipReport(skips: Skip[], ci: boolean): { lines: string[]; fail: boolean } {
  if (skips.length === 0) return { lines: [], fail: false };
  const lines = ['', `!!! ${skips.length} test(s) SKIPPED — these checks did not run:`];
  let unexplained = 0;
  for (const s of skips) {
    const why = allowedReason(s);
    if (!why) unexplained++;
    lines.push(`  - ${s.file} › ${s.name}${s.note ? ` (${s.note})` : ''}${why ? ` — allowed: ${why}` : ''}`);
  }
  const fail = ci && unexplained > 0;
  if (fail) lines.push(`!!! CI: ${unexplained} skip(s) not in CI_ALLOWED_SKIPS (test/packaging/skipReporter.ts): install the missing tool; failing the run.`);
  lines.push('');
  return { lines, fail };
}

export default class SkipReporter implements Reporter {
  /** A run narrowed with -t skips everything else on purpose: nothing to report then. */
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = !!vitest.config.testNamePattern;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (this.filtered) return;
    const skips: Skip[] = [];
    for (const module of testModules) {
      const file = path.relative(process.cwd(), module.moduleId).split(path.sep).join('/');
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped' || test.options.mode === 'todo') continue;
        skips.push({ file, name: test.fullName, note: result.note });
      }
    }
    const { lines, fail } = skipReport(skips, isCi(process.env));
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    if (fail) process.exitCode = 1;
  }
}
