import { describe, expect, it } from 'vitest';
import { runWhenIdle } from '../../renderer/src/lib/chartWarmup.js';

describe('runWhenIdle', () => {
  it('runs the warm-up steps one per idle callback, in order, none in the calling task', () => {
    const pending: (() => void)[] = [];
    const ran: string[] = [];
    runWhenIdle(
      ['canvas', 'build', 'draw', 'destroy'].map((s) => () => ran.push(s)),
      (fn) => pending.push(fn),
    );
    expect(ran).toEqual([]);
    const seen: string[][] = [];
    while (pending.length) {
      expect(pending).toHaveLength(1); // the next step is asked for only once the previous one ran
      pending.shift()!();
      seen.push([...ran]);
    }
    expect(seen).toEqual([['canvas'], ['canvas', 'build'], ['canvas', 'build', 'draw'], ['canvas', 'build', 'draw', 'destroy']]);
  });
});
