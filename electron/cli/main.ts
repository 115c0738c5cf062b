/**
 * `lab` — the command line of Makemore Lab: `npm run -s lab -- <command> [options]`.
 * User errors (bad arguments, bad files) and ordinary I/O errors (disk full, permission denied, a file where a
 * folder should be) print one line on stderr and exit 2; anything else is a bug and prints its stack (exit 1).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { isLabError } from '../engine/errors.js';
import { describeIoError, isOrdinaryIoError } from '../engine/io/ioError.js';
import { presetsCommand } from './commands/presets.js';
import { benchCommand } from './commands/bench.js';
import { backpropCommand } from './commands/backprop.js';
import { evalCommand } from './commands/evaluate.js';
import { exportCommand } from './commands/export.js';
import { foldCommand } from './commands/fold.js';
import { sampleCommand } from './commands/sample.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';
import { sweepCommand } from './commands/sweep.js';
import { labelCommand, runsCommand } from './commands/runs.js';

// The CLI reports the backend it uses and why others were skipped; tf.js's own "install tfjs-node" banner
// (printed on first use of its cpu backend) would only repeat that, on stderr, mid-progress bar.
tf.env().set('PROD', true);

// `lab … | head`: the reader went away. That is the user's choice, not an error: stop quietly, like any Unix tool.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

type Command = { run: (argv: string[]) => Promise<void>; summary: string };

const COMMANDS: Record<string, Command> = {
  presets: { run: presetsCommand, summary: 'list the experiment presets' },
  train: { run: trainCommand, summary: 'train a preset and save the run' },
  fold: { run: foldCommand, summary: "fold a run's BatchNorms into its Linears and verify the logits" },
  export: { run: exportCommand, summary: "export a run's model (TF.js, ONNX, safetensors) with a model card" },
  eval: { run: evalCommand, summary: "evaluate a run's model on train/val/test" },
  sample: { run: sampleCommand, summary: "generate words from a run's model" },
  serve: { run: serveCommand, summary: 'serve the lab UI to a browser (loopback, token-protected)' },
  runs: { run: runsCommand, summary: 'list saved runs by name' },
  label: { run: labelCommand, summary: 'name a run and/or set its note' },
  sweep: { run: sweepCommand, summary: 'train a grid of configurations (--vary), several training processes at a time' },
  bench: { run: benchCommand, summary: 'measure training, inspection, evaluation and folding speed' },
  backprop: { run: backpropCommand, summary: 'backprop by hand: every intermediate gradient against autodiff' },
};

/** package.json's version (two folders up from this file). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: lab <command> [options]   (each command has --help; --version prints the version)',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`lab: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (isLabError(e)) {
      process.stderr.write(`lab ${name}: ${e.message}\n`);
      return 2;
    }
    // An OS error that escaped the layers that name their path (they convert it themselves) still names one.
    if (isOrdinaryIoError(e)) {
      const where = e.path ?? (e as { dest?: string }).dest ?? e.syscall ?? 'a file';
      process.stderr.write(`lab ${name}: ${(describeIoError(e, where) as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`lab: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
