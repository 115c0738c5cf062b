/**
 * Chart.js set-up shared by every chart: registration, theme colours read from the CSS variables (so light
 * and dark follow the OS), and a small `guides` plugin drawing vertical lines (learning-rate changes) and
 * horizontal lines (the 1e-3 update:data guide) without pulling in the annotation plugin.
 */
import { Chart, registerables, type ChartDataset, type ChartOptions, type Plugin } from 'chart.js';
import { getMaximumSize, retinaScale } from 'chart.js/helpers';
import type { Point } from './bucketedSeries.js';

Chart.register(...registerables);

export interface GuideOptions {
  /** x positions of vertical lines, with labels. */
  x?: { value: number; label: string }[];
  /** y positions of horizontal lines, with labels. */
  y?: { value: number; label: string }[];
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends import('chart.js').ChartType> {
    guides?: GuideOptions;
  }
}

/** The guides' colour, read once per theme (see `palette`). */
let warnColor: string | null = null;

const guidesPlugin: Plugin = {
  id: 'guides',
  afterDatasetsDraw(chart, _args, options: GuideOptions) {
    const { ctx, chartArea, scales } = chart;
    const xScale = scales.x;
    const yScale = scales.y;
    if (!xScale || !yScale) return;
    ctx.save();
    warnColor ??= cssVar('--warn', '#b9770e');
    ctx.strokeStyle = warnColor;
    ctx.fillStyle = warnColor;
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1;
    ctx.font = '11px system-ui, sans-serif';
    for (const g of options.x ?? []) {
      const px = xScale.getPixelForValue(g.value);
      if (px < chartArea.left || px > chartArea.right) continue;
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.fillText(g.label, px + 4, chartArea.top + 12);
    }
    for (const g of options.y ?? []) {
      const py = yScale.getPixelForValue(g.value);
      if (py < chartArea.top || py > chartArea.bottom) continue;
      ctx.beginPath();
      ctx.moveTo(chartArea.left, py);
      ctx.lineTo(chartArea.right, py);
      ctx.stroke();
      ctx.fillText(g.label, chartArea.left + 4, py - 4);
    }
    ctx.restore();
  },
};
Chart.register(guidesPlugin);

export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * Series colours in order (theme-aware). Read once per theme: each read of a CSS variable is a getComputedStyle,
 * which forces a style recalculation when the page has pending changes — in the middle of a chart update.
 */
let paletteCache: string[] | null = null;
export function palette(): string[] {
  paletteCache ??= ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--danger', '--ok'].map((v, i) =>
    cssVar(v, ['#2f6fdb', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#1e8449'][i]),
  );
  return paletteCache;
}

/** Applies the theme to Chart.js defaults; called at start-up and when the OS switches light/dark. */
export function applyChartTheme(): void {
  paletteCache = null;
  warnColor = null;
  Chart.defaults.color = cssVar('--muted', '#5c6370');
  Chart.defaults.borderColor = cssVar('--chart-grid', 'rgba(0,0,0,0.08)');
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

/** Makes `color` translucent (for fills and raw-value lines under a smoothed line). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return color;
  const n = parseInt(hex[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * Sizes `canvas` as Chart.js will (its container's size times the device pixel ratio) and makes the browser
 * allocate its bitmap now. Measured in Chromium, that first allocation is ~10 ms of a chart's construction; done
 * in the frame before `new Chart`, each of the two is a shorter task. Chart.js then finds the canvas at the right
 * size: setting the same size again keeps the bitmap.
 */
export function prepareCanvas(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const size = getMaximumSize(canvas);
  // retinaScale sizes the canvas and its style the way Chart.js's own resize does (it takes the chart's fields).
  const sized = { canvas, ctx, width: size.width, height: size.height, currentDevicePixelRatio: undefined as number | undefined };
  retinaScale(sized as unknown as Chart, window.devicePixelRatio || 1, true);
  ctx.clearRect(0, 0, 1, 1); // the first drawing call is what allocates the bitmap
}

/**
 * Rebuilding a chart in stages, one per animation frame, so each stays a short task: first the stale chart goes and
 * the canvas is sized (prepareCanvas), then the new chart is built; the frame after that draws the data. The
 * caller calls `advance` once per frame while its chart is missing or stale, and schedules another frame.
 */
export class ChartRebuild {
  /** Whether the canvas was sized for the next build (the frame before it). */
  private canvasSized = false;

  advance(canvas: HTMLCanvasElement, discard: () => void, build: () => void): void {
    if (!this.canvasSized) {
      discard();
      prepareCanvas(canvas);
      this.canvasSized = true;
    } else {
      build();
      this.canvasSized = false;
    }
  }
}

/**
 * A line chart of a quantity over training steps. The points are already {x, y} objects in step order, so
 * Chart.js's parsing is off and `normalized` lets it skip sorting — what keeps long live runs cheap to redraw.
 */
export function stepLineChart(
  canvas: HTMLCanvasElement,
  datasets: ChartDataset<'line', Point[]>[],
  yTitle: string,
  plugins: ChartOptions<'line'>['plugins'],
  /** Pointer handling (interaction mode, onHover), set at construction so Chart.js resolves it. */
  pointer: Pick<ChartOptions<'line'>, 'interaction' | 'onHover'> = {},
): Chart<'line', Point[]> {
  return new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      ...pointer,
      parsing: false,
      normalized: true,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'step' } },
        y: { type: 'linear', title: { display: true, text: yTitle } },
      },
      plugins,
    },
  });
}

/** Triggers a download of `data` (a data: URL or a Blob) as `filename`; works in Electron and browsers. */
export function download(filename: string, data: string | Blob): void {
  const url = typeof data === 'string' ? data : URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (typeof data !== 'string') setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The chart as a PNG data URL on the panel colour (a bare canvas is transparent: unreadable outside the app's theme). */
export function chartPng(chart: Chart): string {
  const src = chart.canvas;
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height;
  const ctx = out.getContext('2d');
  if (!ctx) return chart.toBase64Image('image/png');
  ctx.fillStyle = cssVar('--panel', '#ffffff');
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(src, 0, 0);
  return out.toDataURL('image/png');
}

export { Chart };
