/**
 * A training process runs below normal scheduling priority, so that on a machine with few cores the page that
 * draws its curves (and the rest of the desktop) gets a core at once when it needs one: training is throughput
 * work, the UI is latency work. On an idle machine nothing changes (the kernel gives a lower-priority process
 * every free cycle); under contention the trainer yields. Measured with `npm run bench:ui` (docs/performance.md).
 *
 * Called first thing in the training process, before its kernel or onnxruntime start their threads: on Linux a
 * priority belongs to a thread, and threads inherit it from the one that creates them. The threads Node started
 * before (V8's compiler and garbage-collector helpers, libuv's pool) are lowered one by one from /proc/self/task.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** Unix nice 10; Windows maps it to BELOW_NORMAL. Raising one's own nice needs no privilege. */
export const TRAINING_PRIORITY = os.constants.priority.PRIORITY_BELOW_NORMAL;

/**
 * `LAB_TRAINING_PRIORITY=normal` keeps training at normal priority: for a machine given to training, and for the
 * test suite, where a CPU-bound test file running beside an end-to-end one would otherwise starve its trainers
 * (test/setup.ts sets it; the priority's own test unsets it).
 */
export const PRIORITY_ENV = 'LAB_TRAINING_PRIORITY';

/**
 * Lowers this process's priority to TRAINING_PRIORITY (never raises it: a lab started under `nice 19` stays there).
 * Returns why it could not, or null. Failing is harmless (training runs at normal priority), so it never throws.
 */
export function lowerTrainingPriority(env: NodeJS.ProcessEnv = process.env): string | null {
  const wanted = env[PRIORITY_ENV];
  if (wanted === 'normal') return null;
  if (wanted !== undefined && wanted !== '' && wanted !== 'low') return `${PRIORITY_ENV}=${wanted}: expected 'normal' or 'low'`;
  let refused: string | null = null;
  for (const id of threadIds()) {
    try {
      if (os.getPriority(id) < TRAINING_PRIORITY) os.setPriority(id, TRAINING_PRIORITY);
    } catch (e) {
      // A thread that ended since the folder was read is no loss; anything else is reported (once).
      if ((e as { info?: { code?: string } }).info?.code !== 'ESRCH') refused ??= (e as Error).message;
    }
  }
  return refused;
}

/** Linux: every thread of this process (0 = the calling thread elsewhere, where a priority is the process's). */
function threadIds(): number[] {
  if (process.platform !== 'linux') return [0];
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
