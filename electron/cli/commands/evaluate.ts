import path from 'node:path';
import { createBackend } from '../../engine/compute/select.js';
import { evaluateSplits } from '../../engine/train/trainer.js';
import { loadRunDataset, openRun } from '../../engine/run/openRun.js';
import { backendOption, defineCommand, helpText, parseCommandArgs, printJson, requireOption } from '../args.js';

const spec = defineCommand({
  name: 'eval',
  summary: "Evaluates a saved run's model on the train, val and test splits of its dataset (BatchNorm in inference mode).",
  usage: 'eval --run DIR [--backend B] [--json]',
  help: ['--run DIR           a run folder written by `lab train`', '--backend B         compute backend (default auto)', '--json              last line of stdout is one JSON object'],
  options: { run: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } },
});

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const run = await openRun(path.resolve(requireOption('eval', 'run', values.run)));
  const dataset = await loadRunDataset(run.record);
  const backend = await createBackend(run.state, backendOption('eval', values.backend));
  try {
    const loss = evaluateSplits(backend, dataset);
    const examples = { train: dataset.train.n, val: dataset.val.n, test: dataset.test.n };
    if (values.json) printJson({ run: run.dir, preset: run.record.preset, backend: backend.report.id, examples, loss });
    else for (const s of ['train', 'val', 'test'] as const) console.log(`${s.padEnd(5)} ${loss[s].toFixed(4)}  (${examples[s]} examples)`);
  } finally {
    backend.dispose();
  }
}
