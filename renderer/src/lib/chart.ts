/**
 * What every chart shares, on uPlot (a small library made for fast time series: a redraw of a few thousand points
 * is a few milliseconds of script, where Chart.js spent 10–20 ms resolving options and laying out on each update):
 * themed axes, the common options (no drag-zoom, a legend of names), marker shapes for series drawn as points only,
 * the chart's life in its frame (`ChartHost`), and PNG export.
 */
import uPlot from 'uplot';
import { chartColors, cssVar, onThemeChange, themeGeneration } from './chartTheme.js';
import { chartFrames } from './frameScheduler.js';
import { logRange, logSplits } from './logAxis.js';

const FONT = '11px system-ui, sans-serif';
const LABEL_FONT = '12px system-ui, sans-serif';

/** An axis in the theme's colours with a title (`label`); `extra` overrides any field. */
export function themedAxis(label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const c = chartColors();
  return {
    label,
    stroke: c.text,
    font: FONT,
    labelFont: LABEL_FONT,
    labelSize: 22,
    grid: { stroke: c.grid, width: 1 },
    ticks: { stroke: c.grid, width: 1, size: 4 },
    ...extra,
  };
}

/**
 * The options every chart starts from. `live`: whether the legend shows the values under the pointer (the loss
 * chart has its own readout line instead). The pointer draws a vertical line only, and dragging does not zoom:
 * the loss chart's x-axis is the run's planned steps, not something a stray drag should change.
 */
export function chartOptions(parts: {
  series: uPlot.Series[];
  axes: uPlot.Axis[];
  scales: uPlot.Scales;
  live?: boolean;
  hooks?: uPlot.Hooks.Arrays;
}): Omit<uPlot.Options, 'width' | 'height'> {
  return {
    series: parts.series,
    axes: parts.axes,
    scales: parts.scales,
    hooks: parts.hooks,
    legend: { live: parts.live ?? true },
    cursor: { x: true, y: false, points: { show: false }, drag: { x: false, y: false, setScale: false } },
    padding: [12, 16, 0, 0],
  };
}

/**
 * A scale's range from its data (x spans the data, y is padded as uPlot pads, a log scale as in logAxis.ts), and a
 * range also when there is no data yet: uPlot hides an axis without one (see `placeholderData`).
 */
export function dataRange(axis: 'x' | 'y', log = false): uPlot.Range.Function {
  return (_u, min, max) => {
    if (log) return logRange(min, max);
    if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
    if (min === max) return [min - 1, max + 1];
    return axis === 'x' ? [min, max] : uPlot.rangeNum(min, max, 0.1, true);
  };
}

/** What an axis on a log scale needs: ticks that label a range under a decade (see logAxis.ts), all of them shown. */
export const logAxis: Partial<uPlot.Axis> = {
  splits: (_u, _i, min, max) => logSplits(min, max),
  filter: (_u, splits) => splits,
};

/**
 * A y range over the data that always includes `value` (e.g. the 1e-3 update:data guide, so the line the lecture
 * compares against is on screen however far the ratios are from it), padded as uPlot pads its own ranges.
 */
export function rangeIncluding(value: number): uPlot.Range.Function {
  return (_u, min, max) => {
    const lo = min === null || !Number.isFinite(min) ? value : Math.min(min, value);
    const hi = max === null || !Number.isFinite(max) ? value : Math.max(max, value);
    return lo === hi ? [lo - 1, hi + 1] : uPlot.rangeNum(lo, hi, 0.1, true);
  };
}

/** The x series (column 0) of a chart, named for the live legend. */
export function xSeries(label: string, format?: (value: number) => string): uPlot.Series {
  return { label, value: (_u, v) => (v === null || v === undefined ? '—' : format ? format(v) : uPlot.fmtNum(v)) };
}

/** A value in a live legend: three significant digits, in exponent form when very large or small. */
export function shortNumber(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(3));
}

/** A y series' value in a live legend ("—" where the series has none under the pointer). */
export function legendValue(_u: uPlot, v: number | null): string {
  return v === null || v === undefined ? '—' : shortNumber(v);
}

export type MarkerShape = 'triangle' | 'diamond';

/**
 * Points only (no line), drawn as `shape`: for values that must not be read as part of a curve (the full-split
 * evaluations beside the minibatch loss). Hollow markers are stroked only; filled ones are filled too.
 */
export function markerSeries(label: string, color: string, shape: MarkerShape, filled: boolean, size = 11): uPlot.Series {
  return {
    label,
    stroke: color,
    fill: filled ? color : undefined,
    paths: () => null,
    points: { show: true, size, width: 2, stroke: color, fill: filled ? color : chartColors().panel, paths: markerPaths(shape, size, filled) },
  };
}

function markerPaths(shape: MarkerShape, size: number, filled: boolean): uPlot.Series.Points.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const path = new Path2D();
    const xs = u.data[0];
    const ys = u.data[seriesIdx];
    const scale = u.series[seriesIdx].scale ?? 'y';
    const r = (size / 2) * (window.devicePixelRatio || 1);
    for (let i = idx0; i <= idx1; i++) {
      const y = ys[i];
      if (y === null || y === undefined) continue;
      const px = u.valToPos(xs[i], 'x', true);
      const py = u.valToPos(y, scale, true);
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      if (shape === 'triangle') {
        path.moveTo(px, py - r);
        path.lineTo(px + r * 0.9, py + r * 0.6);
        path.lineTo(px - r * 0.9, py + r * 0.6);
      } else {
        path.moveTo(px, py - r);
        path.lineTo(px + r * 0.75, py);
        path.lineTo(px, py + r);
        path.lineTo(px - r * 0.75, py);
      }
      path.closePath();
    }
    return { stroke: path, fill: filled ? path : null };
  };
}

/**
 * A line series, 1 px wide (no point markers, which uPlot would otherwise draw while a line has few points). `bold`
 * makes it read as 2 px (see `boldLinear`).
 *
 * Why 1 px: without a GPU (the 2-core machine the UI is benchmarked on), Chromium rasterizes a canvas in software,
 * where Skia strokes a 1-px line on its hairline fast path and anything wider as a filled polygon. Measured
 * (scratch page, uPlot, 1,180×280 canvas, two lines of 1,600 points): 0.7–0.9 ms to rasterize with both lines
 * 1 px wide, 9–24 ms with one of them 2 px (1.5 px: 15–42 ms). That raster runs in the page's main thread when the
 * frame commits, so it was most of a redraw's task.
 */
export function lineSeries(label: string, color: string, extra: Partial<uPlot.Series> & { bold?: boolean } = {}): uPlot.Series {
  const { bold, ...rest } = extra;
  return { label, stroke: color, width: 1, spanGaps: true, points: { show: false }, value: legendValue, ...(bold ? { paths: boldLinear() } : {}), ...rest };
}

/**
 * uPlot's straight-line path, stroked three times: as drawn, one device pixel lower and one to the right. Three
 * hairlines (1.1 ms of raster for 1,600 points in the measurement above, against 9–24 ms for one 2-px stroke) that
 * read as a line twice as thick, whatever its slope.
 */
function boldLinear(): uPlot.Series.PathBuilder {
  const linear = uPlot.paths.linear!();
  return (u, seriesIdx, idx0, idx1) => {
    const paths = linear(u, seriesIdx, idx0, idx1);
    if (!paths || !(paths.stroke instanceof Path2D)) return paths;
    const stroke = new Path2D(paths.stroke);
    stroke.addPath(paths.stroke, new DOMMatrix([1, 0, 0, 1, 0, 1]));
    stroke.addPath(paths.stroke, new DOMMatrix([1, 0, 0, 1, 1, 0]));
    return { ...paths, stroke };
  };
}

/**
 * A chart's life in its frame: built for a key (what its series depend on), then fed data; rebuilt when the key
 * changes or the theme switched; resized when its frame's width changes. Putting a chart on screen takes four
 * animation frames, each a shorter task: uPlot builds its elements and resolves its options (not yet in the
 * page); the canvas is sized and its bitmap allocated (in Chromium the first drawing call on a newly sized canvas,
 * ~5–10 ms in traces); the chart goes into the page and draws its empty axes (the frame's commit then rasterizes
 * and uploads the new canvas); the data is drawn. `prepare` reports 'built' for the first three: the owner asks for
 * another frame, one of its own (`alone` in frameScheduler.ts: much of a stage's cost comes when the frame commits).
 */
export class ChartHost {
  chart: uPlot | null = null;
  private builtFor = '';
  private width = 0;
  private height = 0;
  /** The stages left between the build and the chart drawn in the page, one per frame. */
  private stages: (() => void)[] = [];

  /**
   * 'ready': the chart is there for `key` at this size (set its data now). 'built': a stage of putting it on screen
   * ran (call again next frame). 'waiting': no frame or no width yet (hidden, or not laid out: the owner's width
   * effect calls again).
   */
  prepare(host: HTMLElement | undefined, key: string, width: number, height: number, options: () => Omit<uPlot.Options, 'width' | 'height'>): 'ready' | 'built' | 'waiting' {
    if (!host || width <= 0) return 'waiting';
    const wanted = `${key}#${themeGeneration()}`;
    if (!this.chart || wanted !== this.builtFor) {
      this.destroy();
      const opts = options();
      this.chart = new uPlot({ ...opts, width, height }, placeholderData(opts.series.length), (u, init) => {
        this.stages = [
          // The canvas at the size uPlot will give it, and its bitmap allocated by a first drawing call; uPlot
          // then sets the same size, which keeps the bitmap.
          () => {
            const ratio = window.devicePixelRatio || 1;
            u.ctx.canvas.width = Math.round(width * ratio);
            u.ctx.canvas.height = Math.round(height * ratio);
            u.ctx.clearRect(0, 0, 1, 1);
          },
          () => {
            host.append(u.root);
            // Drawn now rather than in uPlot's microtask: the frame scheduler times the job with its drawing.
            u.batch(() => (init as () => void)());
          },
        ];
      });
      this.builtFor = wanted;
      this.width = width;
      this.height = height;
      return 'built';
    }
    const stage = this.stages.shift();
    if (stage) {
      stage();
      if (!this.stages.length && (width !== this.width || height !== this.height)) this.resize(width, height);
      return 'built';
    }
    if (width !== this.width || height !== this.height) this.resize(width, height);
    return 'ready';
  }

  private resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.chart!.setSize({ width, height });
  }

  /** Draws `data` now (uPlot would draw in a microtask, after the frame scheduler has timed the job). */
  draw(data: uPlot.AlignedData): void {
    const chart = this.chart!;
    chart.batch(() => chart.setData(data));
  }

  /** The plotting area's width in CSS pixels (what bounds the points worth drawing). */
  plotWidth(): number {
    if (!this.chart) return 0;
    return this.chart.bbox.width / (window.devicePixelRatio || 1);
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
    this.stages = [];
    this.builtFor = '';
  }
}

/**
 * What a chart is built with before its data: one x value and no y values. Not an empty table: uPlot hides an axis
 * whose scale has no range, and showing it when the data arrives resizes the canvas (a new bitmap, the costliest
 * part of a redraw). With one x value every scale has a range from the start (each chart's range functions give
 * one when there is no data), so the first data frame only draws.
 */
function placeholderData(columns: number): uPlot.AlignedData {
  return [[0], ...Array.from({ length: columns - 1 }, () => [null])] as uPlot.AlignedData;
}

/**
 * A chart component's lifetime around its `host`: `redraw` is scheduled again (under `job`) when the theme changes.
 * Returns the teardown for onDestroy: it stops that, drops any frame of `job` still pending and destroys the chart.
 */
export function chartLifetime(job: object, host: ChartHost, redraw: () => void): () => void {
  const stopTheme = onThemeChange(() => chartFrames.schedule(job, redraw, { urgent: true }));
  return () => {
    stopTheme();
    chartFrames.cancel(job);
    host.destroy();
  };
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

/**
 * The chart as a PNG data URL: its canvas on the panel colour (a bare canvas is transparent: unreadable outside the
 * app's theme), with the legend (an HTML table in uPlot, not part of the canvas) drawn below it — each shown
 * series' colour and name.
 */
export function chartPng(u: uPlot): string {
  const src = u.ctx.canvas;
  const ratio = window.devicePixelRatio || 1;
  // uPlot keeps each series' stroke as a function of (chart, index) once built.
  const entries = u.series
    .map((s, i) => ({ s, color: typeof s.stroke === 'function' ? s.stroke(u, i) : s.stroke }))
    .filter(({ s }, i) => i > 0 && s.show !== false && typeof s.label === 'string');
  const lineHeight = Math.round(18 * ratio);
  const pad = Math.round(8 * ratio);
  const ctxProbe = document.createElement('canvas').getContext('2d');
  const font = `${Math.round(12 * ratio)}px system-ui, sans-serif`;
  // Lay the legend out in rows that fit the canvas's width.
  const rows: { label: string; color: string; x: number }[][] = [[]];
  let x = pad;
  if (ctxProbe) ctxProbe.font = font;
  for (const { s, color: stroke } of entries) {
    const label = s.label as string;
    const w = Math.round(22 * ratio) + (ctxProbe?.measureText(label).width ?? label.length * 7 * ratio) + Math.round(16 * ratio);
    if (x + w > src.width && rows[rows.length - 1].length) {
      rows.push([]);
      x = pad;
    }
    const color = typeof stroke === 'string' ? stroke : cssVar('--text', '#1d1f24');
    rows[rows.length - 1].push({ label, color, x });
    x += w;
  }
  const legendHeight = entries.length ? rows.length * lineHeight + pad : 0;
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height + legendHeight;
  const ctx = out.getContext('2d');
  if (!ctx) return src.toDataURL('image/png');
  ctx.fillStyle = chartColors().panel;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(src, 0, 0);
  ctx.font = font;
  ctx.textBaseline = 'middle';
  rows.forEach((row, r) => {
    const y = src.height + pad / 2 + r * lineHeight + lineHeight / 2;
    for (const e of row) {
      ctx.fillStyle = e.color;
      ctx.fillRect(e.x, y - 2 * ratio, 16 * ratio, 4 * ratio);
      ctx.fillStyle = cssVar('--text', '#1d1f24');
      ctx.fillText(e.label, e.x + 22 * ratio, y);
    }
  });
  return out.toDataURL('image/png');
}
