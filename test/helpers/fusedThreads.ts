/**
 * The fused kernel configurations every oracle test runs under: both builds (plain SIMD, and relaxed SIMD with
 * fused multiply-add in the matrix products; native/kernel/build.sh), each on one thread and on two threads with
 * EVERY product split (thresholds at their minimum, workers started before the first step), so the split code
 * paths are what the oracle checks, not just the small products that would stay on one thread anyway.
 */
import type { FusedBackendOptions } from '../../electron/engine/compute/fused/fusedBackend.js';

export interface FusedThreadCase {
  name: string;
  options: FusedBackendOptions;
  /** Whether the case splits products (then a test can require that it did). */
  splits: boolean;
}

const everyProductSplit = { threads: 2, split: { minMacs: 0, minRows: 4 }, eagerThreads: true };

export const FUSED_THREAD_CASES: readonly FusedThreadCase[] = [
  { name: 'plain SIMD, 1 thread', options: { simd: 'plain', threads: 1 }, splits: false },
  { name: 'plain SIMD, 2 threads, every product split', options: { simd: 'plain', ...everyProductSplit }, splits: true },
  { name: 'relaxed SIMD, 1 thread', options: { simd: 'relaxed', threads: 1 }, splits: false },
  { name: 'relaxed SIMD, 2 threads, every product split', options: { simd: 'relaxed', ...everyProductSplit }, splits: true },
];
