/**
 * The presets the CLI can use: the built-in ones plus those saved in the app. The app keeps them in
 * `<data folder>/presets.json`; the desktop app's folder is Electron's `userData` ("Makemore Lab" under the
 * platform's application-data folder), `lab serve`'s is ~/.makemore-lab. Without --data-dir the CLI reads both.
 */
import os from 'node:os';
import path from 'node:path';
import { PresetStore } from '../app/presetStore.js';
import type { PresetInfo } from '../shared/contract.js';

const APP_NAME = 'Makemore Lab';

/** Where Electron's `app.getPath('userData')` points for this app on each platform. */
export function desktopDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_NAME);
}

/** The data folders searched for saved presets: --data-dir alone when given, else the app's and serve's. */
export function presetDataDirs(dataDir: string | undefined): string[] {
  if (dataDir) return [path.resolve(dataDir)];
  return [desktopDataDir(), path.join(os.homedir(), '.makemore-lab')];
}

/** Built-in presets first, then each data folder's saved ones (the first folder wins on a repeated id). */
export async function allPresets(dataDir: string | undefined): Promise<(PresetInfo & { file: string | null })[]> {
  const out: (PresetInfo & { file: string | null })[] = [];
  const seen = new Set<string>();
  for (const dir of presetDataDirs(dataDir)) {
    const file = path.join(dir, 'presets.json');
    for (const p of await new PresetStore(file).list()) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      out.push({ ...p, file: p.user ? file : null });
    }
  }
  return out;
}
