/** The back end's worker queue (who runs, who waits), kept current by the `workers.changed` event. */
import type { WorkerQueueState } from '../../../electron/shared/contract.js';
import { lab } from '../lib/api.js';

class WorkersStore {
  state = $state.raw<WorkerQueueState | null>(null);
  private watching = false;

  /** Starts following the queue (idempotent): the current state once, then every change. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    lab.on('workers.changed', (state) => (this.state = state));
    void lab.workers.get().then(
      (state) => (this.state ??= state),
      () => undefined, // shown where it matters: the request that waits reports its own error
    );
  }
}

export const workers = new WorkersStore();
