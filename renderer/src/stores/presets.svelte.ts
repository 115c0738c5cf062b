/**
 * The preset gallery and the configuration being edited. The draft is what Train starts: picking a preset
 * copies its configuration into the draft, and every field of the draft stays editable.
 */
import type { ApiErrorInfo, ExperimentConfig, PresetInfo } from '../../../electron/shared/contract.js';
import { parameterCount } from '../../../electron/engine/model/params.js';
import { lab, toErrorInfo } from '../lib/api.js';
import { configIssues } from '../lib/configIssues.js';
import { dataset } from './dataset.svelte.js';

class PresetsStore {
  list = $state.raw<PresetInfo[]>([]);
  error = $state.raw<ApiErrorInfo | null>(null);
  selectedId = $state<string | null>(null);
  /** Deeply reactive: the editor binds straight into it. */
  draft = $state<ExperimentConfig | null>(null);
  saveMessage = $state<string | null>(null);

  readonly issues = $derived(this.draft ? configIssues($state.snapshot(this.draft)) : {});
  readonly valid = $derived(this.draft !== null && Object.keys(this.issues).length === 0);
  /** Trainable parameters of the draft for the loaded dataset's vocabulary (27 for names.txt). */
  readonly draftParameterCount = $derived.by(() => {
    if (!this.draft || !this.valid) return null;
    return parameterCount($state.snapshot(this.draft).model, dataset.current?.vocab.length ?? 27);
  });

  async load(): Promise<void> {
    try {
      this.list = await lab.presets.list();
      this.error = null;
      if (!this.draft && this.list.length > 0) this.select(this.list[0].id);
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  select(id: string): void {
    const preset = this.list.find((p) => p.id === id);
    if (!preset) return;
    this.selectedId = id;
    this.draft = structuredClone(preset.config);
    this.saveMessage = null;
  }

  /** The draft as plain data (what crosses IPC). */
  snapshot(): ExperimentConfig | null {
    return this.draft ? $state.snapshot(this.draft) : null;
  }

  async saveAs(title: string, description: string): Promise<void> {
    const config = this.snapshot();
    if (!config || !this.valid) return;
    try {
      const saved = await lab.presets.save({ title, description, config });
      // A title that slugs to an existing user preset's id replaces that preset: say so rather than "saved".
      const replaced = this.list.some((p) => p.user && p.id === saved.id);
      this.saveMessage = replaced ? `Replaced your preset "${saved.id}" with this configuration.` : `Saved as preset "${saved.id}".`;
      this.error = null;
      this.list = await lab.presets.list();
      this.selectedId = saved.id;
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await lab.presets.delete({ id });
      this.list = await lab.presets.list();
    } catch (e) {
      this.error = toErrorInfo(e);
    }
  }
}

export const presets = new PresetsStore();
