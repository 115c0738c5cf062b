/** The Train and Fold views' queue position: first waiting job of the view's kinds for its run, 1-based. */
import { describe, expect, it } from 'vitest';
import { queuePosition } from '../../renderer/src/lib/workerQueue.js';
import type { WorkerQueueState } from '../../electron/shared/contract.js';

const state: WorkerQueueState = {
  limit: 2,
  running: [{ kind: 'train', runId: 'a' }, { kind: 'sample', runId: null }],
  queued: [
    { kind: 'sample', runId: 'b' },
    { kind: 'foldCompare', runId: 'b' },
    { kind: 'train', runId: 'c' },
    { kind: 'export', runId: 'b' },
  ],
};

describe('queuePosition', () => {
  it('finds the first waiting job of the given kinds for the run', () => {
    expect(queuePosition(state, ['train'], 'c')).toBe(3);
    expect(queuePosition(state, ['foldPlan', 'foldCompare', 'export'], 'b')).toBe(2);
    expect(queuePosition(state, ['export'], 'b')).toBe(4);
  });

  it('is null for a running job, another run, no run or no state', () => {
    expect(queuePosition(state, ['train'], 'a')).toBeNull();
    expect(queuePosition(state, ['train'], 'b')).toBeNull();
    expect(queuePosition(state, ['train'], null)).toBeNull();
    expect(queuePosition(null, ['train'], 'c')).toBeNull();
  });
});
