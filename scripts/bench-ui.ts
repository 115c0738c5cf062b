/**
 * Does the UI keep up while a run trains at full speed? Drives the real, built UI in Debian's Chromium through
 * `lab serve` (as the end-to-end test does), trains bn3-fold for 20,000 steps on names.txt, and prints one JSON
 * object:
 *   longestTaskMs       the longest main-thread task on the page while training (Long Tasks API; goal ≤ 50)
 *   longTasks           how many tasks took > 50 ms
 *   blockedMs           total time beyond 50 ms of every long task (Lighthouse's "total blocking time")
 *   firstLossMs         Start click → the first loss value on screen (goal ≤ 1000)
 *   slowestInputMs      the slowest click → next paint while training (Event Timing API), over tab switches
 *   steps, wallSeconds  what the run did
 *   longestTaskCpuMs    with --cpu or --trace: the page's tasks' CPU time (thread time, from a Chromium trace of the
 *   tasksOver50CpuMs    run); on a shared machine a task's wall time also counts the time it waited for a core
 *   tasksOver30CpuMs    (the margin aimed for), topTasksCpuMs the five longest tasks' CPU times
 *
 *   npm run build && npm run bench:ui [-- --steps N --data FILE --view train|inspect|hidden --cpu --trace trace.json
 *                                         --renderer DIR]
 * `--renderer` serves another build of the UI (e.g. a copy of an earlier `out/renderer`), to compare builds
 * alternately under the same load.
 * The numbers depend on the machine and what else runs on it: report them with the machine's load.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../electron/serve/index.js';

// Callbacks passed to page.evaluate / waitForFunction run in the page: they use `globalThis as any` for the
// page's globals because this file is type-checked against Node's library, without the DOM's types.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const steps = Number(flag('--steps', '20000'));
const data = path.resolve(flag('--data', path.join(repo, '../shared/data/names.txt')));
const view = flag('--view', 'train');
/** Where to write a Chromium performance trace of the run (open it in DevTools' Performance panel). */
const traceFile = flag('--trace', '');
/** Also measure each task's CPU time (a light trace): on a shared machine a task's wall time includes waiting for a core. */
const measureCpu = args.includes('--cpu') || traceFile !== '';
/** What DevTools' Performance panel records: tasks, script, style/layout/paint, and JavaScript samples. */
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8.execute',
  'blink.user_timing',
  'disabled-by-default-v8.cpu_profiler',
];
const renderer = path.resolve(flag('--renderer', path.join(repo, 'out/renderer')));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

for (const [what, p] of [['built UI (npm run build)', path.join(renderer, 'index.html')], ['Chromium', chromiumPath], ['words file', data]]) {
  if (!existsSync(p)) {
    console.error(`bench:ui: no ${what} at ${p}`);
    process.exit(2);
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lab-bench-ui-'));
const server = await startServer({ port: 0, dataDir, rendererDir: renderer, log: () => {} });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const byTestId = (id: string) => page.getByTestId(id);
  await page.goto(server.url);
  await byTestId('app-mode').waitFor({ timeout: 20_000 });
  await byTestId('dataset-file-input').setInputFiles(data);
  await page.waitForFunction(() => /\d/.test((globalThis as any).document.querySelector('[data-testid="dataset-word-count"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await byTestId('tab-presets').click();
  await byTestId('preset-use-bn3-fold').click();
  await byTestId('field-train-steps').fill(String(steps));
  await byTestId('tab-train').click();

  // Observers first, so the whole run is covered.
  await page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the page's globals (this file is type-checked without the DOM library)
    const w = globalThis as any;
    w.__bench = { tasks: [], inputs: [] };
    new w.PerformanceObserver((list: { getEntries(): { name: string; duration: number }[] }) => {
      for (const e of list.getEntries()) w.__bench.tasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
    new w.PerformanceObserver((list: { getEntries(): { name: string; duration: number }[] }) => {
      for (const e of list.getEntries()) if (e.name === 'click' || e.name === 'pointerup' || e.name === 'keydown') w.__bench.inputs.push(e.duration);
    }).observe({ type: 'event', buffered: false, durationThreshold: 16 });
  });

  const cdp = measureCpu ? await page.context().newCDPSession(page) : null;
  const traceEvents: TraceEvent[] = [];
  if (cdp) {
    cdp.on('Tracing.dataCollected', (e) => traceEvents.push(...(e.value as unknown as TraceEvent[])));
    const categories = traceFile ? TRACE_CATEGORIES : TRACE_CATEGORIES.slice(0, 2);
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: categories }, transferMode: 'ReportEvents' });
  }

  const t0 = Date.now();
  await byTestId('train-start').click();
  await page.waitForFunction(() => /\d/.test((globalThis as any).document.querySelector('[data-testid="train-loss"]')?.textContent ?? ''), null, { timeout: 60_000, polling: 'raf' });
  const firstLossMs = Date.now() - t0;

  // While it trains: move between views now and then, as a user would (input-to-paint is measured on these).
  const tabs = view === 'inspect' ? ['tab-inspect'] : view === 'hidden' ? ['tab-runs'] : ['tab-train'];
  for (const t of tabs) await byTestId(t).click();
  let k = 0;
  const cycle = ['tab-inspect', 'tab-train', 'tab-runs', ...tabs];
  while (!(await isDone(page))) {
    await page.waitForTimeout(1500);
    await byTestId(cycle[k++ % cycle.length]).click();
  }
  const wallSeconds = (Date.now() - t0) / 1000;
  if (cdp) {
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await done;
    if (traceFile) writeFileSync(traceFile, JSON.stringify({ traceEvents }));
  }
  const cpu = cdp ? taskCpuTimes(traceEvents) : null;
  const measured: { tasks: number[]; inputs: number[] } = await page.evaluate(() => (globalThis as any).__bench);
  const longTasks = measured.tasks.filter((d) => d > 50);
  console.log(
    JSON.stringify({
      steps,
      wallSeconds: round(wallSeconds),
      firstLossMs,
      longestTaskMs: round(Math.max(0, ...measured.tasks)),
      longTasks: longTasks.length,
      blockedMs: round(longTasks.reduce((s, d) => s + d - 50, 0)),
      slowestInputMs: round(Math.max(0, ...measured.inputs)),
      inputsMeasured: measured.inputs.length,
      ...(cpu && {
        longestTaskCpuMs: round(Math.max(0, ...cpu)),
        tasksOver50CpuMs: cpu.filter((d) => d > 50).length,
        tasksOver30CpuMs: cpu.filter((d) => d > 30).length,
        topTasksCpuMs: [...cpu].sort((a, b) => b - a).slice(0, 5).map(round),
      }),
      view,
      load: os.loadavg().map(round),
    }),
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** CPU time (ms) of each task on the page's main thread, from the trace's RunTask events (`tdur`: thread time). */
function taskCpuTimes(events: TraceEvent[]): number[] {
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`));
  const byThread = new Map<string, number[]>();
  for (const e of events) {
    const thread = `${e.pid}/${e.tid}`;
    if (e.ph !== 'X' || e.name !== 'RunTask' || !mains.has(thread) || e.tdur === undefined) continue;
    if (!byThread.has(thread)) byThread.set(thread, []);
    byThread.get(thread)!.push(e.tdur / 1000);
  }
  // The page under test is the renderer that ran the most tasks.
  return [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** Whether the run finished (the Train view's status says so), whichever view is showing. */
async function isDone(page: import('playwright-core').Page): Promise<boolean> {
  return page.evaluate(() => /completed|failed|stopped/.test((globalThis as any).document.querySelector('[data-testid="train-status"]')?.textContent ?? ''));
}


function round(v: number): number {
  return Math.round(v * 10) / 10;
}
