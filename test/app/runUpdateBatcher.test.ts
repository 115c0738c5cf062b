/**
 * Metric batching between a training process and the UI: a fast run's events (here 1,000 progress events in
 * one simulated second) become at most ~20 messages, each carrying only steps not sent before, and the
 * concatenation of the messages is exactly the stream the trainer produced.
 */
import { describe, expect, it } from 'vitest';
import { RunUpdateBatcher, type BatcherClock } from '../../electron/app/runUpdateBatcher.js';
import type { RunUpdate } from '../../electron/shared/contract.js';
import type { RunEvent } from '../../electron/engine/run/runEvents.js';

/** A hand-driven clock: `advance(ms)` runs the timers that fall due, in order. */
function manualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  const clock: BatcherClock = {
    now: () => now,
    schedule(fn, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return () => (timers = timers.filter((t) => t.id !== id));
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { clock, advance };
}

function progress(step: number, losses: number[], state: 'running' | 'paused' = 'running'): RunEvent {
  return {
    type: 'progress',
    progress: { step: step + losses.length, totalSteps: 10_000, loss: losses[losses.length - 1], learningRate: 0.1, stepsPerSecond: 1000, etaSeconds: 5, state },
    loss: { fromStep: step, losses },
    ratios: { fromStep: step, params: ['C', 'W1'], ratios: losses.map((l) => [l, -l]) },
  };
}

describe('RunUpdateBatcher', () => {
  it('sends at most 20 messages per second per run, each with only new steps, losing nothing', () => {
    const { clock, advance } = manualClock();
    const sent: RunUpdate[] = [];
    const batcher = new RunUpdateBatcher((u) => sent.push(u), 50, clock);
    const expected: number[] = [];
    for (let step = 0; step < 1000; step++) {
      const loss = 3.3 - step * 1e-3;
      expected.push(loss);
      batcher.pushEvent('r1', progress(step, [loss]));
      advance(1); // 1,000 events over 1 s
    }
    batcher.flush();
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.length).toBeLessThanOrEqual(21); // 20 per second plus the final flush
    let next = 0;
    const losses: number[] = [];
    for (const u of sent) {
      expect(u.runId).toBe('r1');
      expect(u.loss!.fromStep).toBe(next); // contiguous, never resent
      expect(u.ratios!.fromStep).toBe(next);
      expect(u.ratios!.ratios.length).toBe(u.loss!.losses.length);
      losses.push(...u.loss!.losses);
      next += u.loss!.losses.length;
      expect(u.progress!.step).toBe(next); // the latest progress of the batch
    }
    expect(losses).toEqual(expected);
  });

  it('flushes at once when a run ends or fails, and keeps runs apart', () => {
    const { clock, advance } = manualClock();
    const sent: RunUpdate[] = [];
    const batcher = new RunUpdateBatcher((u) => sent.push(u), 50, clock);
    batcher.pushEvent('a', progress(0, [3.1, 3.0]));
    batcher.pushEvent('b', progress(0, [2.5]));
    batcher.pushEvent('a', { type: 'eval', point: { step: 2, train: 3.0, val: 3.05 } });
    batcher.pushEvent('a', { type: 'done', result: { status: 'completed', steps: 2 } as never });
    // 'a' is sent synchronously with everything pending; 'b' waits for its timer.
    expect(sent.map((u) => u.runId)).toEqual(['a']);
    expect(sent[0]).toMatchObject({ status: 'completed', loss: { fromStep: 0, losses: [3.1, 3.0] }, evals: [{ step: 2 }], result: { steps: 2 } });
    advance(0);
    expect(sent.map((u) => u.runId)).toEqual(['a', 'b']);
    batcher.pushEvent('b', { type: 'failed', error: { code: 'CRASHED', message: 'boom' } });
    expect(sent[2]).toEqual({ runId: 'b', status: 'failed', error: { code: 'CRASHED', message: 'boom' } });
  });

  it('reports a status change when the trainer pauses and resumes', () => {
    const { clock, advance } = manualClock();
    const sent: RunUpdate[] = [];
    const batcher = new RunUpdateBatcher((u) => sent.push(u), 50, clock);
    batcher.pushEvent('r', progress(0, [3]));
    advance(60);
    batcher.pushEvent('r', progress(1, [2.9], 'paused'));
    advance(60);
    batcher.pushEvent('r', progress(2, [2.8], 'running'));
    advance(60);
    expect(sent.map((u) => u.status)).toEqual(['running', 'paused', 'running']);
  });
});
