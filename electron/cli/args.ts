/**
 * Argument parsing for the `lab` commands, on Node's own `util.parseArgs` (strict: unknown flags are errors).
 * Every problem becomes a LabError('ARGUMENT'), which main.ts prints as one line with exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { BackendChoice } from '../engine/compute/types.js';
import { LabError } from '../engine/errors.js';

export interface CommandSpec<O extends NonNullable<ParseArgsConfig['options']>> {
  name: string;
  summary: string;
  usage: string;
  /** One line per option, shown by --help. */
  help: string[];
  options: O;
}

/** Declares a command; `const` keeps each option's literal type so parsed values are typed exactly. */
export function defineCommand<const O extends NonNullable<ParseArgsConfig['options']>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

type HelpOption = { help: { type: 'boolean'; short: 'h' } };
type ParsedCommand<O> = {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string } & { help?: boolean };
};

export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(spec: CommandSpec<O>, argv: string[]): ParsedCommand<O> {
  let parsed: ParsedCommand<O>;
  try {
    const options: O & HelpOption = { ...spec.options, help: { type: 'boolean', short: 'h' } };
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as ParsedCommand<O>;
  } catch (e) {
    throw new LabError('ARGUMENT', `${spec.name}: ${(e as Error).message.split('\n')[0]} (see 'lab ${spec.name} --help')`);
  }
  // An empty value is never meant: `--data ''` (an unset shell variable) would otherwise read as "no --data"
  // and train on the built-in names, `--out ''` as the current folder.
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (value === '') throw new LabError('ARGUMENT', `${spec.name}: --${flag} needs a value, got an empty string (leave the option out for its default)`);
  }
  return parsed;
}

export function helpText(spec: Omit<CommandSpec<never>, 'options'>): string {
  return [`Usage: npm run -s lab -- ${spec.usage}`, '', spec.summary, '', 'Options:', ...spec.help.map((l) => `  ${l}`), '  -h, --help          show this help'].join('\n');
}

/** A whole number within [min, max] from a flag value. */
export function intOption(command: string, flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new LabError('ARGUMENT', `${command}: --${flag} must be a whole number (got '${value}')`);
  const n = Number(value);
  if (n < min || n > max) throw new LabError('ARGUMENT', `${command}: --${flag} must be between ${min} and ${max} (got ${n})`);
  return n;
}

export function requireOption(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new LabError('ARGUMENT', `${command}: --${flag} is required (see 'lab ${command} --help')`);
  return value;
}

const BACKENDS: BackendChoice[] = ['auto', 'tensorflow', 'onnxruntime', 'fused', 'wasm', 'cpu'];

export function backendOption(command: string, value: string | undefined): BackendChoice {
  if (value === undefined) return 'auto';
  if (!(BACKENDS as string[]).includes(value)) {
    throw new LabError('ARGUMENT', `${command}: --backend must be one of ${BACKENDS.join(', ')} (got '${value}')`);
  }
  return value as BackendChoice;
}

/** With --json the last line of stdout is exactly one JSON object; everything else goes to stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
