/**
 * Where chart redraws run: not inside the WebSocket message (or click) that changed their data, but in animation
 * frames, a few per frame, so no single task on the page grows with the number of charts.
 *
 * - Coalescing: a job is queued under a key (one per chart); queuing again before it ran replaces the job and
 *   keeps its place, so 20 updates a second to a chart cost at most one redraw per frame.
 * - Splitting: a frame runs queued jobs until `budgetMs` has passed (at least one job), then leaves the rest to
 *   the next frame — a tab that shows four charts at once builds them over four frames, not in one long task.
 *   A job whose key took longer last time than the frame has left waits for the next frame too (where it runs
 *   first), so a frame is not a budget's worth of small jobs plus one long redraw; a key never run before (a
 *   chart or panel being built: the costliest jobs) is assumed to fill a frame, so it runs first in one.
 * - Pacing: while a run trains, a chart need not redraw more than a few times a second (`minIntervalMs` between
 *   two runs of the same key); a job marked `urgent` (the user moved a slider, a tab was shown) skips that wait.
 * - Alone: a job marked `alone` runs first in a frame and ends it. For work whose cost mostly comes after the job,
 *   where the scheduler cannot time it: a chart put in the page allocates its canvas, and the browser rasterizes
 *   and uploads a new canvas when the frame commits.
 *
 * Time and frames are injected so unit tests drive them by hand (test/renderer/frameScheduler.test.ts).
 */

export interface SchedulerClock {
  now(): number;
  /** Runs `fn` at the next animation frame. */
  frame(fn: () => void): void;
  /** Runs `fn` after `ms` milliseconds. */
  later(fn: () => void, ms: number): void;
}

export interface SchedulerOptions {
  /** Work per frame before the remaining jobs wait for the next frame. */
  budgetMs?: number;
  /** Least time between two runs of the same key, unless the job is urgent. */
  minIntervalMs?: number;
  /** Where a job's exception goes (default: rethrown outside the frame, so it reaches the console). */
  onError?: (error: unknown) => void;
}

interface Queued {
  job: () => void;
  urgent: boolean;
  alone: boolean;
}

export class FrameScheduler {
  private readonly budgetMs: number;
  private readonly minIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  /** Insertion-ordered: the first queued key runs first. */
  private readonly queue = new Map<unknown, Queued>();
  private readonly lastRun = new Map<unknown, number>();
  /** How long each key's job took the last time it ran: the estimate of what it will take next time. */
  private readonly lastCost = new Map<unknown, number>();
  private frameRequested = false;
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: SchedulerClock,
    options: SchedulerOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? 12;
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.onError =
      options.onError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
  }

  /**
   * Queues `job` under `key`, replacing a job queued under the same key that has not run yet (which passes on
   * being urgent or alone: the replacement does the same work and more).
   */
  schedule(key: unknown, job: () => void, options: { urgent?: boolean; alone?: boolean } = {}): void {
    const queued = this.queue.get(key);
    const urgent = (options.urgent ?? false) || (queued?.urgent ?? false);
    const alone = (options.alone ?? false) || (queued?.alone ?? false);
    this.queue.set(key, { job, urgent, alone });
    this.requestFrame();
  }

  /** Drops the job queued under `key` (its owner is gone) and forgets when it last ran. */
  cancel(key: unknown): void {
    this.queue.delete(key);
    this.lastRun.delete(key);
    this.lastCost.delete(key);
  }

  /** How many jobs wait (for tests and diagnostics). */
  get pending(): number {
    return this.queue.size;
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.clock.frame(() => this.runFrame());
  }

  private runFrame(): void {
    this.frameRequested = false;
    const start = this.clock.now();
    let ran = 0;
    let nextDue = Number.POSITIVE_INFINITY;
    // The jobs queued when the frame began: one that queues again while running (a chart built this frame,
    // to be drawn into) waits for the next frame.
    for (const [key, queued] of [...this.queue]) {
      const now = this.clock.now();
      const spent = now - start;
      if (ran > 0 && spent >= this.budgetMs) {
        this.requestFrame(); // the rest next frame
        return;
      }
      const due = queued.urgent ? now : (this.lastRun.get(key) ?? Number.NEGATIVE_INFINITY) + this.minIntervalMs;
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      if (this.queue.get(key) !== queued) continue; // replaced or cancelled by a job that ran before it
      if (ran > 0 && (queued.alone || spent + (this.lastCost.get(key) ?? this.budgetMs) > this.budgetMs)) {
        // It would overrun this frame: first in the next one (it keeps its place in the queue); smaller jobs
        // queued after it may still fit here.
        this.requestFrame();
        continue;
      }
      this.queue.delete(key);
      this.lastRun.set(key, now);
      ran++;
      try {
        queued.job();
      } catch (error) {
        this.onError(error); // one chart's failure must not stall the others
      }
      this.lastCost.set(key, this.clock.now() - now);
      if (queued.alone) {
        if (this.queue.size) this.requestFrame(); // what is left, paced jobs included, is looked at next frame
        return;
      }
    }
    if (nextDue < Number.POSITIVE_INFINITY) this.wake(nextDue);
  }

  /** Asks for a frame once the earliest paced job is due (a timer, so nothing spins while waiting). */
  private wake(at: number): void {
    if (at >= this.wakeAt) return;
    this.wakeAt = at;
    this.clock.later(
      () => {
        this.wakeAt = Number.POSITIVE_INFINITY;
        if (this.queue.size) this.requestFrame();
      },
      Math.max(0, at - this.clock.now()),
    );
  }
}

const browserClock: SchedulerClock = {
  now: () => performance.now(),
  frame: (fn) => requestAnimationFrame(() => fn()),
  later: (fn, ms) => void setTimeout(fn, ms),
};

/**
 * The page's chart scheduler: at most ~4 redraws a second per chart while data streams in, about 6 ms of script a
 * frame (a loss chart's redraw is 2–5 ms; what the frame then costs to lay out, paint and commit comes on top).
 */
export const chartFrames = new FrameScheduler(browserClock, { budgetMs: 6, minIntervalMs: 250 });
