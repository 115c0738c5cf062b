/**
 * The fused kernel's thread configurations every oracle test runs under: one thread, and two threads with EVERY
 * product split (thresholds at their minimum, workers started before the first step), so the split code paths
 * are what the oracle checks, not just the small products that would stay on one thread anyway.
 */
import type { FusedBackendOptions } from '../../electron/engine/compute/fused/fusedBackend.js';

export interface FusedThreadCase {
  name: string;
  options: FusedBackendOptions;
  /** Whether the case splits products (then a test can require that it did). */
  splits: boolean;
}

export const FUSED_THREAD_CASES: readonly FusedThreadCase[] = [
  { name: '1 thread', options: { threads: 1 }, splits: false },
  // The calling thread takes one part only, so the worker runs the other half of every product.
  { name: '2 threads, every product split', options: { threads: 2, split: { minMacs: 0, minRows: 4, callerOnePart: true }, eagerThreads: true }, splits: true },
];
