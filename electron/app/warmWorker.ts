/**
 * A spare training process, started ahead of need, so that pressing Start does not wait for a process to start
 * and load TensorFlow.js and the kernel (seconds on a busy 2-core machine — the UI showed "starting" and empty axes
 * meanwhile). A worker serves one request and exits, so the spare is used once and replaced: the next one is
 * started a little after the run it went to, so it does not compete with that run's own start-up.
 *
 * It wraps a `SpawnWorker` and is one itself; other kinds of worker pass straight through. `dispose` ends the
 * spare (the service's shutdown), after which none is started again.
 */
import type { SpawnWorker, WorkerProcess } from '../engine/worker/client.js';
import type { WorkerKind } from '../engine/worker/protocol.js';

/** How long after a spare is taken the next one is started. */
export const SPARE_RESTART_DELAY_MS = 3000;

export interface WarmWorkers {
  spawn: SpawnWorker;
  /** Starts the spare now if there is none (call once when the back end starts). */
  prepare(): void;
  /** Ends the spare; no more are started. */
  dispose(): void;
}

export function warmWorkers(spawnNow: SpawnWorker, kind: WorkerKind = 'train', restartDelayMs = SPARE_RESTART_DELAY_MS): WarmWorkers {
  let spare: { worker: WorkerProcess; alive: boolean } | null = null;
  let disposed = false;

  const prepare = () => {
    if (disposed || spare) return;
    const entry = { worker: spawnNow(kind), alive: true };
    // A spare that dies while it waits (killed from outside, out of memory) is simply not handed out.
    entry.worker.onExit(() => {
      entry.alive = false;
      if (spare === entry) spare = null;
    });
    spare = entry;
  };

  const spawn: SpawnWorker = (k) => {
    if (k !== kind) return spawnNow(k);
    const ready = spare?.alive ? spare.worker : null;
    spare = null;
    if (!disposed) setTimeout(prepare, restartDelayMs).unref?.();
    return ready ?? spawnNow(k);
  };

  return {
    spawn,
    prepare,
    dispose() {
      disposed = true;
      spare?.worker.kill();
      spare = null;
    },
  };
}
