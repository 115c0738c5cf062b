/**
 * Presets for the gallery: the built-in ones of PRESETS.md plus the user's own, saved as one JSON file in the
 * app's data folder (written atomically). A user preset is just a titled ExperimentConfig.
 */
import { promises as fs } from 'node:fs';
import { LabError } from '../engine/errors.js';
import { writeFileAtomic } from '../engine/io/atomic.js';
import { PRESETS } from '../engine/model/presets.js';
import { parameterCount } from '../engine/model/params.js';
import type { RequestOf } from '../shared/channels.js';
import type { PresetInfo } from '../shared/contract.js';
import { experimentConfigSchema } from '../shared/schemas.js';

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

export class PresetStore {
  constructor(private readonly file: string) {}

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
    const user = (await this.readUser()).map(toInfo);
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
    const user = (await this.readUser()).filter((p) => p.id !== id);
    user.push(preset);
    await writeFileAtomic(this.file, JSON.stringify(user, null, 2) + '\n');
    return toInfo(preset);
  }

  async delete(id: string): Promise<void> {
    const user = await this.readUser();
    if (!user.some((p) => p.id === id)) throw new LabError('CONFIG', `no user preset "${id}"`);
    await writeFileAtomic(this.file, JSON.stringify(user.filter((p) => p.id !== id), null, 2) + '\n');
  }

  /** The user's presets; entries that no longer validate (edited by hand, older format) are skipped. */
  private async readUser(): Promise<StoredPreset[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return [];
    }
    if (!Array.isArray(raw)) return [];
    return raw.filter(
      (p): p is StoredPreset =>
        typeof p?.id === 'string' && typeof p?.title === 'string' && experimentConfigSchema.safeParse(p?.config).success,
    );
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
