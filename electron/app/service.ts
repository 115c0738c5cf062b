/**
 * The lab's back end as one table of handlers, one per invoke channel of the channel table (shared/channels.ts). Electron main and
 * `serve` both build it and differ only in the host they pass: how worker processes start, how events reach the
 * UI, and whether native dialogs exist.
 *
 * Nothing slow runs here: training and the model jobs (fold plan and comparison, export, sampling, validating a
 * large words file, backprop by hand) each run in a process of their own, so Electron's main process — which also serves the window — never freezes.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { NATIVE_PACKAGES, isInstalled } from '../engine/compute/tfLoaders.js';
import { onnxruntimeUnavailable } from '../engine/compute/onnxruntime/ortSession.js';
import { LabError } from '../engine/errors.js';
import { modelJobRunner, trainingLauncher, type SpawnWorker } from '../engine/worker/client.js';
import type { BackpropSubject } from '../engine/backprop/tableTypes.js';
import type { SampleModel } from '../engine/worker/protocol.js';
import type { EventChannel, EventOf, Handlers, RequestOf, SampleSource } from '../shared/channels.js';
import type { BackendOption, DatasetSummary } from '../shared/contract.js';
import { DatasetRegistry } from './datasets.js';
import { PresetStore } from './presetStore.js';
import { RunManager } from './runManager.js';
import { SweepStore, recipeInfos } from './sweepStore.js';
import { WorkerQueue, defaultWorkerLimit } from './workerQueue.js';
import { warmWorkers } from './warmWorker.js';
import type { BatcherClock } from './runUpdateBatcher.js';

export interface NativeDialogs {
  /** Path of the words file the user picked, or null. */
  openDataset(): Promise<string | null>;
  /** Folder the user picked, or null. */
  chooseFolder(): Promise<string | null>;
}

export interface ServiceHost {
  mode: 'electron' | 'serve';
  version: string;
  /** Per-user data folder: runs/, presets.json, uploads/, exports/ live under it. */
  dataDir: string;
  /** Starts a worker process: utilityProcess.fork in Electron, child_process.fork under serve (and in tests). */
  spawnWorker: SpawnWorker;
  /** How many worker processes may run at once (default: the number of cores); the rest wait in one queue. */
  workerLimit?: number;
  /**
   * Keep one training process started ahead of need, so Start shows the first loss within a second instead of
   * after a process start-up (warmWorker.ts). The app and `serve` turn it on; tests leave it off.
   */
  warmTraining?: boolean;
  broadcast<C extends EventChannel>(channel: C, payload: EventOf<C>): void;
  /** Electron only. */
  dialogs?: NativeDialogs;
  batchIntervalMs?: number;
  clock?: BatcherClock;
}

export interface LabService {
  handlers: Handlers;
  runs: RunManager;
  datasets: DatasetRegistry;
  /**
   * A words file uploaded as a stream of chunks (serve's `POST /upload`): written to disk as it arrives,
   * validated off the main thread when large, and remembered like any loaded dataset.
   */
  uploadDataset(name: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, declaredBytes?: number): Promise<DatasetSummary>;
  /** Ends running training processes. */
  shutdown(): void;
}

export function createLabService(host: ServiceHost): LabService {
  const runsRoot = path.join(host.dataDir, 'runs');
  const presets = new PresetStore(path.join(host.dataDir, 'presets.json'));
  const warm = host.warmTraining ? warmWorkers(host.spawnWorker) : null;
  const workers = new WorkerQueue(warm?.spawn ?? host.spawnWorker, host.workerLimit ?? defaultWorkerLimit(), (state) => host.broadcast('workers.changed', state));
  const runJob = modelJobRunner(workers.spawn);
  // Large words files are validated in a job process (through the same queue), never in this one.
  const datasets = new DatasetRegistry(path.join(host.dataDir, 'uploads'), (file, label) => runJob({ kind: 'dataset', path: file, label }));
  const runs = new RunManager({
    runsRoot,
    launch: trainingLauncher(workers.spawn),
    emitUpdate: (u) => host.broadcast('runs.update', u),
    emitChanged: (runIds) => host.broadcast('runs.changed', { runIds }),
    batchIntervalMs: host.batchIntervalMs,
    clock: host.clock,
  });
  const sweeps = new SweepStore({
    file: path.join(host.dataDir, 'sweeps.json'),
    presets,
    runs,
    startRun: (config, datasetId, backend, runId) => runs.start(config, datasets.forRun(datasetId), backend, runId),
    datasetName: (datasetId) => datasets.forRun(datasetId).source.name,
  });
  const needDialogs = (): NativeDialogs => {
    if (!host.dialogs) throw new LabError('ARGUMENT', 'native dialogs exist only in the desktop app; use the file input');
    return host.dialogs;
  };

  const handlers: Handlers = {
    'app.info': async () => ({
      mode: host.mode,
      version: host.version,
      platform: process.platform,
      nativeDialogs: !!host.dialogs,
      runsFolder: runsRoot,
    }),
    'dataset.open': async () => {
      const file = await needDialogs().openDataset();
      return file === null ? null : datasets.loadFromPath(file);
    },
    'dataset.loadFromPath': async ({ path: file }) => {
      // A browser must not read arbitrary server files (the summary shows words from them): it uploads instead.
      if (host.mode === 'serve') throw new LabError('ARGUMENT', 'under serve, datasets are uploaded from the browser, not opened by server path');
      return datasets.loadFromPath(file);
    },
    'dataset.loadBuiltIn': () => datasets.loadBuiltIn(),
    'dataset.upload': ({ name, base64 }) => datasets.upload(name, new Uint8Array(Buffer.from(base64, 'base64'))),
    'presets.list': () => presets.list(),
    'presets.save': (request) => presets.save(request),
    'presets.delete': ({ id }) => presets.delete(id),
    'backends.describe': async () => describeBackendChoices(),
    'runs.start': async ({ config, datasetId, backend }) =>
      runs.start(config, datasets.forRun(datasetId), backend),
    'runs.pause': async ({ runId }) => runs.pause(runId),
    'runs.resume': async ({ runId }) => runs.resume(runId),
    'runs.stop': ({ runId }) => runs.stop(runId),
    'runs.list': () => runs.list(),
    'runs.get': ({ runId }) => runs.get(runId),
    'runs.delete': ({ runId }) => runs.delete(runId),
    'runs.label': ({ runId, name, note }) => runs.label(runId, { name, note }),
    'inspect.diagnose': ({ runId, step }) => runs.diagnose(runId, step),
    'fold.preview': async ({ runId }) => ({ runId, ...(await runJob({ kind: 'foldPlan', runDir: runs.dir(runId) })) }),
    'fold.compare': async ({ runId }) => ({ runId, ...(await runJob({ kind: 'foldCompare', runDir: runs.dir(runId) })) }),
    'fold.export': async ({ runId, fold, folder, formats }) => {
      let parent: string | null;
      if (host.mode === 'serve') {
        // A browser must not be able to write anywhere on the server's disk: exports go under the data folder.
        if (folder !== undefined) throw new LabError('ARGUMENT', 'under serve, exports are written to the server\'s exports folder');
        parent = path.join(host.dataDir, 'exports');
      } else {
        parent = folder ?? (await needDialogs().chooseFolder());
      }
      if (parent === null) return null;
      return runJob({ kind: 'export', runDir: runs.dir(runId), parentFolder: parent, fold: fold ?? true, formats });
    },
    'workers.get': async () => workers.state(),
    'dialog.chooseFolder': async () => needDialogs().chooseFolder(),
    'backprop.check': async (request) => runJob({ kind: 'backprop', subject: await backpropSubject(request), seed: request.seed }),
    'sweeps.start': (request) => sweeps.start(request),
    'sweeps.list': () => sweeps.list(),
    'sweeps.stop': ({ sweepId }) => sweeps.stop(sweepId),
    'sweeps.recipes': async () => recipeInfos(),
    'sweeps.estimate': ({ preset }) => sweeps.estimate(preset),
    sample: ({ source, count, seed }) => runJob({ kind: 'sample', model: sampleModel(source), count, seed }),
  };
  const backpropSubject = async (request: RequestOf<'backprop.check'>): Promise<BackpropSubject> => {
    if ('runId' in request) return { kind: 'run', runDir: runs.dir(request.runId) };
    // Saved presets as well as built-in ones: the list the Presets view shows.
    const preset = (await presets.list()).find((p) => p.id === request.presetId);
    if (!preset) throw new LabError('ARGUMENT', `unknown preset '${request.presetId}'`);
    return { kind: 'config', config: preset.config, label: `preset ${preset.id}` };
  };
  const sampleModel = (source: SampleSource): SampleModel => {
    if (source.kind === 'run') return { kind: 'run', runDir: runs.dir(source.runId), folded: source.folded ?? false };
    if (host.mode === 'serve' && !isInside(host.dataDir, source.path)) {
      // Same rule as exports: under serve, model files are read only from the lab's own data folder (e.g. exports/).
      throw new LabError('MODEL_FILE', `under serve, models are read only from ${host.dataDir}`);
    }
    return { kind: 'file', path: source.path };
  };

  warm?.prepare();
  return {
    handlers,
    runs,
    datasets,
    uploadDataset: (name, chunks, declaredBytes) => datasets.uploadStream(name, chunks, declaredBytes),
    shutdown: () => {
      warm?.dispose();
      runs.shutdown();
    },
  };
}

/** Whether `target` (after resolving `..` and symlinks where it exists) lies inside `root`. */
function isInside(root: string, target: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const rel = path.relative(real(root), real(target));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * What the backend menu offers. Cheap on purpose (no native library is loaded in the UI's process): whether the
 * optional packages are installed; the training process reports what actually ran and why.
 */
export function describeBackendChoices(): BackendOption[] {
  const nativeInstalled = isInstalled(NATIVE_PACKAGES['tensorflow-gpu']) || isInstalled(NATIVE_PACKAGES.tensorflow);
  const ortMissing = onnxruntimeUnavailable();
  return [
    { id: 'auto', label: 'Automatic', available: true, note: 'the fastest backend that loads for this model size' },
    {
      id: 'tensorflow',
      label: 'TensorFlow (native)',
      available: nativeInstalled,
      note: nativeInstalled
        ? 'libtensorflow through @tensorflow/tfjs-node(-gpu); CUDA when the GPU package loads'
        : `${NATIVE_PACKAGES.tensorflow} / ${NATIVE_PACKAGES['tensorflow-gpu']} is not installed`,
    },
    {
      id: 'onnxruntime',
      label: 'onnxruntime (CPU)',
      available: ortMissing === null,
      note: ortMissing ?? 'one onnxruntime-node graph per step (MLAS matrix products); fastest for large models',
    },
    { id: 'fused', label: 'Fused WebAssembly kernel', available: true, note: 'one SIMD kernel per step; fastest for small models' },
    { id: 'wasm', label: 'TensorFlow.js WebAssembly', available: true, note: '@tensorflow/tfjs-backend-wasm' },
    { id: 'cpu', label: 'TensorFlow.js CPU', available: true, note: 'plain JavaScript kernels; always available, slowest' },
  ];
}
