import path from 'node:path';
import { PRESETS } from '../../engine/model/presets.js';
import { executeRun } from '../../engine/run/executeRun.js';
import { newRunId } from '../../engine/run/runFolder.js';
import { TrainControl } from '../../engine/train/control.js';
import { backendOption, helpText, intOption, parseCommandArgs, printJson, defineCommand } from '../args.js';
import { ProgressReporter } from '../progress.js';
import { CONFIG_HELP, CONFIG_OPTIONS, resolveConfig } from '../configOptions.js';

const spec = defineCommand({
  name: 'train',
  summary: 'Trains a preset and saves the run (config, metrics, snapshots, checkpoint, TensorFlow.js model) to a folder.',
  usage: 'train (--preset ID | --config FILE) [--set PATH=VALUE …] [--data FILE] [--steps N] [--seed N] [--backend auto|tensorflow|onnxruntime|fused|wasm|cpu] [--out DIR] [--json]',
  help: [
    '--preset ID         one of: ' + PRESETS.map((p) => p.id).join(', ') + ', or one saved in the app',
    ...CONFIG_HELP.slice(1),
    '--data FILE         words file, one word per line (default: built-in English first names)',
    '--steps N           SGD steps (default: the preset\'s, 200000)',
    '--seed N            seed for initialisation and minibatches',
    '--backend B         auto (default), tensorflow, fused, wasm or cpu',
    '--inspect-every K   capture inspector snapshots every K steps',
    '--no-inspect        skip the inspectors (plain training speed)',
    '--out DIR           run folder (default: runs/<time>-<preset>)',
    '--json              last line of stdout is one JSON object with the results',
  ],
  options: {
    ...CONFIG_OPTIONS,
    data: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    'inspect-every': { type: 'string' },
    'no-inspect': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
});

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const { label, config } = await resolveConfig('train', values);
  config.train.steps = intOption('train', 'steps', values.steps, 1, 100_000_000) ?? config.train.steps;
  config.train.seed = intOption('train', 'seed', values.seed, 0, 2 ** 32 - 1) ?? config.train.seed;
  config.train.inspectEvery = intOption('train', 'inspect-every', values['inspect-every'], 1, 100_000_000) ?? config.train.inspectEvery;
  const backend = backendOption('train', values.backend);
  const runId = newRunId(label);
  const runDir = path.resolve(values.out ?? path.join('runs', runId));
  const reporter = new ProgressReporter();
  const control = new TrainControl();
  // Ctrl+C ends the run cleanly: it stops after the current step, evaluates and saves what it has.
  const onSigint = () => {
    if (control.isStopped) process.exit(130);
    reporter.message('stopping after this step (Ctrl+C again to abort)…');
    control.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    const { result } = await executeRun({
      runDir,
      runId,
      config,
      dataset: values.data ? { kind: 'file', path: path.resolve(values.data) } : { kind: 'builtin' },
      backend,
      control,
      inspect: !values['no-inspect'],
      onEvent(event) {
        if (event.type === 'started') {
          reporter.message(`backend: ${event.backend.id} — ${event.backend.description}`);
          for (const s of event.backend.skipped) reporter.message(`  skipped ${s.id}: ${s.reason}`);
          reporter.message(`examples: train ${event.examples.train}, val ${event.examples.val}, test ${event.examples.test}; ${event.parameterCount} parameters`);
        } else if (event.type === 'progress') reporter.update(event.progress);
        else if (event.type === 'eval') reporter.message(`step ${event.point.step}: train ${event.point.train.toFixed(4)}  val ${event.point.val.toFixed(4)}`);
      },
    });
    reporter.finish();
    const summary = {
      preset: result.preset,
      backend: result.backend.id,
      backendReport: result.backend,
      status: result.status,
      steps: result.steps,
      stepsPerSecond: Math.round(result.stepsPerSecond * 10) / 10,
      examples: result.examples,
      loss: result.loss,
      params: result.params,
      out: runDir,
    };
    if (values.json) printJson(summary);
    else {
      console.log(`${result.status} ${result.steps} steps at ${summary.stepsPerSecond} steps/s on ${result.backend.id}`);
      console.log(`loss: train ${result.loss.train.toFixed(4)}  val ${result.loss.val.toFixed(4)}  test ${result.loss.test.toFixed(4)}`);
      const changed = result.params.filter((p) => p.changed).map((p) => p.name);
      console.log(`changed parameters: ${changed.join(', ') || 'none'}`);
      console.log(`saved to ${runDir}`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
