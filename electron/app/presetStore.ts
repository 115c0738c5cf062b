/**
 * Presets for the gallery: the built-in ones of PRESETS.md plus the user's own, saved as one JSON list in the
 * app's data folder (jsonListFile.ts: written atomically, one change at a time). A user preset is just a titled
 * ExperimentConfig. An unreadable presets.json shows no user presets and is never overwritten: a save is refused
 * with one line naming the file (move it away to save again).
 */
import { LabError } from '../engine/errors.js';
import { PRESETS } from '../engine/model/presets.js';
import { parameterCount } from '../engine/model/params.js';
import type { RequestOf } from '../shared/channels.js';
import type { PresetInfo } from '../shared/contract.js';
import { experimentConfigSchema } from '../shared/schemas.js';
import { JsonListFile } from './jsonListFile.js';

/** names.txt's vocabulary (26 letters + '.'): the parameter counts PRESETS.md lists. */
export const REFERENCE_VOCAB_SIZE = 27;

interface StoredPreset {
  id: string;
  title: string;
  description: string;
  config: PresetInfo['config'];
}

export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'preset'
  );
}

/** An entry that still validates (one edited by hand or of an older format is skipped). */
function isStoredPreset(p: unknown): p is StoredPreset {
  const v = p as Partial<StoredPreset> | null;
  return typeof v?.id === 'string' && typeof v?.title === 'string' && experimentConfigSchema.safeParse(v?.config).success;
}

export class PresetStore {
  private readonly user: JsonListFile<StoredPreset>;

  constructor(file: string) {
    this.user = new JsonListFile({ file, noun: 'presets', isEntry: isStoredPreset });
  }

  async list(): Promise<PresetInfo[]> {
    const builtIn: PresetInfo[] = PRESETS.map((p) => ({
      id: p.id,
      title: p.title,
      description: p.description,
      config: p.config,
      reference: p.reference,
      parameterCount: parameterCount(p.config.model, REFERENCE_VOCAB_SIZE),
      user: false,
    }));
    const user = (await this.user.read()).map(toInfo);
    return [...builtIn, ...user];
  }

  async save(request: RequestOf<'presets.save'>): Promise<PresetInfo> {
    const id = slugify(request.title);
    if (PRESETS.some((p) => p.id === id)) {
      throw new LabError('CONFIG', `"${id}" is a built-in preset; save under another title`);
    }
    const preset: StoredPreset = {
      id,
      title: request.title.trim(),
      description: request.description,
      config: { ...request.config, preset: id },
    };
    await this.user.update((user) => [...user.filter((p) => p.id !== id), preset]);
    return toInfo(preset);
  }

  async delete(id: string): Promise<void> {
    await this.user.update((user) => {
      if (!user.some((p) => p.id === id)) throw new LabError('CONFIG', `no user preset "${id}"`);
      return user.filter((p) => p.id !== id);
    });
  }
}

function toInfo(p: StoredPreset): PresetInfo {
  return {
    id: p.id,
    title: p.title,
    description: p.description ?? '',
    config: p.config,
    reference: { note: 'Your saved preset.' },
    parameterCount: parameterCount(p.config.model, REFERENCE_VOCAB_SIZE),
    user: true,
  };
}
