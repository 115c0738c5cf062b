/**
 * Guide lines drawn over a chart: vertical ones at steps (learning-rate changes) and horizontal ones at values
 * (the unigram-entropy floor, the 1e-3 update:data line), dashed and labelled, in the theme's warning colour. Drawn
 * in uPlot's `draw` hook, after the series, so they are part of the canvas (and of an exported PNG).
 *
 * `placeGuides` (where each line goes, which ones fall outside the plot) is pure: test/renderer/chartGuides.test.ts.
 */
import type uPlot from 'uplot';

export interface Guide {
  value: number;
  label: string;
}

export interface GuideOptions {
  /** x positions of vertical lines, with labels. */
  x?: Guide[];
  /** y positions of horizontal lines, with labels. */
  y?: Guide[];
}

/** A guide at its pixel position (canvas pixels) across the plotting area. */
export interface PlacedGuide {
  at: number;
  label: string;
}

export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Pixel positions of the guides inside `box`; a guide whose value maps outside the plotting area (or nowhere, as
 * 0 on a log axis) is left out rather than drawn over the axes.
 */
export function placeGuides(
  guides: GuideOptions,
  box: PlotBox,
  xToPx: (value: number) => number,
  yToPx: (value: number) => number,
): { vertical: PlacedGuide[]; horizontal: PlacedGuide[] } {
  const inside = (px: number, from: number, size: number) => Number.isFinite(px) && px >= from && px <= from + size;
  const vertical: PlacedGuide[] = [];
  const horizontal: PlacedGuide[] = [];
  for (const g of guides.x ?? []) {
    const at = xToPx(g.value);
    if (inside(at, box.left, box.width)) vertical.push({ at, label: g.label });
  }
  for (const g of guides.y ?? []) {
    const at = yToPx(g.value);
    if (inside(at, box.top, box.height)) horizontal.push({ at, label: g.label });
  }
  return { vertical, horizontal };
}

/** Draws `guides` on the chart's canvas (call from a `draw` hook). */
export function drawGuides(u: uPlot, guides: GuideOptions, color: string, xScale = 'x', yScale = 'y'): void {
  const box = u.bbox;
  const { vertical, horizontal } = placeGuides(
    guides,
    box,
    (v) => u.valToPos(v, xScale, true),
    (v) => u.valToPos(v, yScale, true),
  );
  if (!vertical.length && !horizontal.length) return;
  // The canvas is in device pixels (uPlot scales it by the pixel ratio): so are the dashes, widths and font.
  const ratio = window.devicePixelRatio || 1;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.setLineDash([5 * ratio, 4 * ratio]);
  ctx.lineWidth = ratio;
  ctx.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  for (const g of vertical) {
    ctx.beginPath();
    ctx.moveTo(g.at, box.top);
    ctx.lineTo(g.at, box.top + box.height);
    ctx.stroke();
    ctx.fillText(g.label, g.at + 4 * ratio, box.top + 12 * ratio);
  }
  for (const g of horizontal) {
    ctx.beginPath();
    ctx.moveTo(box.left, g.at);
    ctx.lineTo(box.left + box.width, g.at);
    ctx.stroke();
    ctx.fillText(g.label, box.left + 4 * ratio, g.at - 4 * ratio);
  }
  ctx.restore();
}
