import type { RunStatus } from './contract.js';

/** A run that has not ended: waiting for or loading its process, training, or paused. */
export function isLiveStatus(status: RunStatus): boolean {
  return status === 'starting' || status === 'running' || status === 'paused';
}
