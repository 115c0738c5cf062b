import path from 'node:path';
import { createBackend } from '../../engine/compute/select.js';
import type { BackendChoice } from '../../engine/compute/types.js';
import { builtInWords, prepareDataset, readWordsFile, sameVocabulary, type PreparedDataset } from '../../engine/data/index.js';
import { LabError } from '../../engine/errors.js';
import { compareModels } from '../../engine/fold/compare.js';
import { importModel } from '../../engine/io/exportModel.js';
import type { ModelState } from '../../engine/model/params.js';
import { loadRunDataset, openRun } from '../../engine/run/openRun.js';
import { evaluateSplits } from '../../engine/train/trainer.js';
import { backendOption, defineCommand, helpText, parseCommandArgs, printJson } from '../args.js';

const spec = defineCommand({
  name: 'eval',
  summary:
    "Evaluates a model on the train, val and test splits (BatchNorm in inference mode): a run's checkpoint on its own dataset, or an exported/imported model (TF.js folder, .onnx, .safetensors) on a words file; optionally compares it with another model.",
  usage: 'eval (--run DIR | --model PATH [--data FILE]) [--compare PATH] [--backend B] [--json]',
  help: [
    '--run DIR           a run folder written by `lab train` (evaluated on the dataset it was trained on)',
    '--model PATH        an exported model: a folder, model.json, .onnx or .safetensors',
    '--data FILE         words file for --model (default: built-in names)',
    '--compare PATH      a second model: report max |Δlogit| per split and both losses',
    '--backend B         compute backend (default auto)',
    '--json              last line of stdout is one JSON object',
  ],
  options: {
    run: { type: 'string' },
    model: { type: 'string' },
    data: { type: 'string' },
    compare: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  },
});

async function modelAndData(values: { run?: string; model?: string; data?: string }): Promise<{ state: ModelState; vocab: string[]; dataset: PreparedDataset; source: string }> {
  if (values.run && values.model) throw new LabError('ARGUMENT', 'eval: give either --run or --model, not both');
  if (values.run) {
    const run = await openRun(path.resolve(values.run));
    const dataset = await loadRunDataset(run.record);
    // loadRunDataset checks run.json's vocabulary; the checkpoint carries its own, which must agree too.
    if (!sameVocabulary(dataset.vocab, run.vocab)) {
      throw new LabError('RUN', `eval: ${run.dir}: the checkpoint's vocabulary (${run.vocab.length} tokens) differs from its dataset's (${dataset.vocab.length})`);
    }
    return { state: run.state, vocab: run.vocab, dataset, source: run.dir };
  }
  if (!values.model) throw new LabError('ARGUMENT', "eval: --run or --model is required (see 'lab eval --help')");
  const model = await importModel(values.model);
  const words = values.data ? await readWordsFile(path.resolve(values.data)) : builtInWords();
  const dataset = prepareDataset(words, model.state.config.blockSize);
  // Token by token: joined text would let ['.', 'ab', …] pass for ['.', 'a', 'b', …].
  if (!sameVocabulary(dataset.vocab, model.vocab)) {
    throw new LabError('ARGUMENT', `eval: the dataset's vocabulary (${dataset.vocab.length} tokens) differs from the model's (${model.vocab.length})`);
  }
  return { state: model.state, vocab: model.vocab, dataset, source: model.source };
}

/**
 * A model with NaN or ±Infinity weights (a diverged run, a damaged file) has no loss to report: refused, as
 * `sample` refuses it, instead of printing NaN with exit 0.
 */
function refuseNonFinite(state: ModelState, source: string): void {
  for (const [name, data] of Object.entries(state.tensors)) {
    const k = data.findIndex((v) => !Number.isFinite(v));
    if (k !== -1) {
      throw new LabError('RUN', `eval: ${source}: tensor '${name}' holds ${data[k]} at index ${k} (did training diverge?); cannot evaluate it`);
    }
  }
}

/** Finite weights can still overflow to a non-finite loss; that is not a result either. */
function refuseNonFiniteLosses(losses: Record<string, number | null>, source: string): void {
  for (const [split, loss] of Object.entries(losses)) {
    if (loss !== null && !Number.isFinite(loss)) {
      throw new LabError('RUN', `eval: ${source}: the ${split} loss is ${loss} (the model's logits overflow); cannot evaluate it`);
    }
  }
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const choice: BackendChoice = backendOption('eval', values.backend);
  const { state, vocab, dataset, source } = await modelAndData(values);
  const other = values.compare ? await importModel(values.compare) : null;
  if (other && !sameVocabulary(other.vocab, vocab)) throw new LabError('ARGUMENT', 'eval: --compare model has a different vocabulary');
  refuseNonFinite(state, source);
  if (other) refuseNonFinite(other.state, other.source);
  const backend = await createBackend(state, choice);
  try {
    const examples = { train: dataset.train.n, val: dataset.val.n, test: dataset.test.n };
    if (other) {
      const otherBackend = await createBackend(other.state, choice);
      try {
        const c = compareModels(backend, otherBackend, { train: dataset.train, val: dataset.val, test: dataset.test });
        refuseNonFiniteLosses(c.loss.before, source);
        refuseNonFiniteLosses(c.loss.after, other.source);
        if (values.json) return printJson({ model: source, compare: other.source, backend: backend.report.id, examples, ...c });
        for (const s of ['train', 'val', 'test'] as const) {
          console.log(`${s.padEnd(5)} loss ${c.loss.before[s]?.toFixed(6)} vs ${c.loss.after[s]?.toFixed(6)}  max |Δlogit| ${c.maxAbsLogitDiff[s].toExponential(2)}`);
        }
        return;
      } finally {
        otherBackend.dispose();
      }
    }
    const loss = evaluateSplits(backend, dataset);
    refuseNonFiniteLosses(loss, source);
    if (values.json) printJson({ model: source, backend: backend.report.id, examples, loss });
    else for (const s of ['train', 'val', 'test'] as const) console.log(`${s.padEnd(5)} ${loss[s].toFixed(4)}  (${examples[s]} examples)`);
  } finally {
    backend.dispose();
  }
}
