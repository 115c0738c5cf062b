/**
 * Dotted paths into an experiment configuration, for `--set PATH=VALUE` and `--vary PATH=V1,V2,…`:
 * `train.learningRate.initial`, `model.hidden.0.size`, `model.hidden.*.weightInit.gain` (`*` = every element
 * of an array).
 *
 * Only existing scalar fields can be set, and only to a value of the same JSON type: a path that names nothing,
 * an object, or a value of another type is refused with a LabError naming the path. Whether the resulting
 * configuration is *valid* (a positive batch size, a known init kind) is the schema's job, checked by the caller
 * on the whole configuration afterwards.
 */
import { LabError } from '../errors.js';

export type Scalar = number | boolean | string | null;

export interface Assignment {
  /** The path exactly as the user wrote it (keys of sweep results use it unchanged). */
  path: string;
  value: Scalar;
}

/** A fraction such as `5/3` (the tanh gain) is accepted wherever a number is. */
const FRACTION = /^\s*(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * Reads one VALUE: a JSON scalar (`0.1`, `true`, `"relu"`, `null`), a fraction (`5/3`), or a bare word taken
 * as a string (`relu`), so shells need no nested quoting.
 */
export function parseScalar(text: string, label: string): Scalar {
  const t = text.trim();
  if (t === '') throw new LabError('ARGUMENT', `${label}: missing value`);
  const fraction = FRACTION.exec(t);
  if (fraction) {
    const value = Number(fraction[1]) / Number(fraction[2]);
    if (!Number.isFinite(value)) throw new LabError('ARGUMENT', `${label}: ${t} is not a finite number`);
    return value;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    // Not JSON: a number-looking word is a typo (`1e`, `0..1`), anything else a bare string.
    if (/^[-+.\d]/.test(t)) throw new LabError('ARGUMENT', `${label}: '${t}' is not a number`);
    return t;
  }
  if (parsed !== null && typeof parsed === 'object') throw new LabError('ARGUMENT', `${label}: the value must be a number, true/false or a string`);
  return parsed as Scalar;
}

/** Splits `PATH=VALUE` at the first `=`. */
export function parseAssignment(text: string, flag = '--set'): Assignment {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new LabError('ARGUMENT', `${flag} ${text}: expected PATH=VALUE`);
  const path = text.slice(0, eq).trim();
  return { path, value: parseScalar(text.slice(eq + 1), `${flag} ${path}`) };
}

/** Splits `PATH=V1,V2,…` into the path and its values (at least one; duplicates refused). */
export function parseVary(text: string): { path: string; values: Scalar[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new LabError('ARGUMENT', `--vary ${text}: expected PATH=V1,V2,…`);
  const path = text.slice(0, eq).trim();
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => parseScalar(v, `--vary ${path}`));
  const seen = new Set(values.map((v) => JSON.stringify(v)));
  if (seen.size !== values.length) throw new LabError('ARGUMENT', `--vary ${path}: a value is listed twice`);
  return { path, values };
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * Every concrete location a path names, as [container, key] pairs: one per array element where the path has
 * `*`. Throws when a segment does not exist.
 */
function resolve(root: unknown, path: string): [Container, string | number][] {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) throw new LabError('CONFIG', `${path}: not a path (empty segment)`);
  let frontier: unknown[] = [root];
  const where: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    const here = where.length ? where.join('.') : 'the configuration';
    const next: [Container, string | number][] = [];
    for (const node of frontier) {
      if (Array.isArray(node)) {
        if (segment === '*') {
          if (node.length === 0) throw new LabError('CONFIG', `${path}: ${here} is an empty list, * matches nothing`);
          node.forEach((_, k) => next.push([node, k]));
        } else if (/^\d+$/.test(segment) && Number(segment) < node.length) {
          next.push([node, Number(segment)]);
        } else {
          throw new LabError('CONFIG', `${path}: ${here} is a list of ${node.length}; '${segment}' is not an index 0…${node.length - 1} or *`);
        }
      } else if (isContainer(node)) {
        if (!Object.prototype.hasOwnProperty.call(node, segment)) {
          throw new LabError('CONFIG', `${path}: ${here} has no field '${segment}' (fields: ${Object.keys(node).join(', ')})`);
        }
        next.push([node, segment]);
      } else {
        throw new LabError('CONFIG', `${path}: ${here} is ${typeName(node)}, it has no field '${segment}'`);
      }
    }
    where.push(segment);
    if (last) return next;
    frontier = next.map(([c, k]) => (c as Record<string | number, unknown>)[k]);
  }
  return [];
}

/** The values a path names (one per `*` match), for reading a sweep's grid back. */
export function getPath(config: unknown, path: string): unknown[] {
  return resolve(config, path).map(([c, k]) => (c as Record<string | number, unknown>)[k]);
}

/**
 * A copy of `config` with `value` at every location `path` names. The field must exist and hold a scalar of
 * the same JSON type (a nullable string field such as `preset` takes a string or null).
 */
export function setPath<T>(config: T, path: string, value: Scalar): T {
  const copy = structuredClone(config);
  for (const [container, key] of resolve(copy, path)) {
    const current = (container as Record<string | number, unknown>)[key];
    if (isContainer(current)) {
      const fields = Array.isArray(current) ? `indices 0…${current.length - 1} or *` : Object.keys(current).join(', ');
      throw new LabError('CONFIG', `${path}: is ${typeName(current)}, not a single value; set one of its fields (${fields})`);
    }
    const nullableString = current === null || typeof current === 'string';
    const fits = nullableString ? value === null || typeof value === 'string' : typeof value === typeof current && value !== null;
    if (!fits) throw new LabError('CONFIG', `${path}: expects ${typeName(current)}, got ${typeName(value)} (${JSON.stringify(value)})`);
    (container as Record<string | number, unknown>)[key] = value;
  }
  return copy;
}

/** Applies assignments in order (a later one wins where two name the same field). */
export function applyAssignments<T>(config: T, assignments: readonly Assignment[]): T {
  return assignments.reduce((c, a) => setPath(c, a.path, a.value), config);
}
