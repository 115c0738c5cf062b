/**
 * A sweep's grid: the product of every `--vary PATH=V1,V2,…`, each point a complete configuration with its own
 * run-folder name. The first varied path changes slowest (like nested loops in the order given).
 */
import { LabError } from '../errors.js';
import type { ExperimentConfig } from '../model/config.js';
import { setPath, type Scalar } from '../model/configPath.js';

export interface VaryAxis {
  /** The path exactly as given (results are keyed by it). */
  path: string;
  values: Scalar[];
}

export interface GridPoint {
  /** 0-based position in the grid. */
  index: number;
  /** Each varied path → its value at this point. */
  values: Record<string, Scalar>;
  config: ExperimentConfig;
  /** Folder name under the sweep folder, e.g. `02-gain-1.6667`. */
  name: string;
}

/** The most runs one sweep may ask for (a typo such as 1,2,…,1000 × 1000 should not start a million runs). */
export const MAX_GRID = 1000;

/** The short name a path goes by in folder names: its last segment that is neither `*` nor an index. */
export function axisLabel(path: string): string {
  const named = path.split('.').filter((s) => s !== '*' && !/^\d+$/.test(s));
  return named[named.length - 1] ?? path;
}

function valueLabel(v: Scalar): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  return String(v);
}

/** A run-folder name that is also a valid run id (letters, digits, `.`, `_`, `-`). */
export function pointName(index: number, total: number, values: Record<string, Scalar>): string {
  const digits = String(Math.max(total, 1)).length;
  const parts = Object.entries(values).map(([p, v]) => `${axisLabel(p)}-${valueLabel(v)}`);
  const slug = parts.join('_').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 100);
  return `${String(index + 1).padStart(Math.max(2, digits), '0')}-${slug}`;
}

/**
 * Every grid point, in order. `validate` checks (and may normalise) each point's configuration; it throws a
 * LabError naming the point when the schema refuses one, so nothing starts unless every point is valid.
 */
export function expandGrid(
  base: ExperimentConfig,
  axes: readonly VaryAxis[],
  validate: (config: ExperimentConfig, values: Record<string, Scalar>) => ExperimentConfig = (c) => c,
): GridPoint[] {
  if (axes.length === 0) throw new LabError('ARGUMENT', 'sweep: give at least one --vary PATH=V1,V2,…');
  const paths = new Set<string>();
  for (const a of axes) {
    if (paths.has(a.path)) throw new LabError('ARGUMENT', `--vary ${a.path}: given twice; list all its values in one --vary`);
    paths.add(a.path);
  }
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_GRID) throw new LabError('ARGUMENT', `sweep: the grid has ${total} runs; at most ${MAX_GRID}`);
  const points: GridPoint[] = [];
  for (let index = 0; index < total; index++) {
    // Mixed-radix digits of `index`, the last axis varying fastest.
    const values: Record<string, Scalar> = {};
    let rest = index;
    const picks: Scalar[] = new Array(axes.length);
    for (let a = axes.length - 1; a >= 0; a--) {
      picks[a] = axes[a].values[rest % axes[a].values.length];
      rest = Math.floor(rest / axes[a].values.length);
    }
    let config = base;
    axes.forEach((a, k) => {
      values[a.path] = picks[k];
      config = setPath(config, a.path, picks[k]);
    });
    points.push({ index, values, config: validate(config, values), name: pointName(index, total, values) });
  }
  return points;
}
