/** The loaded words file: its summary, or the validator's error (with line number) to show in place. */
import type { ApiErrorInfo, DatasetSummary } from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';

class DatasetStore {
  current = $state.raw<DatasetSummary | null>(null);
  error = $state.raw<ApiErrorInfo | null>(null);
  loading = $state(false);

  constructor() {
    // The app menu (Ctrl/Cmd+O) loads datasets too; show its result the same way.
    lab.on('dataset.loaded', (event) => {
      if (event.ok) this.set(event.dataset);
      else this.error = event.error;
    });
  }

  private set(summary: DatasetSummary): void {
    this.current = summary;
    this.error = null;
  }

  private async load(request: () => Promise<DatasetSummary | null>): Promise<void> {
    this.loading = true;
    try {
      const summary = await request();
      if (summary) this.set(summary); // null: the dialog was cancelled
    } catch (e) {
      this.error = toErrorInfo(e);
    } finally {
      this.loading = false;
    }
  }

  openDialog = () => this.load(() => lab.dataset.open());
  loadFile = (file: File) => this.load(() => lab.dataset.loadFile(file));
  loadBuiltIn = () => this.load(() => lab.dataset.loadBuiltIn());
}

export const dataset = new DatasetStore();
