/**
 * Measures `lab sweep` at --parallel 1 and 2 (wall time, speed-up) and every training process's peak RSS
 * (VmHWM from /proc, polled), for docs. Linux only. Not a test: the figures depend on the machine's load.
 *
 *   npx tsx scripts/measure-sweep.ts [--recipe learning-rate] [--steps 20000] [--data ../shared/data/names.txt]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { recipe: { type: 'string' }, steps: { type: 'string' }, data: { type: 'string' }, parallel: { type: 'string' } } });
const recipe = values.recipe ?? 'learning-rate';
const steps = values.steps ?? '20000';
const root = path.resolve(import.meta.dirname, '..');

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone between readdir and read.
    }
  }
  return byParent;
}

function peakKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function isTrainingProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('trainWorker');
  } catch {
    return false;
  }
}

async function measure(parallel: number) {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lab-sweep-measure-')), 'sweep');
  const args = ['--import', 'tsx', 'electron/cli/main.ts', 'sweep', '--recipe', recipe, '--steps', steps, '--parallel', String(parallel), '--out', out, '--json'];
  if (values.data) args.push('--data', path.resolve(values.data));
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    const tree = children();
    for (const pid of tree.get(child.pid!) ?? []) {
      if (!isTrainingProcess(pid)) continue;
      const kb = peakKb(pid);
      if (kb !== null) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
    }
    const parent = peakKb(child.pid!);
    if (parent !== null) peaks.set(-1, Math.max(peaks.get(-1) ?? 0, parent));
  }, 100);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  rmSync(path.dirname(out), { recursive: true, force: true });
  const workerPeaksMb = [...peaks].filter(([pid]) => pid !== -1).map(([, kb]) => Math.round(kb / 1024));
  return {
    parallel,
    wallSeconds: result.wallSeconds,
    processSeconds: Math.round((performance.now() - started) / 10) / 100,
    stepsPerSecond: result.runs.map((r: { stepsPerSecond: number }) => r.stepsPerSecond),
    workerPeakRssMb: workerPeaksMb,
    cliPeakRssMb: Math.round((peaks.get(-1) ?? 0) / 1024),
  };
}

const load = os.loadavg()[0].toFixed(1);
const one = await measure(1);
const two = await measure(values.parallel ? Number(values.parallel) : 2);
console.log(JSON.stringify({ recipe, steps: Number(steps), cores: os.availableParallelism(), loadBefore: load, loadAfter: os.loadavg()[0].toFixed(1), one, two, speedup: Math.round((one.wallSeconds / two.wallSeconds) * 100) / 100 }, null, 2));
