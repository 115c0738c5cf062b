/**
 * The Sweep view's arithmetic, kept out of the components so it is testable: which configuration fields can be
 * varied (the numeric and boolean leaves, array elements collapsed to `*`), reading a comma list of values for
 * one, the grid size and time estimate, the results ordered best first, and the heatmap's colour scale.
 */
import { parseScalar } from '../../../electron/engine/model/configPath.js';
import type { SweepValue } from '../../../electron/shared/sweepTypes.js';

export interface LeafField {
  /** Dotted path (`*` = every element of the array). */
  path: string;
  kind: 'number' | 'boolean';
  /** The value(s) there now, as text (several when a `*` path names different values). */
  current: string;
}

type Leaves = Map<string, { kind: LeafField['kind']; values: unknown[] }>;

function collect(node: unknown, prefix: string, out: Leaves): void {
  if (typeof node === 'number' || typeof node === 'boolean') {
    const kind = typeof node as LeafField['kind'];
    const entry = out.get(prefix);
    if (!entry) out.set(prefix, { kind, values: [node] });
    else if (entry.kind === kind) entry.values.push(node);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const join = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (Array.isArray(node)) {
    if (node.length === 0) return;
    // `*` only for a field every element has with the same type (setPath refuses the rest).
    const perElement = node.map((el) => {
      const m: Leaves = new Map();
      collect(el, '', m);
      return m;
    });
    for (const [sub, first] of perElement[0]) {
      if (perElement.every((m) => m.get(sub)?.kind === first.kind)) {
        const key = sub ? `${join('*')}.${sub}` : join('*');
        out.set(key, { kind: first.kind, values: perElement.flatMap((m) => m.get(sub)!.values) });
      }
    }
    if (node.length > 1) node.forEach((el, k) => collect(el, join(String(k)), out));
    return;
  }
  for (const [key, value] of Object.entries(node)) collect(value, join(key), out);
}

/** Every numeric or boolean field of a configuration, in the configuration's own order. */
export function leafFields(config: unknown): LeafField[] {
  const out: Leaves = new Map();
  collect(config, '', out);
  return [...out].map(([path, { kind, values }]) => ({ path, kind, current: [...new Set(values.map(String))].join(' / ') }));
}

/** A comma list of values for one field: each a number (fractions such as 5/3 too) or true/false, no repeats. */
export function parseValueList(text: string, field: LeafField): { values: SweepValue[] } | { error: string } {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) return { error: `${field.path}: enter one or more values, separated by commas` };
  const values: SweepValue[] = [];
  for (const part of parts) {
    let v: SweepValue;
    try {
      v = parseScalar(part, field.path);
    } catch (e) {
      return { error: (e as Error).message };
    }
    if (typeof v !== field.kind) return { error: `${field.path}: '${part.trim()}' is not a ${field.kind}` };
    if (values.some((x) => x === v)) return { error: `${field.path}: ${part.trim()} is listed twice` };
    values.push(v);
  }
  return { values };
}

/** Seconds the grid should take at `stepsPerSecond` (one run at a time), or null when no speed is known. */
export function estimateSeconds(gridSize: number, steps: number, stepsPerSecond: number | null): number | null {
  if (!stepsPerSecond || stepsPerSecond <= 0 || gridSize === 0) return null;
  return (gridSize * steps) / stepsPerSecond;
}

/** Indices ordered by dev loss, lowest first; runs without one yet keep their grid order at the end. */
export function orderByDevLoss(devLosses: readonly (number | null)[]): number[] {
  return devLosses
    .map((loss, index) => ({ loss, index }))
    .sort((a, b) => (a.loss ?? Infinity) - (b.loss ?? Infinity) || a.index - b.index)
    .map((r) => r.index);
}

/**
 * The row to mark best: lowest dev loss among the completed runs. A stopped or failed run's dev loss was measured
 * after fewer steps than the others', so it says nothing about its values being better; -1 when none completed.
 */
export function bestCompletedRow(rows: readonly { dev: number | null; status: string }[]): number {
  const completed = rows.map((r) => (r.status === 'completed' ? r.dev : null));
  const first = orderByDevLoss(completed)[0];
  return first !== undefined && completed[first] !== null ? first : -1;
}

/** A heatmap cell's background: green for the lowest loss of the grid, through yellow, to red for the highest. */
export function heatColor(value: number, min: number, max: number): string {
  const t = max > min ? (value - min) / (max - min) : 0;
  return `hsl(${Math.round(120 * (1 - t))} 65% 78%)`;
}

/** How a value reads in the table and the heatmap (fractions such as 5/3 to 4 significant digits). */
export function formatValue(v: SweepValue): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return String(v);
}
