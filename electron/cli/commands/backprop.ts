import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { firstBatch, hasBatchNorm, initialState } from '../../engine/backprop/backpropCase.js';
import { APPROX_TOLERANCE, checkBackprop, type TensorCheck } from '../../engine/backprop/compare.js';
import { builtInWords, prepareDataset, readWordsFile, type PreparedDataset } from '../../engine/data/index.js';
import { LabError } from '../../engine/errors.js';
import type { ExperimentConfig } from '../../engine/model/config.js';
import type { ModelState } from '../../engine/model/params.js';
import { findPreset, PRESETS } from '../../engine/model/presets.js';
import { loadRunDataset, openRun } from '../../engine/run/openRun.js';
import { experimentConfigSchema } from '../../shared/schemas.js';
import { defineCommand, helpText, intOption, parseCommandArgs, printJson } from '../args.js';

const spec = defineCommand({
  name: 'backprop',
  summary:
    "Backprop by hand: the gradient of every intermediate tensor of one minibatch (the lecture's decomposition) from hand-written formulas, each compared with TensorFlow.js autodiff (exact, approximate, max |difference|), plus the fused cross-entropy and BatchNorm shortcuts against the step-by-step result.",
  usage: 'backprop (--preset ID | --run DIR | --config FILE) [--data FILE] [--seed N] [--json]',
  help: [
    '--preset ID         a preset at initialisation; one of: ' + PRESETS.map((p) => p.id).join(', '),
    "--run DIR           a run folder, at its final parameters (on the run's dataset unless --data)",
    '--config FILE       an experiment configuration (JSON, as the app saves it), at initialisation',
    '--data FILE         words file to draw the minibatch from (default: built-in English first names)',
    "--seed N            seed of the initialisation and of the minibatch (with --run: of the minibatch); default: the configuration's",
    '--json              last line of stdout is { "tensors": [...] }',
  ],
  options: { preset: { type: 'string' }, run: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
});

async function readConfigFile(file: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new LabError('ARGUMENT', `backprop: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LabError('CONFIG', `${file}: not JSON (${(e as Error).message.split('\n')[0]})`, { file });
  }
  const parsed = experimentConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LabError('CONFIG', `${file}: ${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`, { file });
  }
  return parsed.data;
}

async function wordsDataset(data: string | undefined, blockSize: number): Promise<PreparedDataset> {
  return prepareDataset(data ? await readWordsFile(path.resolve(data)) : builtInWords(), blockSize);
}

interface BackpropSubject {
  /** One line saying what is checked. */
  what: string;
  state: ModelState;
  dataset: PreparedDataset;
  seed: number;
  batchSize: number;
}

async function subject(values: { preset?: string; run?: string; config?: string; data?: string; seed?: string }): Promise<BackpropSubject> {
  const given = (['preset', 'run', 'config'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) {
    throw new LabError('ARGUMENT', `backprop: give exactly one of --preset, --run or --config (see 'lab backprop --help')`);
  }
  const seedOption = intOption('backprop', 'seed', values.seed, 0, 2 ** 32 - 1);
  if (values.run !== undefined) {
    const run = await openRun(path.resolve(values.run));
    const config = run.record.config;
    const dataset = values.data ? await wordsDataset(values.data, config.model.blockSize) : await loadRunDataset(run.record);
    if (dataset.vocab.join('') !== run.vocab.join('')) {
      throw new LabError('ARGUMENT', `backprop: the dataset's vocabulary (${dataset.vocab.length} tokens) differs from the run's (${run.vocab.length})`);
    }
    const seed = seedOption ?? config.train.seed;
    return { what: `run ${run.record.id} at its final parameters`, state: run.state, dataset, seed, batchSize: config.train.batchSize };
  }
  let config: ExperimentConfig;
  let label: string;
  if (values.preset !== undefined) {
    const preset = findPreset(values.preset);
    if (!preset) throw new LabError('ARGUMENT', `backprop: unknown preset '${values.preset}' (one of ${PRESETS.map((p) => p.id).join(', ')})`);
    config = preset.config;
    label = `preset ${preset.id}`;
  } else {
    const file = path.resolve(values.config!);
    config = await readConfigFile(file);
    label = `configuration ${path.basename(file)}`;
  }
  const dataset = await wordsDataset(values.data, config.model.blockSize);
  const seed = seedOption ?? config.train.seed;
  const state = initialState(config.model, dataset.vocab.length, seed);
  return { what: `${label} at initialisation`, state, dataset, seed, batchSize: config.train.batchSize };
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

/** The lecture's cmp line (`name | exact: True | approximate: True | maxdiff: 0.0`) with shape and formula. */
function row(t: TensorCheck, width: number): string {
  const shape = `[${t.shape.join(', ')}]`;
  return `${t.name.padEnd(width)} | exact: ${pyBool(t.exact).padEnd(5)} | approximate: ${pyBool(t.approx).padEnd(5)} | maxdiff: ${t.maxDiff.toExponential(2).padEnd(9)} | ${shape.padEnd(12)} | ${t.formula}`;
}

export async function backpropCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const s = await subject(values);
  const batch = firstBatch(s.dataset, s.batchSize, s.seed, hasBatchNorm(s.state.config));
  // The reference is autodiff on tf.js's plain JavaScript float32 kernels, as in the engine's gradient tests.
  await tf.setBackend('cpu');
  const report = checkBackprop(s.state, batch);
  const tensors = report.tensors.map(({ name, base, layer, shape, exact, approx, maxDiff, formula, versus }) => ({ name, base, layer, shape, exact, approx, maxDiff, formula, versus }));
  if (values.json) return printJson({ tensors });

  console.log(`${s.what}: seed ${s.seed}, first training batch of ${batch.y.length} from ${s.dataset.source.name}; loss ${report.loss.toFixed(4)}`);
  console.log(`approximate: |manual − reference| ≤ ${APPROX_TOLERANCE.atol} + ${APPROX_TOLERANCE.rtol}·|reference| everywhere (torch.allclose)`);
  const width = Math.max(...tensors.map((t) => t.name.length));
  const vsAutodiff = tensors.filter((t) => t.versus === 'autodiff');
  const fused = tensors.filter((t) => t.versus === 'step-by-step');
  console.log('\nhand-written backward vs autodiff (tf.grads), in backward order:');
  for (const t of vsAutodiff) console.log(row(t, width));
  console.log('\nfused shortcuts vs the step-by-step gradients:');
  for (const t of fused) console.log(row(t, width));
  const failed = tensors.filter((t) => !t.approx).map((t) => t.name);
  console.log(
    failed.length === 0
      ? `\nall ${tensors.length} approximately equal (${tensors.filter((t) => t.exact).length} exactly)`
      : `\n${failed.length} of ${tensors.length} differ: ${failed.join(', ')}`,
  );
}
