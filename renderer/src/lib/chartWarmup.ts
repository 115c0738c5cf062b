/**
 * The first chart the page builds is the slowest: V8 compiles uPlot's code (options, scales, axes, the path
 * builders, drawing) on first use, and the canvas font caches are cold. Measured in Chromium (scratch page, uPlot,
 * 1,180×280 canvas): building the first chart took 10.6 ms and its first 1,600-point draw 18 ms, later ones 1–5 ms
 * and 1–3 ms. So, while the page is idle after start-up (long before any Start), one throwaway chart of the kind
 * the app draws (log axis, a bold and a faint line, markers, a guide line) is built off-screen through the same
 * stages as a real one, drawn, and destroyed — each step in its own idle callback, so the warm-up is no long task
 * either.
 */
import type uPlot from 'uplot';
import { ChartHost, chartOptions, dataRange, lineSeries, logAxis, markerSeries, themedAxis, xSeries } from './chart.js';
import { chartColors, fade, palette } from './chartTheme.js';
import { drawGuides } from './chartGuides.js';
import { alignPoints } from './alignedData.js';

type Idle = (fn: () => void) => void;

const whenIdle: Idle = (fn) => {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => fn(), { timeout: 2000 });
  else setTimeout(fn, 200);
};

/** Runs `steps` one per idle callback, in order (exported for tests, with a hand-driven `idle`). */
export function runWhenIdle(steps: (() => void)[], idle: Idle = whenIdle): void {
  const next = (i: number) => {
    if (i < steps.length)
      idle(() => {
        steps[i]();
        next(i + 1);
      });
  };
  next(0);
}

/** Builds, draws and destroys one off-screen chart while the page is idle (see above). */
export function warmChartsWhenIdle(): void {
  if (typeof document === 'undefined') return;
  const holder = document.createElement('div');
  holder.setAttribute('aria-hidden', 'true');
  holder.style.cssText = 'position:fixed;left:-10000px;top:0;width:480px;pointer-events:none';
  const host = new ChartHost();
  const c = palette()[0];
  const options = (): Omit<uPlot.Options, 'width' | 'height'> =>
    chartOptions({
      series: [xSeries('step'), lineSeries('raw', fade(c, 0.3)), lineSeries('smoothed', c, { bold: true }), markerSeries('train', c, 'triangle', false), markerSeries('dev', c, 'diamond', true)],
      axes: [themedAxis('step', { size: 32 }), themedAxis('loss', { size: 56, ...logAxis })],
      scales: { x: { time: false, range: dataRange('x') }, y: { distr: 3, log: 10, range: dataRange('y', true) } },
      live: false,
      hooks: { draw: [(u) => drawGuides(u, { x: [{ value: 20, label: 'lr' }], y: [{ value: 2.5, label: 'floor' }] }, chartColors().warn)] },
    });
  const stage = () => void host.prepare(holder, 'warm-up', 480, 200, options);
  const points = Array.from({ length: 200 }, (_, i) => ({ x: i, y: 3 - i / 200 + (i % 7) / 50 }));
  runWhenIdle([
    () => document.body.append(holder),
    stage, // built
    stage, // canvas allocated
    stage, // in the page, empty axes drawn
    () => host.draw(alignPoints([points, points.map((p) => ({ x: p.x + 1, y: p.y - 0.05 })), points.slice(0, 3), points.slice(0, 3)]) as uPlot.AlignedData),
    () => {
      host.destroy();
      holder.remove();
    },
  ]);
}
