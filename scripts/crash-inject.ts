/**
 * Crash injection: `kill -9` the `lab` CLI at random moments during train, export and fold, then check that
 * every folder is complete, absent, or (a run) readable with at most a torn last metrics line — and that the
 * next write into the same folder removes the leftovers and restores a stranded previous export.
 *
 *   [CRASH_ONLY=train|export|fold] node --import tsx scripts/crash-inject.ts [kills per command, default 10] [words file]
 *
 * Prints one JSON summary line at the end (the figures docs/reliability.md reports).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSwapped } from '../electron/engine/io/atomic.js';
import { importModel } from '../electron/engine/io/exportModel.js';
import { forEachJsonLine } from '../electron/engine/run/jsonLines.js';
import { loadRunModel } from '../electron/engine/run/modelFiles.js';
import { readRunRecord, writeRunRecord } from '../electron/engine/run/runFolder.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const kills = Number(process.argv[2] ?? 10);
const root = mkdtempSync(path.join(os.tmpdir(), 'crash-inject-'));
const words = process.argv[3] || makeWords();
/** CRASH_ONLY=train|export|fold runs one part. */
const only = process.env.CRASH_ONLY;

function makeWords(): string {
  const syl = ['an', 'na', 'el', 'li', 'ra', 'mo', 'ja', 'son', 'ka', 'ri', 'ta', 'de', 'vi', 'lo', 'em', 'ma'];
  const out: string[] = [];
  for (let i = 0; i < 2000; i++) out.push(syl[i % 16] + syl[(i * 7) % 16] + (i % 3 ? syl[(i * 5) % 16] : ''));
  const file = path.join(root, 'words.txt');
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

function labSync(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lab ${args.join(' ')} failed: ${r.stderr}`);
}

/** Starts `lab …`, kills it with SIGKILL after `ms` (if still running); resolves with whether it was killed. */
function labKilledAfter(args: string[], ms: number): Promise<{ killed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', ms: Date.now() - t0 });
    });
  });
}

/** Starts `lab …`; once `ready()` holds (polled), kills it with SIGKILL after a further `ms`. */
function labKilledAfterReady(args: string[], ready: () => boolean, ms: number, giveUpMs = 300_000): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', ...args], { cwd: REPO, stdio: 'ignore' });
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (ready() || Date.now() - t0 > giveUpMs) {
        clearInterval(poll);
        timer = setTimeout(() => child.kill('SIGKILL'), ms);
      }
    }, 20);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

async function timeOf(args: string[]): Promise<number> {
  const t0 = Date.now();
  labSync(args);
  return Date.now() - t0;
}

const temps = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => /^\..+\.(tmp|old)-\d+-[0-9a-f]{8}$/.test(n)) : []);
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

interface Tally {
  tries: number;
  killed: number;
  complete: number;
  absent: number;
  /** Export target missing, previous version aside (killed between the two renames). */
  strandedAside: number;
  tornLastLine: number;
  broken: string[];
  leftoversBefore: number;
  leftoversAfterNextWrite: number;
  restoredOnNextWrite: number;
}
const tally = (): Tally => ({ tries: 0, killed: 0, complete: 0, absent: 0, strandedAside: 0, tornLastLine: 0, broken: [], leftoversBefore: 0, leftoversAfterNextWrite: 0, restoredOnNextWrite: 0 });

async function main() {
  const base = path.join(root, 'base');
  const trainArgs = (out: string, steps: number) => ['train', '--preset', 'bn3-fold', '--data', words, '--steps', String(steps), '--inspect-every', '50', '--out', out];
  const tTrain = await timeOf(trainArgs(base, 2000));
  // How long training takes once the run folder exists (start-up is most of a CLI call on a busy machine).
  const probe = path.join(root, 'probe');
  let tFolder = 0;
  const t0 = Date.now();
  await labKilledAfterReady(trainArgs(probe, 2000), () => existsSync(path.join(probe, 'run.json')) && (tFolder = tFolder || Date.now() - t0) > 0, 1e9);
  const tTraining = Date.now() - t0 - tFolder;
  const exportsDir = path.join(root, 'exports');
  const exportArgs = ['export', '--run', base, '--fold', '--format', 'all', '--out', path.join(exportsDir, 'E')];
  const tExport = await timeOf(exportArgs);
  const foldArgs = (out: string) => ['fold', '--run', base, '--out', out];
  const tFold = await timeOf(foldArgs(path.join(exportsDir, 'F')));

  // train: kill anywhere from start-up to the final save
  const train = tally();
  for (let i = 0; i < (only && only !== 'train' ? 0 : kills); i++) {
    const runDir = path.join(root, 'runs', `r${i}`);
    train.tries++;
    // Killed while it trains, checkpoints and saves: from when run.json appears to the end.
    const k = await labKilledAfterReady(trainArgs(runDir, 2000), () => existsSync(path.join(runDir, 'run.json')), rand(0, 1.05) * tTraining);
    if (k.killed) train.killed++;
    if (!existsSync(runDir)) {
      train.absent++;
      continue;
    }
    try {
      const record = await readRunRecord(runDir);
      let skipped = 0;
      await forEachJsonLine(path.join(runDir, 'metrics.jsonl'), () => {}).then((s) => (skipped = s.skipped));
      if (skipped > 1) throw new Error(`${skipped} unreadable metrics lines`);
      if (skipped === 1) train.tornLastLine++;
      if (existsSync(path.join(runDir, 'checkpoint.safetensors'))) await loadRunModel(runDir);
      if (existsSync(path.join(runDir, 'model'))) await importModel(path.join(runDir, 'model', 'model.json'));
      train.complete++;
      const left = temps(runDir).length;
      train.leftoversBefore += left;
      // The next write into the folder (what the app's parent does for a crashed run: mark it failed).
      if (record.status === 'running') {
        record.status = 'failed';
        await writeRunRecord(runDir, record);
      } else await writeRunRecord(runDir, record);
      train.leftoversAfterNextWrite += temps(runDir).length;
    } catch (e) {
      train.broken.push(`${runDir}: ${(e as Error).message}`);
    }
  }

  // export / fold: replacing a previous complete folder; kill anywhere from start-up to the end
  const replace = async (t: Tally, target: string, args: string[], duration: number, check: (p: string) => Promise<unknown>) => {
    for (let i = 0; i < (only && only !== (t === exp ? 'export' : 'fold') ? 0 : kills); i++) {
      t.tries++;
      const k = await labKilledAfter(args, rand(0.3, 1.0) * duration);
      if (k.killed) t.killed++;
      const parent = path.dirname(target);
      const left = temps(parent);
      t.leftoversBefore += left.length;
      if (existsSync(target)) {
        try {
          await check(target);
          t.complete++;
        } catch (e) {
          t.broken.push(`${target}: ${(e as Error).message}`);
        }
      } else if (left.some((n) => n.startsWith(`.${path.basename(target)}.old-`))) {
        t.strandedAside++;
        await check(target).catch((e: unknown) => t.broken.push(`aside of ${target} unreadable: ${(e as Error).message}`));
      } else {
        t.absent++;
        t.broken.push(`${target} missing with no previous version aside`);
      }
      // The next write into the same folder: a new export beside it.
      const missing = !existsSync(target);
      labSync(['export', '--run', base, '--format', 'onnx', '--out', path.join(parent, `next-${i}`)]);
      if (missing && existsSync(target)) t.restoredOnNextWrite++;
      t.leftoversAfterNextWrite += temps(parent).length;
    }
  };
  const exp = tally();
  await replace(exp, path.join(exportsDir, 'E'), exportArgs, tExport, async (p) => {
    const m = await importModel(p); // resolves through the previous version while the target is missing
    if (m.format !== 'safetensors') throw new Error('export incomplete');
  });
  const fold = tally();
  await replace(fold, path.join(exportsDir, 'F'), foldArgs(path.join(exportsDir, 'F')), tFold, async (target) => {
    const p = await resolveSwapped(target);
    const names = readdirSync(p).sort().join(',');
    if (names !== 'checkpoint.safetensors,fold-report.json,model') throw new Error(`fold folder holds ${names}`);
    await loadRunModel(p);
  });
  console.log(JSON.stringify({ killsPerCommand: kills, durationsMs: { train: tTrain, trainAfterFolder: tTraining, export: tExport, fold: tFold }, train, export: exp, fold }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
