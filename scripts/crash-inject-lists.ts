/**
 * Crash injection for the app's list files (presets.json; sweeps.json is the same code, jsonListFile.ts): a process
 * saves presets one after another and is killed with SIGKILL at a random moment, again and again on one data
 * folder. After each kill presets.json must be a complete list (the previous save's or the new one's); at the end
 * one more save must work, taking over the lock a killed saver left and removing its temporaries.
 *
 *   node --import tsx scripts/crash-inject-lists.ts [kills, default 20]
 *
 * Prints one JSON summary line (the figures docs/reliability.md reports).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PresetStore } from '../electron/app/presetStore.js';
import { findPreset } from '../electron/engine/model/presets.js';

const SCRIPT = new URL(import.meta.url).pathname;
const REPO = path.resolve(path.dirname(SCRIPT), '..');

function save(store: PresetStore, k: number) {
  // Titles repeat and descriptions vary in length, so the file grows and shrinks between saves.
  return store.save({ title: `p${k % 50}`, description: 'd'.repeat((k * 37) % 500), config: findPreset('zero-init')!.config });
}

/** The saver: saves into `file` for ever, printing "ready" after its first save. */
async function saver(file: string) {
  const store = new PresetStore(file);
  for (let k = 0; ; k++) {
    await save(store, k);
    if (k === 0) process.stdout.write('ready\n');
  }
}

async function main() {
  const kills = Number(process.argv[2] ?? 20);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'crash-lists-'));
  const file = path.join(dir, 'presets.json');
  const tally = { kills, completeList: 0, broken: [] as string[], leftLock: 0, leftTemp: 0, nextSaveMs: 0, leftoversAfterNextSave: [] as string[] };
  for (let i = 0; i < kills; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, 'save', file], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const names = readdirSync(dir);
    if (names.includes('.presets.json.lock')) tally.leftLock++;
    if (names.some((n) => /^\.presets\.json\.tmp-/.test(n))) tally.leftTemp++;
    try {
      const list = JSON.parse(readFileSync(file, 'utf8'));
      if (!Array.isArray(list) || list.length === 0) throw new Error('not a list of presets');
      tally.completeList++;
    } catch (e) {
      tally.broken.push(`after kill ${i}: ${(e as Error).message}`);
    }
  }
  const t0 = Date.now();
  await save(new PresetStore(file), 0);
  tally.nextSaveMs = Date.now() - t0;
  tally.leftoversAfterNextSave = readdirSync(dir).filter((n) => n !== 'presets.json');
  console.log(JSON.stringify(tally));
}

if (process.argv[2] === 'save') {
  saver(process.argv[3]).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
