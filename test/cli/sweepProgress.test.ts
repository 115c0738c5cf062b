/** The sweep's progress display: plain lines off a terminal, redrawn bars on one. */
import { describe, expect, it } from 'vitest';
import { SweepProgress } from '../../electron/cli/sweepProgress.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { expandGrid } from '../../electron/engine/sweep/grid.js';
import type { SweepRunEntry } from '../../electron/engine/sweep/sweepFolder.js';

const points = expandGrid(findPreset('kaiming')!.config, [{ path: 'train.learningRate.initial', values: [0.2, 0.1, 0.05] }]);
const progress = (step: number) => ({ step, totalSteps: 100, loss: 2.5, learningRate: 0.1, stepsPerSecond: 1000, etaSeconds: 1, state: 'running' as const });
const entry: SweepRunEntry = { values: {}, name: '', status: 'completed', started: true, loss: { train: 2.1, val: 2.2, test: 2.3 }, stepsPerSecond: 1234, error: null };

function screen(tty: boolean) {
  let text = '';
  const stream = { write: (s: string) => ((text += s), true), columns: 200 } as unknown as NodeJS.WriteStream;
  return { display: new SweepProgress(points, stream, tty), text: () => text };
}

describe('SweepProgress', () => {
  it('off a terminal: one line per finished run and nothing else', () => {
    const { display, text } = screen(false);
    display.onEvent({ type: 'run-started', index: 0, name: points[0].name });
    display.onEvent({ type: 'run-progress', index: 0, progress: progress(50) });
    display.onEvent({ type: 'run-finished', index: 0, entry });
    expect(text()).toBe('[1/3] 01-initial-0.2 completed  train 2.1000  val 2.2000  1234 steps/s\n');
  });

  it('on a terminal: a bar per running run under a summary, redrawn in place', () => {
    const { display, text } = screen(true);
    display.onEvent({ type: 'run-started', index: 0, name: points[0].name });
    expect(text()).toContain('01-initial-0.2  starting…\n0/3 finished, 1 running\n');
    display.onEvent({ type: 'run-started', index: 1, name: points[1].name });
    display.onEvent({ type: 'run-finished', index: 0, entry });
    // The two drawn lines are erased (cursor up 2, clear) before the finished line, then the bars come back.
    expect(text()).toContain('\x1b[2A\x1b[J[1/3] 01-initial-0.2 completed');
    expect(text().endsWith('02-initial-0.1  starting…\n1/3 finished, 1 running\n')).toBe(true);
    display.finish();
    expect(text().endsWith('\x1b[2A\x1b[J')).toBe(true);
  });
});
