import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareDataset, readWordsFile } from '../../engine/data/index.js';
import { LabError } from '../../engine/errors.js';
import { parseVary, type Scalar } from '../../engine/model/configPath.js';
import { expandGrid, type VaryAxis } from '../../engine/sweep/grid.js';
import { readRunLayerSummary } from '../../engine/sweep/layerSummary.js';
import { findRecipe, RECIPES } from '../../engine/sweep/recipes.js';
import { startSweep } from '../../engine/sweep/runSweep.js';
import { checkNewSweepFolder, type SweepRecord } from '../../engine/sweep/sweepFolder.js';
import { newRunId } from '../../engine/run/runFolder.js';
import { backendOption, defineCommand, helpText, intOption, parseCommandArgs, printJson } from '../args.js';
import { CONFIG_HELP, CONFIG_OPTIONS, resolveConfig, validateConfig } from '../configOptions.js';
import { SweepProgress } from '../sweepProgress.js';

const spec = defineCommand({
  name: 'sweep',
  summary:
    'Trains every combination of the --vary values (a grid), one training process per run, several at a time; each run is an ordinary run folder.',
  usage:
    'sweep (--preset ID | --config FILE | --recipe ID) [--set PATH=VALUE …] --vary PATH=V1,V2,… [--vary …] [--data FILE] [--steps N] [--seed N] [--parallel P] [--out DIR] [--json]',
  help: [
    ...CONFIG_HELP,
    '--vary PATH=V1,…    values to try for one field (repeatable: the grid is every combination), e.g. model.hidden.*.weightInit.gain=0.5,1,5/3,3',
    '--recipe ID         a lecture comparison: ' + RECIPES.map((r) => r.id).join(', '),
    '--data FILE         words file, one word per line (default: built-in English first names)',
    '--steps N           SGD steps of every run',
    '--seed N            seed of every run (the same seed gives each run the same result whatever --parallel is)',
    '--backend B         auto (default), tensorflow, fused, wasm or cpu',
    '--parallel P        training processes at a time (default: the number of cores)',
    '--out DIR           a new or empty folder for sweep.json and the run folders (default: sweeps/<time>-<preset>)',
    '--json              last line of stdout is one JSON object with every run\'s values, status and losses',
  ],
  options: {
    ...CONFIG_OPTIONS,
    vary: { type: 'string', multiple: true },
    recipe: { type: 'string' },
    data: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    parallel: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
});

function defaultParallel(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export async function sweepCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) {
    console.log(helpText(spec));
    console.log(['', 'Recipes:', ...RECIPES.map((r) => `  ${r.id.padEnd(18)}${r.title} — ${r.lookFor}`)].join('\n'));
    return;
  }

  // What to train: a recipe (preset + what to vary) or a preset/config with --vary.
  let axesText = values.vary ?? [];
  let sets = values.set ?? [];
  let recipeId: string | null = null;
  let preset = values.preset;
  if (values.recipe !== undefined) {
    const recipe = findRecipe(values.recipe);
    if (!recipe) throw new LabError('ARGUMENT', `sweep: unknown recipe '${values.recipe}' (one of ${RECIPES.map((r) => r.id).join(', ')})`);
    if (values.preset !== undefined || values.config !== undefined || axesText.length > 0) {
      throw new LabError('ARGUMENT', 'sweep: --recipe brings its own preset and --vary; give --set, --steps, --seed or --data to adjust it');
    }
    recipeId = recipe.id;
    preset = recipe.preset;
    sets = [...recipe.sets.map((a) => `${a.path}=${JSON.stringify(a.value)}`), ...sets];
    axesText = recipe.vary.map((a) => `${a.path}=${a.values.map((v) => JSON.stringify(v)).join(',')}`);
  }
  const source = await resolveConfig('sweep', { ...values, preset, set: sets });
  const base = source.config;
  base.train.steps = intOption('sweep', 'steps', values.steps, 1, 100_000_000) ?? base.train.steps;
  base.train.seed = intOption('sweep', 'seed', values.seed, 0, 2 ** 32 - 1) ?? base.train.seed;
  const backend = backendOption('sweep', values.backend);
  const axes: VaryAxis[] = axesText.map((t) => parseVary(t));
  const points = expandGrid(base, axes, (config, pointValues) =>
    validateConfig(
      config,
      'sweep',
      Object.entries(pointValues).map(([p, v]): { path: string; value: Scalar } => ({ path: p, value: v })),
    ),
  );
  const parallel = intOption('sweep', 'parallel', values.parallel, 1, 256) ?? defaultParallel();

  // The words file is checked once here, for every block size in the grid, before any folder exists.
  const dataset = values.data ? { kind: 'file' as const, path: path.resolve(values.data) } : { kind: 'builtin' as const };
  if (dataset.kind === 'file') {
    const words = await readWordsFile(dataset.path);
    for (const blockSize of new Set(points.map((p) => p.config.model.blockSize))) prepareDataset(words, blockSize);
  }

  const dir = path.resolve(values.out ?? path.join('sweeps', newRunId(recipeId ?? source.label)));
  await checkNewSweepFolder(dir);
  await fs.mkdir(dir, { recursive: true });
  const record: SweepRecord = {
    format: 'makemore-lab-sweep',
    version: 1,
    createdAt: new Date().toISOString(),
    updatedAt: '',
    source: { preset: values.config === undefined ? (preset ?? null) : null, recipe: recipeId, label: source.label },
    base,
    sets: source.sets,
    vary: axes,
    dataset,
    backend,
    parallel,
    status: 'running',
    wallSeconds: null,
    runs: [],
  };

  const progress = new SweepProgress(points);
  const recipe = recipeId ? findRecipe(recipeId) : undefined;
  if (recipe) progress.message(`${recipe.title}: ${recipe.lookFor}`);
  progress.message(`${points.length} runs, ${Math.min(parallel, points.length)} at a time, in ${dir}`);
  const sweep = startSweep({ dir, points, record, parallel, onEvent: (e) => progress.onEvent(e) });
  // Ctrl+C: every running run stops after its step and is saved; a second Ctrl+C ends the processes at once.
  const onSigint = () => {
    if (sweep.stopping) {
      sweep.kill();
      process.exit(130);
    }
    progress.message('stopping: running runs finish their step and are saved (Ctrl+C again to abort)…');
    sweep.stop();
  };
  process.on('SIGINT', onSigint);
  let final: SweepRecord;
  try {
    final = await sweep.done;
  } finally {
    process.off('SIGINT', onSigint);
    progress.finish();
  }

  // Every run failing is a problem with the request (a backend that cannot load, an unreadable file): say so once.
  const failed = final.runs.filter((r) => r.status === 'failed');
  if (failed.length > 0 && failed.length === final.runs.length) {
    throw new LabError('RUN', `every run failed (${failed[0].name}: ${failed[0].error}); see ${path.join(dir, 'sweep.json')}`);
  }
  // Each run's per-layer summary (the lecture's plots, one row per hidden layer): read back from its folder.
  const layers = await Promise.all(final.runs.map((r) => (r.started ? readRunLayerSummary(path.join(dir, r.name)) : null)));
  const runs = final.runs.map((r, i) => ({
    values: r.values,
    out: r.started ? path.join(dir, r.name) : null,
    status: r.status,
    loss: r.loss,
    stepsPerSecond: r.stepsPerSecond === null ? null : Math.round(r.stepsPerSecond * 10) / 10,
    layers: layers[i]?.layers.map((l) => ({ saturation: l.saturation, std: l.std, updateRatioLog10: l.updateRatioLog10 })) ?? null,
    ...(r.error ? { error: r.error } : {}),
  }));
  const wallSeconds = Math.round((final.wallSeconds ?? 0) * 100) / 100;
  if (values.json) {
    printJson({ preset: source.label, recipe: recipeId, sweep: dir, parallel: Math.min(parallel, points.length), status: final.status, wallSeconds, runs });
    return;
  }
  const width = Math.max(...points.map((p) => p.name.length));
  for (const [i, r] of runs.entries()) {
    const loss = r.loss ? `train ${r.loss.train.toFixed(4)}  val ${r.loss.val.toFixed(4)}  test ${r.loss.test.toFixed(4)}` : '-';
    console.log(`${points[i].name.padEnd(width)}  ${r.status.padEnd(9)}  ${loss}`);
  }
  console.log(`${final.status} in ${wallSeconds} s; saved to ${dir}`);
}
