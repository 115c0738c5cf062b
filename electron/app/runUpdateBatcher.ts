/**
 * Coalesces a training process's events into `RunUpdate` messages for the UI: at most one message per run
 * every `intervalMs` (50 ms → ≤ 20 messages/s per run), each carrying only what arrived since the previous one.
 * Loss and ratio chunks are concatenated (they are contiguous by construction), progress keeps the latest,
 * evaluation points and snapshots are appended. Status changes to a terminal state (result, failure) flush at
 * once so the UI never waits on a timer to learn a run ended.
 *
 * Timers are injected so the tests drive time by hand.
 */
import type { RunStatus, RunUpdate } from '../shared/contract.js';
import type { RunEvent } from '../engine/run/runEvents.js';

export interface BatcherClock {
  now(): number;
  /** Schedules `fn` after `ms`; returns a cancel function. */
  schedule(fn: () => void, ms: number): () => void;
}

export const realClock: BatcherClock = {
  now: () => performance.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** At most 20 messages per second per run. */
export const DEFAULT_BATCH_INTERVAL_MS = 50;

interface RunQueue {
  pending: RunUpdate | null;
  lastSent: number;
  cancel: (() => void) | null;
}

export class RunUpdateBatcher {
  private readonly runs = new Map<string, RunQueue>();

  constructor(
    private readonly send: (update: RunUpdate) => void,
    private readonly intervalMs = DEFAULT_BATCH_INTERVAL_MS,
    private readonly clock: BatcherClock = realClock,
  ) {}

  /** Adds one worker event for a run. */
  pushEvent(runId: string, event: RunEvent): void {
    const u = this.pendingFor(runId);
    switch (event.type) {
      case 'started':
        // Field by field (no `type`, nothing else a worker might add); typed as the engine's RunStarted, so a field
        // the engine adds does not compile here until it is passed on.
        u.started = {
          backend: event.backend,
          examples: event.examples,
          vocab: event.vocab,
          params: event.params,
          parameterCount: event.parameterCount,
          unigramEntropy: event.unigramEntropy,
        };
        u.status = 'running';
        break;
      case 'progress': {
        const previous = u.progress?.state;
        u.progress = event.progress;
        if (event.progress.state !== previous) u.status = event.progress.state === 'paused' ? 'paused' : 'running';
        if (event.loss.losses.length > 0) {
          u.loss = u.loss
            ? { fromStep: u.loss.fromStep, losses: u.loss.losses.concat(event.loss.losses) }
            : { fromStep: event.loss.fromStep, losses: [...event.loss.losses] };
        }
        if (event.ratios && event.ratios.ratios.length > 0) {
          u.ratios = u.ratios
            ? { fromStep: u.ratios.fromStep, params: u.ratios.params, ratios: u.ratios.ratios.concat(event.ratios.ratios) }
            : { fromStep: event.ratios.fromStep, params: event.ratios.params, ratios: [...event.ratios.ratios] };
        }
        break;
      }
      case 'eval':
        (u.evals ??= []).push(event.point);
        break;
      case 'snapshot':
        (u.snapshots ??= []).push(event.snapshot);
        break;
      case 'done':
        u.result = event.result;
        u.status = event.result.status;
        this.flush(runId);
        return;
      case 'failed':
        u.error = event.error;
        u.status = 'failed';
        this.flush(runId);
        return;
    }
    this.scheduleFlush(runId);
  }

  /** Records a status change decided by the app itself (starting, paused on request…); sent with the next batch. */
  pushStatus(runId: string, status: RunStatus, immediate = false): void {
    this.pendingFor(runId).status = status;
    if (immediate) this.flush(runId);
    else this.scheduleFlush(runId);
  }

  /** Sends what is pending for a run now (or for every run). */
  flush(runId?: string): void {
    if (runId === undefined) {
      for (const id of [...this.runs.keys()]) this.flush(id);
      return;
    }
    const q = this.runs.get(runId);
    if (!q || !q.pending) return;
    q.cancel?.();
    q.cancel = null;
    const update = q.pending;
    q.pending = null;
    q.lastSent = this.clock.now();
    this.send(update);
  }

  /** Sends what is pending and forgets the run (after it ended). */
  close(runId: string): void {
    this.flush(runId);
    this.runs.delete(runId);
  }

  private pendingFor(runId: string): RunUpdate {
    let q = this.runs.get(runId);
    if (!q) {
      q = { pending: null, lastSent: -Infinity, cancel: null };
      this.runs.set(runId, q);
    }
    q.pending ??= { runId };
    return q.pending;
  }

  private scheduleFlush(runId: string): void {
    const q = this.runs.get(runId)!;
    if (q.cancel) return; // a flush is already due
    const wait = Math.max(0, q.lastSent + this.intervalMs - this.clock.now());
    q.cancel = this.clock.schedule(() => {
      q.cancel = null;
      this.flush(runId);
    }, wait);
  }
}
