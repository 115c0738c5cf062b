/** Which view is shown and what the back end told us about itself. */
import type { AppInfo } from '../../../electron/shared/contract.js';
import { lab, toErrorInfo } from '../lib/api.js';

export const TABS = [
  { id: 'dataset', label: 'Dataset' },
  { id: 'presets', label: 'Presets' },
  { id: 'train', label: 'Train' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'fold', label: 'Fold & Compare' },
  { id: 'backprop', label: 'Backprop' },
  { id: 'sample', label: 'Sample' },
  { id: 'runs', label: 'Runs' },
  { id: 'sweep', label: 'Sweep' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

class AppStore {
  tab = $state<TabId>('dataset');
  info = $state<AppInfo | null>(null);
  /** Set when the back end cannot be reached at all (e.g. serve token missing). */
  connectionError = $state<string | null>(null);

  async load(): Promise<void> {
    try {
      this.info = await lab.app.info();
      this.connectionError = null;
    } catch (e) {
      this.connectionError = toErrorInfo(e).message;
    }
  }
}

export const app = new AppStore();
