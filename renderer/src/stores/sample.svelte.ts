/** Sampling names from a saved run (optionally folded) or an exported model file. */
import type { SampleSource } from '../../../electron/shared/channels.js';
import type { ApiErrorInfo } from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';

class SampleStore {
  sourceKind = $state<'run' | 'model'>('run');
  runId = $state<string | null>(null);
  folded = $state(false);
  modelPath = $state('');
  count = $state(20);
  seed = $state(2147483647);
  words = $state.raw<string[]>([]);
  error = $state.raw<ApiErrorInfo | null>(null);
  busy = $state(false);

  readonly source = $derived<SampleSource | null>(
    this.sourceKind === 'run'
      ? this.runId
        ? { kind: 'run', runId: this.runId, folded: this.folded }
        : null
      : this.modelPath.trim()
        ? { kind: 'model', path: this.modelPath.trim() }
        : null,
  );

  async generate(): Promise<void> {
    const source = this.source;
    if (!source) return;
    this.busy = true;
    try {
      this.words = (await lab.sample({ source, count: this.count, seed: this.seed })).words;
      this.error = null;
    } catch (e) {
      this.error = toErrorInfo(e);
    } finally {
      this.busy = false;
    }
  }
}

export const sample = new SampleStore();
