/**
 * Loading the TensorFlow.js backends, once per process, without ever crashing the engine when one is missing.
 *
 * - 'tensorflow-gpu' / 'tensorflow': the optional native packages `@tensorflow/tfjs-node-gpu` /
 *   `@tensorflow/tfjs-node` (libtensorflow). Loaded with `require` inside try/catch: a package that is not
 *   installed and one whose native library fails to load are reported differently.
 * - 'wasm': `@tensorflow/tfjs-backend-wasm`; in Node its .wasm binaries are read from the installed package's
 *   `dist/` folder, so `setWasmPaths` gets that directory before the backend first initialises.
 * - 'cpu': plain JavaScript kernels of `@tensorflow/tfjs`, always available.
 *
 * Each load is memoised (success or failure): tf.js backends are global, initialised once, and a failed
 * libtensorflow is not retried on every selection.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TfModule } from './tfjs/tfjsBackend.js';

export type TfBackendId = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** A loaded tf.js namespace plus the name of the tf.js backend to activate on it. */
export interface LoadedTf {
  tf: TfModule;
  /** tf.js backend name ('tensorflow' for both native packages). */
  tfBackend: string;
  /** One line for the report, e.g. "TensorFlow.js 4.22 on libtensorflow (CUDA)". */
  description: string;
}

/** Why a backend could not be loaded; the message is shown to the user as the reason it was skipped. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

// Not named `require`: bundlers (electron-vite) inject their own `const require` shim into ESM chunks.
const requireHere = createRequire(import.meta.url);
const loads = new Map<TfBackendId, Promise<LoadedTf>>();
/** The native package `require`d in this process, if any (its binding cannot be unloaded). */
let nativeRequired: { pkg: string; tf: TfModule; ready: boolean } | null = null;

/** Loads (once) and initialises one tf.js backend; rejects with BackendUnavailableError saying why not. */
export function loadTf(id: TfBackendId): Promise<LoadedTf> {
  let load = loads.get(id);
  if (!load) {
    load = LOADERS[id]();
    loads.set(id, load);
  }
  return load;
}

/** Whether an npm package can be resolved from the engine (cheap: does not load it). */
export function isInstalled(pkg: string): boolean {
  try {
    requireHere.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** The first line of an error's message (native load errors can be long). */
export function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

const LOADERS: Record<TfBackendId, () => Promise<LoadedTf>> = {
  'tensorflow-gpu': () => loadNative('tensorflow-gpu'),
  tensorflow: () => loadNative('tensorflow'),
  wasm: loadWasm,
  cpu: loadCpu,
};

async function loadNative(id: 'tensorflow-gpu' | 'tensorflow'): Promise<LoadedTf> {
  const pkg = NATIVE_PACKAGES[id];
  if (!isInstalled(pkg)) throw new BackendUnavailableError(`${pkg} is not installed (optional dependency)`);
  // The two native packages both register the 'tensorflow' tf.js backend: only one may ever be required.
  // tfjs-node-gpu without a visible GPU still is a working CPU libtensorflow: reuse it for 'tensorflow'.
  if (id === 'tensorflow' && nativeRequired?.pkg === NATIVE_PACKAGES['tensorflow-gpu'] && nativeRequired.ready) {
    const tf = nativeRequired.tf;
    return { tf, tfBackend: 'tensorflow', description: `TensorFlow.js ${tf.version_core} on libtensorflow (CPU, from ${nativeRequired.pkg})` };
  }
  if (nativeRequired && nativeRequired.pkg !== pkg) {
    throw new BackendUnavailableError(`${nativeRequired.pkg} is already loaded in this process`);
  }
  let tf: TfModule;
  try {
    tf = requireHere(pkg) as TfModule;
  } catch (e) {
    throw new BackendUnavailableError(`${pkg}: libtensorflow failed to load: ${firstLine(e)}`);
  }
  nativeRequired = { pkg, tf, ready: false };
  try {
    if (!(await tf.setBackend('tensorflow'))) throw new Error("tf.setBackend('tensorflow') returned false");
    await tf.ready();
    nativeRequired.ready = true;
  } catch (e) {
    throw new BackendUnavailableError(`${pkg}: the tensorflow backend failed to initialise: ${firstLine(e)}`);
  }
  // tfjs-node-gpu loads and silently runs on the CPU when libtensorflow sees no CUDA device: report that as
  // the GPU backend being unavailable rather than claim a GPU.
  const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
  if (id === 'tensorflow-gpu' && usingGpu === false) {
    throw new BackendUnavailableError(`${pkg} loaded but libtensorflow sees no CUDA GPU`);
  }
  const device = id === 'tensorflow-gpu' ? 'CUDA' : 'CPU';
  return { tf, tfBackend: 'tensorflow', description: `TensorFlow.js ${tf.version_core} on libtensorflow (${device})` };
}

async function loadWasm(): Promise<LoadedTf> {
  const tf = await import('@tensorflow/tfjs');
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw new BackendUnavailableError(`@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(e)}`);
  }
  try {
    // The package's Node entry is dist/tf-backend-wasm.node.js; the .wasm binaries sit beside it.
    const distDir = path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(distDir + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false");
    await tf.ready();
  } catch (e) {
    throw new BackendUnavailableError(`the WebAssembly backend failed to initialise: ${firstLine(e)}`);
  }
  return { tf, tfBackend: 'wasm', description: `TensorFlow.js ${tf.version.tfjs} on WebAssembly (XNNPACK)` };
}

async function loadCpu(): Promise<LoadedTf> {
  const tf = await import('@tensorflow/tfjs');
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError("tf.setBackend('cpu') returned false");
  await tf.ready();
  return { tf, tfBackend: 'cpu', description: `TensorFlow.js ${tf.version.tfjs} on plain JavaScript kernels` };
}
