/**
 * The charts' colours, read from the CSS variables (so light and dark follow the OS) and cached: each read of a
 * CSS variable is a getComputedStyle, which forces a style recalculation when the page has pending changes — in
 * the middle of a chart update. A canvas does not follow CSS, so when the OS switches light/dark the caches are
 * dropped and every chart is told to rebuild (`onThemeChange`).
 */

export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export interface ChartColors {
  /** Axis values and titles. */
  text: string;
  grid: string;
  /** Guide lines (learning-rate changes, floors, the 1e-3 ratio). */
  warn: string;
  /** The panel behind the chart (hollow markers, PNG export background). */
  panel: string;
}

let colorsCache: ChartColors | null = null;
let paletteCache: string[] | null = null;
let generation = 0;
const listeners = new Set<() => void>();

export function chartColors(): ChartColors {
  colorsCache ??= {
    text: cssVar('--muted', '#5c6370'),
    grid: cssVar('--chart-grid', 'rgba(0,0,0,0.08)'),
    warn: cssVar('--warn', '#b9770e'),
    panel: cssVar('--panel', '#ffffff'),
  };
  return colorsCache;
}

/** Series colours in order (theme-aware). */
export function palette(): string[] {
  paletteCache ??= ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--danger', '--ok'].map((v, i) =>
    cssVar(v, ['#2f6fdb', '#e67e22', '#27ae60', '#8e44ad', '#c0392b', '#1e8449'][i]),
  );
  return paletteCache;
}

/** Counts theme switches: a chart built under an older generation has stale colours. */
export function themeGeneration(): number {
  return generation;
}

/** Called when the OS switches light/dark: colours are read again and every listening chart rebuilds. */
export function applyChartTheme(): void {
  colorsCache = null;
  paletteCache = null;
  generation++;
  for (const listener of listeners) listener();
}

/** Calls `listener` after each theme switch; returns the unsubscribe function. */
export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * `color` at `alpha` over the panel, as an opaque colour (for the raw-value line under a smoothed line): it looks
 * as a translucent stroke would on the panel, and an opaque stroke is cheaper to rasterize in software.
 */
export function fade(color: string, alpha: number): string {
  const rgb = (c: string) => {
    const hex = /^#([0-9a-f]{6})$/i.exec(c);
    if (!hex) return null;
    const n = parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  };
  const fg = rgb(color);
  const bg = rgb(chartColors().panel) ?? [255, 255, 255];
  if (!fg) return color;
  const [r, g, b] = fg.map((v, i) => Math.round(alpha * v + (1 - alpha) * bg[i]));
  return `rgb(${r}, ${g}, ${b})`;
}
