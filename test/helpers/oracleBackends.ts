/**
 * Every compute path the gradient-oracle tests run over: the fused kernel in each of its thread configurations
 * (fusedThreads.ts) and the onnxruntime step graph on 1 and 2 intra-op threads.
 */
import type { ComputeBackend } from '../../electron/engine/compute/types.js';
import { createFusedBackend, type FusedComputeBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { createOnnxruntimeBackend } from '../../electron/engine/compute/onnxruntime/onnxruntimeBackend.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import { FUSED_THREAD_CASES } from './fusedThreads.js';

export interface OracleBackendCase {
  name: string;
  create(state: ModelState): Promise<ComputeBackend & Partial<Pick<FusedComputeBackend, 'threadStats'>>>;
  /** Whether the case splits the fused kernel's products (then `threadStats` exists and a test can require it did). */
  splits: boolean;
}

export const ORACLE_BACKEND_CASES: readonly OracleBackendCase[] = [
  ...FUSED_THREAD_CASES.map((c) => ({ name: `fused kernel, ${c.name}`, create: (s: ModelState) => createFusedBackend(s, c.options), splits: c.splits })),
  ...[1, 2].map((threads) => ({
    name: `onnxruntime, ${threads} thread${threads > 1 ? 's' : ''}`,
    create: async (s: ModelState) => createOnnxruntimeBackend(s, { threads }),
    splits: false,
  })),
];
