import path from 'node:path';
import { createBackend } from '../../engine/compute/select.js';
import { LabError } from '../../engine/errors.js';
import { importModel } from '../../engine/io/exportModel.js';
import { loadRunModel } from '../../engine/run/modelFiles.js';
import { sampleWords } from '../../engine/sample/sample.js';
import { backendOption, defineCommand, helpText, intOption, parseCommandArgs, printJson, requireOption } from '../args.js';

const spec = defineCommand({
  name: 'sample',
  summary: "Generates words from a saved run's model.",
  usage: 'sample (--run DIR | --model PATH) [--count N] [--seed N] [--json]',
  help: [
    '--run DIR           a run folder (or a folded model folder written by `lab fold`)',
    '--model PATH        an exported model: a folder, model.json, .onnx or .safetensors',
    '--count N           how many words (default 20)',
    '--seed N            sampling seed (default 42)',
    '--backend B         compute backend (default auto)',
    '--json              last line of stdout is one JSON object',
  ],
  options: { run: { type: 'string' }, model: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } },
});

export async function sampleCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  if (values.run && values.model) throw new LabError('ARGUMENT', 'sample: give either --run or --model, not both');
  const count = intOption('sample', 'count', values.count, 1, 100_000) ?? 20;
  const seed = intOption('sample', 'seed', values.seed, 0, 2 ** 32 - 1) ?? 42;
  const { state, vocab } = values.model
    ? await importModel(values.model)
    : // A run folder and a folded model folder (`lab fold`'s output) both hold checkpoint.safetensors.
      await loadRunModel(path.resolve(requireOption('sample', 'run', values.run)));
  const backend = await createBackend(state, backendOption('sample', values.backend));
  try {
    const words = sampleWords((x, n) => backend.logits(x, n), vocab, state.config.blockSize, count, seed);
    if (values.json) printJson({ words, seed, count });
    else for (const w of words) console.log(w);
  } finally {
    backend.dispose();
  }
}
