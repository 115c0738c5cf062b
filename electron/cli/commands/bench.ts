import path from 'node:path';
import { bench } from '../../engine/bench/bench.js';
import { builtInWords, prepareDataset, readWordsFile } from '../../engine/data/index.js';
import { backendOption, defineCommand, helpText, intOption, parseCommandArgs, printJson } from '../args.js';
import { CONFIG_HELP, CONFIG_OPTIONS, resolveConfig } from '../configOptions.js';

const spec = defineCommand({
  name: 'bench',
  summary: 'Measures training steps/s (plain and with the inspectors), whole-split evaluation and folding time.',
  usage: 'bench [--preset ID | --config FILE] [--set PATH=VALUE …] [--steps N] [--backend B] [--data FILE] [--json]',
  help: [
    '--preset ID         preset to time (default bn3-fold)',
    ...CONFIG_HELP.slice(1),
    '--steps N           steps per timed run (default 5000)',
    '--backend B         auto (default), tensorflow, fused, wasm or cpu',
    '--data FILE         words file (default: built-in names)',
    '--repeats N         timed runs of each kind, alternated; best reported (default 3)',
    '--json              last line of stdout is one JSON object',
  ],
  options: { ...CONFIG_OPTIONS, steps: { type: 'string' }, backend: { type: 'string' }, data: { type: 'string' }, repeats: { type: 'string' }, json: { type: 'boolean' } },
});

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const { config } = await resolveConfig('bench', values, 'bn3-fold');
  config.train.steps = intOption('bench', 'steps', values.steps, 10, 10_000_000) ?? 5000;
  const src = values.data ? await readWordsFile(path.resolve(values.data)) : builtInWords();
  const dataset = prepareDataset(src, config.model.blockSize);
  const repeats = intOption('bench', 'repeats', values.repeats, 1, 100) ?? 3;
  const r = await bench(config, dataset, backendOption('bench', values.backend), repeats);
  if (values.json) return printJson(r);
  console.log(`preset ${r.preset} on ${r.backend} (${r.backendReport.description}), ${r.steps} steps, best of ${r.repeats}`);
  console.log(`  training:              ${r.stepsPerSecond.toFixed(0)} steps/s`);
  console.log(`  with inspectors:       ${r.stepsPerSecondInspecting.toFixed(0)} steps/s (${r.inspectOverhead >= 0 ? "+" : ""}${(100 * r.inspectOverhead).toFixed(1)}% time)`);
  console.log(`  evaluation (train):    ${r.evaluation.examples} examples in ${r.evaluation.seconds.toFixed(3)} s`);
  if (r.foldSeconds !== null) console.log(`  folding:               ${(r.foldSeconds * 1000).toFixed(2)} ms`);
}
