import { describe, expect, it } from 'vitest';
import { FrameScheduler, type SchedulerClock } from '../../renderer/src/lib/frameScheduler.js';

/** Frames and timers driven by hand; each job "takes" the time it advances the clock by. */
function manualClock() {
  let now = 0;
  let frames: (() => void)[] = [];
  let timers: { at: number; fn: () => void }[] = [];
  const clock: SchedulerClock = {
    now: () => now,
    frame: (fn) => void frames.push(fn),
    later: (fn, ms) => void timers.push({ at: now + ms, fn }),
  };
  return {
    clock,
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
    /** Runs the frame callbacks requested so far; returns how many there were. */
    frame(): number {
      const run = frames;
      frames = [];
      for (const fn of run) fn();
      return run.length;
    },
    get framesRequested() {
      return frames.length;
    },
    get timers() {
      return timers.length;
    },
  };
}

describe('FrameScheduler', () => {
  it('runs nothing in the calling task, and one job per key per frame however often it was queued', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12 });
    const ran: string[] = [];
    for (let i = 0; i < 20; i++) s.schedule('loss', () => ran.push(`loss ${i}`));
    s.schedule('ratio', () => ran.push('ratio'));
    expect(ran).toEqual([]);
    expect(t.framesRequested).toBe(1); // one frame asked for, not 21
    t.frame();
    // The latest job of each key, in the order the keys were first queued.
    expect(ran).toEqual(['loss 19', 'ratio']);
    expect(s.pending).toBe(0);
    expect(t.framesRequested).toBe(0);
  });

  it('splits work over frames once a frame has used its budget (always at least one job a frame)', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12 });
    const ran: string[] = [];
    // Four charts shown at once, each taking 5 ms a redraw. Never run before, each is assumed to fill a frame:
    // the first time, one a frame.
    const charts = ['a', 'b', 'c', 'd'];
    for (const chart of charts) s.schedule(chart, () => (ran.push(chart), t.advance(5)));
    for (let i = 1; i <= 4; i++) {
      t.frame();
      expect(ran).toEqual(charts.slice(0, i));
    }
    // Known to take 5 ms: two fit in a frame (5 + 5 ≤ 12; a third would end at 15 ms).
    ran.length = 0;
    for (const chart of charts) s.schedule(chart, () => (ran.push(chart), t.advance(5)));
    t.frame();
    expect(ran).toEqual(['a', 'b']);
    t.frame();
    expect(ran).toEqual(['a', 'b', 'c', 'd']);

    // A job that takes longer than expected still ends the frame once the budget is spent.
    ran.length = 0;
    s.schedule('a', () => (ran.push('a'), t.advance(30)));
    s.schedule('b', () => ran.push('b'));
    t.frame();
    expect(ran).toEqual(['a']);
    t.frame();
    expect(ran).toEqual(['a', 'b']);

    // A single job over the budget still runs (alone).
    ran.length = 0;
    s.schedule('slow', () => (ran.push('slow'), t.advance(40)));
    s.schedule('next', () => ran.push('next'));
    t.frame();
    expect(ran).toEqual(['slow']);
    t.frame();
    expect(ran).toEqual(['slow', 'next']);
  });

  it('leaves a job for the next frame when its last run would not fit in what the frame has left', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12 });
    const ran: string[] = [];
    const cost: Record<string, number> = { small: 5, redraw: 15, tiny: 2 };
    const job = (name: string) => () => (ran.push(name), t.advance(cost[name]));
    // A key never run is assumed to fill a frame: each runs first in its own frame the first time.
    for (const name of ['small', 'redraw', 'tiny']) s.schedule(name, job(name));
    for (let i = 1; i <= 3; i++) {
      t.frame();
      expect(ran).toHaveLength(i);
    }
    // Now the redraw is known to take 15 ms: after the 5 ms job it would end at 20 ms, so it waits; the 2 ms job
    // queued after it still fits this frame.
    ran.length = 0;
    for (const name of ['small', 'redraw', 'tiny']) s.schedule(name, job(name));
    t.frame();
    expect(ran).toEqual(['small', 'tiny']);
    expect(t.framesRequested).toBe(1);
    t.frame();
    expect(ran).toEqual(['small', 'tiny', 'redraw']); // first in its own frame (always at least one job a frame)
    // A cancelled key forgets its cost: queued again, it counts as new (assumed to fill a frame), not as 2 ms.
    s.cancel('tiny');
    ran.length = 0;
    for (const name of ['small', 'tiny']) s.schedule(name, job(name));
    t.frame();
    expect(ran).toEqual(['small']);
    t.frame();
    expect(ran).toEqual(['small', 'tiny']);
  });

  it('paces a key to minIntervalMs between runs, waking by timer rather than spinning frames', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12, minIntervalMs: 250 });
    let runs = 0;
    s.schedule('loss', () => runs++);
    t.frame();
    expect(runs).toBe(1); // first run: nothing to wait for
    t.advance(50);
    s.schedule('loss', () => runs++);
    t.frame();
    expect(runs).toBe(1); // only 50 ms since the last run
    expect(t.framesRequested).toBe(0); // no frame loop while waiting...
    expect(t.timers).toBe(1); // ...a timer for when it is due
    t.advance(199);
    expect(t.framesRequested).toBe(0);
    t.advance(1); // 250 ms after the first run
    expect(t.framesRequested).toBe(1);
    t.frame();
    expect(runs).toBe(2);
  });

  it('an urgent job skips the pacing, and stays urgent when replaced by a paced one before it ran', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12, minIntervalMs: 250 });
    const ran: string[] = [];
    s.schedule('loss', () => ran.push('data'));
    t.frame();
    t.advance(10);
    s.schedule('loss', () => ran.push('slider'), { urgent: true });
    s.schedule('loss', () => ran.push('data again')); // new data right after the slider moved
    t.frame();
    expect(ran).toEqual(['data', 'data again']); // ran 10 ms after the previous run, not 250
    // Paced again afterwards.
    t.advance(10);
    s.schedule('loss', () => ran.push('later data'));
    t.frame();
    expect(ran).toHaveLength(2);
  });

  it('cancel drops a queued job (its chart is gone)', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock);
    const ran: string[] = [];
    s.schedule('a', () => ran.push('a'));
    s.schedule('b', () => ran.push('b'));
    s.cancel('a');
    t.frame();
    expect(ran).toEqual(['b']);
  });

  it('a job that queues itself again (build now, draw next) runs again in the next frame, not this one', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 100, minIntervalMs: 250 });
    const ran: string[] = [];
    const draw = () => ran.push('draw');
    s.schedule('chart', () => {
      ran.push('build');
      s.schedule('chart', draw, { urgent: true });
    });
    t.frame();
    expect(ran).toEqual(['build']);
    t.frame();
    expect(ran).toEqual(['build', 'draw']);
  });

  it('a job that throws does not stop the others, and its error is reported', () => {
    const t = manualClock();
    const errors: unknown[] = [];
    const s = new FrameScheduler(t.clock, { onError: (e) => errors.push(e) });
    const ran: string[] = [];
    s.schedule('bad', () => {
      throw new Error('chart failed');
    });
    s.schedule('good', () => ran.push('good'));
    t.frame();
    expect(ran).toEqual(['good']);
    expect(errors).toEqual([new Error('chart failed')]);
  });

  it('runs an alone job first in a frame and ends the frame there, even when its replacement was not marked', () => {
    const t = manualClock();
    const s = new FrameScheduler(t.clock, { budgetMs: 12 });
    const ran: string[] = [];
    const job = (name: string, ms: number) => () => (ran.push(name), t.advance(ms));
    // Known cheap jobs (1 ms each) first, so that their costs are known.
    for (const name of ['a', 'b', 'attach']) s.schedule(name, job(name, 1));
    for (let i = 0; i < 3; i++) t.frame();
    ran.length = 0;
    // A chart put in the page (its real cost comes at the frame's commit, after the job): alone in its frame, though
    // the 1 ms it takes itself would fit beside the others.
    s.schedule('a', job('a', 1));
    s.schedule('attach', job('attach', 1), { alone: true });
    s.schedule('b', job('b', 1));
    t.frame();
    expect(ran).toEqual(['a', 'b']); // it waits for a frame of its own; the job queued after it still runs
    t.frame();
    expect(ran).toEqual(['a', 'b', 'attach']);
    // Replaced before it ran by a plain job (new data for that chart), it stays alone; and nothing runs after it.
    ran.length = 0;
    s.schedule('attach', job('attach', 1), { alone: true });
    s.schedule('attach', job('attach+data', 1));
    s.schedule('b', job('b', 1));
    t.frame();
    expect(ran).toEqual(['attach+data']);
    expect(t.framesRequested).toBe(1);
    t.frame();
    expect(ran).toEqual(['attach+data', 'b']);
    expect(s.pending).toBe(0);
  });
});
