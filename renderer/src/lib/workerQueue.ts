/** Where a request waits in the back end's worker queue (pure, for the Train and Fold views). */
import type { WorkerJob, WorkerQueueState } from '../../../electron/shared/contract.js';

/** 1-based place of the first waiting job of one of `kinds` for `runId` (1 = starts next); null when not waiting. */
export function queuePosition(state: WorkerQueueState | null, kinds: readonly WorkerJob['kind'][], runId: string | null): number | null {
  if (!state || runId === null) return null;
  const at = state.queued.findIndex((job) => job.runId === runId && kinds.includes(job.kind));
  return at < 0 ? null : at + 1;
}
