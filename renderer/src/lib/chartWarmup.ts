/**
 * The first chart the page builds is the slowest: V8 compiles Chart.js's code (line controller, linear and
 * logarithmic scales, legend, layout) on first use, and the canvas font caches are cold. Measured in a light trace,
 * building the loss chart at Start took ~33 ms of CPU, charts built later ~20 ms. So, while the page is idle after
 * start-up (long before any Start), one throwaway chart of the kind the app draws is built off-screen, drawn on
 * linear and log axes, and destroyed — each step in its own idle callback, so the warm-up is no long task either.
 */
import { stepLineChart, type Chart } from './chart.js';

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
  let holder: HTMLDivElement | null = null;
  let chart: Chart<'line'> | null = null;
  runWhenIdle([
    () => {
      holder = document.createElement('div');
      holder.setAttribute('aria-hidden', 'true');
      holder.style.cssText = 'position:fixed;left:-10000px;top:0;width:480px;height:240px;pointer-events:none';
      holder.append(document.createElement('canvas'));
      document.body.append(holder);
    },
    () => {
      const points = Array.from({ length: 64 }, (_, i) => ({ x: i, y: 3 - i / 32 }));
      chart = stepLineChart(
        holder!.querySelector('canvas')!,
        [
          { label: 'a', data: points, borderWidth: 1, pointRadius: 0 },
          { label: 'b', data: points.slice(0, 4), showLine: false, pointStyle: 'triangle', pointRadius: 6 },
        ],
        'loss',
        { legend: { position: 'bottom' }, tooltip: { enabled: false }, guides: { x: [{ value: 10, label: 'lr' }], y: [{ value: 2, label: 'floor' }] } },
      );
    },
    () => {
      chart!.options.scales = { x: { type: 'linear', min: 0, max: 100 }, y: { type: 'logarithmic' } };
      chart!.update('none');
    },
    () => {
      chart!.destroy();
      holder!.remove();
    },
  ]);
}
