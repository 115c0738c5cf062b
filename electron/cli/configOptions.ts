/**
 * `--preset ID | --config FILE` plus `--set PATH=VALUE …`: the configuration a command trains, built and
 * checked before anything is written. Every problem is one LabError line naming the file, flag or path.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../engine/errors.js';
import type { ExperimentConfig } from '../engine/model/config.js';
import { applyAssignments, parseAssignment, type Assignment } from '../engine/model/configPath.js';
import { experimentConfigSchema } from '../shared/schemas.js';
import { allPresets } from './userPresets.js';

/** The option declarations every configurable command shares (spread into its `options`). */
export const CONFIG_OPTIONS = {
  preset: { type: 'string' },
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
} as const;

export const CONFIG_HELP = [
  '--preset ID         a built-in preset or one saved in the app (see lab presets)',
  '--config FILE       an ExperimentConfig JSON file (e.g. from lab presets --show ID --json)',
  '--set PATH=VALUE    change one field, e.g. train.batchSize=64, model.hidden.*.weightInit.gain=5/3 (repeatable)',
  '--data-dir DIR      the app\'s data folder, for its saved presets (default: the desktop app\'s and serve\'s)',
];

/** zod's verdict on a whole configuration as one line: the first problem, with its dotted field path. */
export function configProblem(config: unknown): { path: string; message: string } | null {
  const r = experimentConfigSchema.safeParse(config);
  if (r.success) return null;
  const issue = r.error.issues[0];
  return { path: issue.path.map(String).join('.') || '(the configuration)', message: issue.message };
}

/**
 * Whether an assignment's path (with `*`) and a refused field lie on one branch: the assignment set the field,
 * something inside it, or (changing an init's `kind`) the object around it.
 */
function pathCovers(pattern: string, field: string): boolean {
  const p = pattern.split('.');
  const f = field.split('.');
  return p.slice(0, f.length).every((s, i) => s === '*' || s === f[i]);
}

/** Checks a configuration, naming the --set or --vary that caused a refusal where one did. */
export function validateConfig(config: unknown, where: string, assignments: readonly Assignment[] = []): ExperimentConfig {
  const problem = configProblem(config);
  if (!problem) return config as ExperimentConfig;
  const culprit = [...assignments].reverse().find((a) => pathCovers(a.path, problem.path));
  if (culprit) {
    const field = problem.path === culprit.path ? '' : `${problem.path}: `;
    throw new LabError('CONFIG', `${culprit.path}: ${JSON.stringify(culprit.value)} is refused (${field}${problem.message})`);
  }
  throw new LabError('CONFIG', `${where}: ${problem.path}: ${problem.message}`);
}

export async function readConfigFile(file: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new LabError('CONFIG', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError('CONFIG', `${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`, { file });
  }
  // `lab presets --show ID --json` prints the whole preset; its `config` is the configuration.
  if (raw && typeof raw === 'object' && 'config' in raw && !('model' in raw)) raw = (raw as { config: unknown }).config;
  return validateConfig(raw, file);
}

export interface ConfigSource {
  /** Preset id or config file, for names and messages. */
  label: string;
  config: ExperimentConfig;
}

/** Exactly one of --preset / --config (or `fallback` preset when neither is given and one is allowed). */
export async function loadBaseConfig(
  command: string,
  values: { preset?: string; config?: string; 'data-dir'?: string },
  fallback?: string,
): Promise<ConfigSource> {
  if (values.preset !== undefined && values.config !== undefined) {
    throw new LabError('ARGUMENT', `${command}: give --preset or --config, not both`);
  }
  if (values.config !== undefined) {
    const file = path.resolve(values.config);
    return { label: path.basename(file, '.json'), config: await readConfigFile(file) };
  }
  const id = values.preset ?? fallback;
  if (id === undefined) throw new LabError('ARGUMENT', `${command}: --preset or --config is required (see 'lab ${command} --help')`);
  const presets = await allPresets(values['data-dir']);
  const preset = presets.find((p) => p.id === id);
  if (!preset) throw new LabError('ARGUMENT', `${command}: unknown preset '${id}' (one of ${presets.map((p) => p.id).join(', ')})`);
  return { label: preset.id, config: structuredClone(preset.config) };
}

export function parseSets(sets: readonly string[] | undefined): Assignment[] {
  return (sets ?? []).map((s) => parseAssignment(s, '--set'));
}

/** The base configuration with every --set applied and the result checked against the schema. */
export async function resolveConfig(
  command: string,
  values: { preset?: string; config?: string; set?: string[]; 'data-dir'?: string },
  fallback?: string,
): Promise<ConfigSource & { sets: Assignment[] }> {
  const base = await loadBaseConfig(command, values, fallback);
  const sets = parseSets(values.set);
  const config = validateConfig(applyAssignments(base.config, sets), base.label, sets);
  return { ...base, config, sets };
}
