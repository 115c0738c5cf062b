/** The Fold & Compare wizard: pick a BatchNorm run → what folds where → compare → export. */
import type { ApiErrorInfo, ExportFormat, ExportResult, FoldComparison, FoldPlan } from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';

export type FoldStep = 1 | 2 | 3 | 4;

class FoldStore {
  step = $state<FoldStep>(1);
  runId = $state<string | null>(null);
  plan = $state.raw<FoldPlan | null>(null);
  comparison = $state.raw<FoldComparison | null>(null);
  folder = $state('');
  formats = $state<ExportFormat[]>(['tfjs', 'onnx', 'safetensors']);
  exported = $state.raw<ExportResult | null>(null);
  error = $state.raw<ApiErrorInfo | null>(null);
  busy = $state(false);

  pick(runId: string): void {
    if (runId === this.runId) return;
    this.runId = runId;
    this.plan = null;
    this.comparison = null;
    this.exported = null;
    this.error = null;
    this.step = 1;
  }

  private async task<T>(work: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      return await work();
    } catch (e) {
      this.error = toErrorInfo(e);
      return null;
    } finally {
      this.busy = false;
    }
  }

  async preview(): Promise<void> {
    const id = this.runId;
    if (!id) return;
    const plan = await this.task(() => lab.fold.preview({ runId: id }));
    if (plan) {
      this.plan = plan;
      this.step = 2;
    }
  }

  async compare(): Promise<void> {
    const id = this.runId;
    if (!id) return;
    const comparison = await this.task(() => lab.fold.compare({ runId: id }));
    if (comparison) {
      this.comparison = comparison;
      this.step = 3;
    }
  }

  async chooseFolder(): Promise<void> {
    const folder = await this.task(() => lab.dialog.chooseFolder());
    if (folder) this.folder = folder;
  }

  async export(): Promise<void> {
    const id = this.runId;
    if (!id) return;
    const folder = this.folder.trim();
    const result = await this.task(() =>
      lab.fold.export({ runId: id, fold: true, formats: [...this.formats], ...(folder ? { folder } : {}) }),
    );
    if (result) this.exported = result; // null: the folder dialog was cancelled
  }
}

export const fold = new FoldStore();
