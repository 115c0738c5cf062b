/**
 * TensorFlow.js Layers export: `model.json` + `weights.bin`, loadable by `tf.loadLayersModel` with no custom
 * classes, plus the lab's sidecar `lab-model.json` (vocabulary, block size, configuration).
 *
 * The network maps onto stock layers:
 *   tokens int32 [N, block] → Embedding(C) → Flatten → per Linear i: Dense `linear{i}` (kernel = W{i} [in,out],
 *   bias = b{i}) → BatchNormalization `batchnorm{i}` → Activation `tanh{i}` / `relu{i}` → logits [N, vocab].
 * In inference (`predict`) tf's BatchNormalization computes γ·(x − moving_mean)/√(moving_var + ε) + β — exactly
 * the lecture's inference BatchNorm when ε is the config's ε and the moving statistics are the running buffers.
 * (Its *training* behaviour differs — biased variance, `momentum` = fraction kept — which is why the lab never
 * trains through these layers; `momentum` is still set to 1 − m so fine-tuning in tf keeps the same decay.)
 *
 * No tfjs-node: saving goes through `tf.io.withSaveHandler`, loading through a file-reading IOHandler that
 * refuses any `weightsManifest` path leaving the model's folder.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabError } from '../errors.js';
import { quoteShort } from '../util/displayText.js';
import type { ModelConfig } from '../model/config.js';
import { linearLayouts, type ModelState } from '../model/params.js';
import type { DirectoryWriter } from './atomic.js';
import { assembleState, parseJsonText, parseLabMeta, type LabModelMeta, type RawTensor } from './labMeta.js';

export const LAYERS_MODEL_FILE = 'model.json';
export const LAYERS_WEIGHTS_FILE = 'weights.bin';
export const LAB_SIDECAR_FILE = 'lab-model.json';
/** model.json holds only the topology and manifest; anything this large is not ours. */
const MAX_MODEL_JSON_BYTES = 100_000_000;

/** tf weight name ↔ lab tensor name, for every tensor the Layers model stores. */
function weightNameMap(state: Pick<ModelState, 'config' | 'vocabSize'>): Map<string, string> {
  const map = new Map<string, string>([['embedding/embeddings', 'C']]);
  for (const l of linearLayouts(state.config, state.vocabSize)) {
    const i = l.index;
    map.set(`linear${i}/kernel`, `W${i}`);
    if (l.block.bias) map.set(`linear${i}/bias`, `b${i}`);
    if (l.block.batchNorm) {
      map.set(`batchnorm${i}/gamma`, `gamma${i}`);
      map.set(`batchnorm${i}/beta`, `beta${i}`);
      map.set(`batchnorm${i}/moving_mean`, `mean${i}`);
      map.set(`batchnorm${i}/moving_variance`, `var${i}`);
    }
  }
  return map;
}

/** The Layers graph for a configuration, with tf's default initial weights, plus where each lab tensor goes. */
function buildLayers(config: ModelConfig, vocabSize: number): { model: tf.LayersModel; slots: [tf.layers.Layer, string[]][] } {
  const inputs = tf.input({ shape: [config.blockSize], dtype: 'int32', name: 'tokens' });
  const embedding = tf.layers.embedding({ inputDim: vocabSize, outputDim: config.embeddingSize, name: 'embedding' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(embedding.apply(inputs)) as tf.SymbolicTensor;
  const slots: [tf.layers.Layer, string[]][] = [[embedding, ['C']]];
  for (const l of linearLayouts(config, vocabSize)) {
    const i = l.index;
    const dense = tf.layers.dense({ units: l.outFeatures, useBias: l.block.bias, activation: 'linear', name: `linear${i}` });
    x = dense.apply(x) as tf.SymbolicTensor;
    slots.push([dense, l.block.bias ? [`W${i}`, `b${i}`] : [`W${i}`]]);
    if (l.block.batchNorm) {
      const bn = tf.layers.batchNormalization({
        axis: -1,
        epsilon: config.batchNorm.eps,
        momentum: 1 - config.batchNorm.momentum,
        name: `batchnorm${i}`,
      });
      x = bn.apply(x) as tf.SymbolicTensor;
      slots.push([bn, [`gamma${i}`, `beta${i}`, `mean${i}`, `var${i}`]]);
    }
    if (l.activation !== 'none') x = tf.layers.activation({ activation: l.activation, name: `${l.activation}${i}` }).apply(x) as tf.SymbolicTensor;
  }
  return { model: tf.model({ inputs, outputs: x, name: 'makemore_mlp' }), slots };
}

/**
 * Builds the Layers model for a state with its weights set. The caller owns (and must dispose) the model.
 */
export function buildLayersModel(state: ModelState): tf.LayersModel {
  const { model, slots } = buildLayers(state.config, state.vocabSize);
  for (const [layer, names] of slots) {
    const shapes = layer.getWeights().map((w) => w.shape);
    const ts = names.map((name, k) => tf.tensor(state.tensors[name], shapes[k], 'float32'));
    layer.setWeights(ts);
    tf.dispose(ts);
  }
  return model;
}

/**
 * The topology JSON the lab writes for a configuration, minus the fields that only name the tf version.
 * A model.json must match it exactly before tf sees it: tf's deserialiser trusts its input (a layer entry
 * without a name makes it loop forever), so only topologies we know to be well-formed are handed over.
 */
function expectedTopology(config: ModelConfig, vocabSize: number): string {
  const { model } = buildLayers(config, vocabSize);
  try {
    return canonicalTopology(model.toJSON(undefined, false));
  } finally {
    model.dispose();
  }
}

function canonicalTopology(topology: unknown): string {
  if (typeof topology !== 'object' || topology === null) return 'not an object';
  const { keras_version: _k, backend: _b, ...rest } = topology as Record<string, unknown>;
  return JSON.stringify(rest);
}

export interface EncodedLayersModel {
  /** model.json text (topology + weightsManifest pointing at `weights.bin`). */
  modelJson: string;
  weights: Uint8Array;
}

/** Serialises a state as a Layers model without touching the disk. */
export async function encodeLayersModel(state: ModelState): Promise<EncodedLayersModel> {
  const model = buildLayersModel(state);
  try {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tf.LayersModel.save produced no weights');
    const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: 'makemore-lab',
      weightsManifest: [{ paths: [LAYERS_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    };
    return { modelJson: JSON.stringify(modelJson), weights };
  } finally {
    model.dispose();
  }
}

/** Writes model.json, weights.bin and lab-model.json into a folder being built atomically. */
export async function writeLayersModel(writer: DirectoryWriter, state: ModelState, meta: LabModelMeta): Promise<string[]> {
  const encoded = await encodeLayersModel(state);
  await writer.writeFile(LAYERS_WEIGHTS_FILE, encoded.weights);
  await writer.writeFile(LAYERS_MODEL_FILE, encoded.modelJson);
  await writer.writeFile(LAB_SIDECAR_FILE, JSON.stringify(meta, null, 2) + '\n');
  return [LAYERS_MODEL_FILE, LAYERS_WEIGHTS_FILE, LAB_SIDECAR_FILE];
}

function fail(where: string, message: string): never {
  throw new LabError('MODEL_FILE', `${where}: ${message}`, { file: where });
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    fail(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!stat.isFile()) fail(file, 'is not a regular file');
  if (stat.size > maxBytes) fail(file, `is ${stat.size} bytes, more than the ${maxBytes}-byte limit`);
  return fs.readFile(file);
}

/**
 * Resolves a manifest path inside `dir`, refusing absolute paths, `..` escapes and symlinks that lead out —
 * a model file must never make the lab read outside the folder it came from.
 */
async function resolveInside(dir: string, relative: string, where: string): Promise<string> {
  if (typeof relative !== 'string' || relative === '' || relative.includes('\0')) fail(where, `invalid weights path ${quoteShort(relative)}`);
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) fail(where, `weights path ${quoteShort(relative, 80)} is absolute; it must stay inside the model folder`);
  const root = await fs.realpath(dir);
  const candidate = path.resolve(root, relative);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) fail(where, `weights path ${quoteShort(relative, 80)} leaves the model folder`);
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    fail(where, `weights file ${quoteShort(relative, 80)} is missing`);
  }
  if (!real.startsWith(root + path.sep)) fail(where, `weights path ${quoteShort(relative, 80)} leads outside the model folder`);
  return real;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validated model.json + weights, ready for tf or for the lab's own reader. */
export interface LayersArtifacts {
  artifacts: tf.io.ModelArtifacts;
  /** Weights by tf name, in manifest order. */
  weights: Map<string, RawTensor>;
}

/**
 * Reads and validates model.json and its weight files: float32 only, no quantisation, shapes non-negative
 * integers, byte count equal to what the specs need, every path inside the folder.
 */
export async function readLayersArtifacts(dir: string): Promise<LayersArtifacts> {
  const jsonPath = path.join(dir, LAYERS_MODEL_FILE);
  const json = parseJsonText((await readBounded(jsonPath, MAX_MODEL_JSON_BYTES)).toString('utf8'), jsonPath);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(jsonPath, 'is not a JSON object');
  const { modelTopology, weightsManifest, format, generatedBy, convertedBy } = json as Record<string, unknown>;
  if (typeof modelTopology !== 'object' || modelTopology === null || Array.isArray(modelTopology)) fail(jsonPath, 'has no modelTopology object');
  if (!Array.isArray(weightsManifest)) fail(jsonPath, 'has no weightsManifest array');

  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Buffer[] = [];
  for (const group of weightsManifest as unknown[]) {
    if (typeof group !== 'object' || group === null) fail(jsonPath, 'weightsManifest entry is not an object');
    const { paths, weights } = group as Record<string, unknown>;
    if (!Array.isArray(paths) || !Array.isArray(weights)) fail(jsonPath, 'weightsManifest entry needs paths[] and weights[]');
    for (const p of paths) chunks.push(await readBounded(await resolveInside(dir, p as string, jsonPath), 2 ** 31 - 1));
    for (const w of weights as unknown[]) {
      const spec = w as Record<string, unknown>;
      if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') fail(jsonPath, 'weight spec without a name');
      if (spec.dtype !== 'float32') fail(jsonPath, `weight ${quoteShort(spec.name)} has dtype ${quoteShort(spec.dtype)}; only float32 is supported`);
      if (spec.quantization !== undefined) fail(jsonPath, `weight ${quoteShort(spec.name)} is quantised; not supported`);
      if (!Array.isArray(spec.shape) || !spec.shape.every(isCount)) fail(jsonPath, `weight ${quoteShort(spec.name)} has an invalid shape`);
      specs.push({ name: spec.name, shape: spec.shape as number[], dtype: 'float32' });
    }
  }
  const data = Buffer.concat(chunks);
  const weights = new Map<string, RawTensor>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * count > data.length) fail(jsonPath, `weights end early: ${quoteShort(spec.name)} needs bytes up to ${offset + 4 * count}, the files hold ${data.length}`);
    if (weights.has(spec.name)) fail(jsonPath, `weight ${quoteShort(spec.name)} appears twice`);
    const values = new Float32Array(count);
    for (let k = 0; k < count; k++) values[k] = data.readFloatLE(offset + 4 * k);
    weights.set(spec.name, { shape: spec.shape, data: values });
    offset += 4 * count;
  }
  if (offset !== data.length) fail(jsonPath, `weight files hold ${data.length} bytes but the manifest describes ${offset}`);

  const exact = new Uint8Array(data.length);
  exact.set(data);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelTopology as object,
    weightSpecs: specs,
    weightData: exact.buffer,
    format: typeof format === 'string' ? format : undefined,
    generatedBy: typeof generatedBy === 'string' ? generatedBy : undefined,
    convertedBy: typeof convertedBy === 'string' ? convertedBy : null,
  };
  return { artifacts, weights };
}

function checkTopology(artifacts: tf.io.ModelArtifacts, meta: LabModelMeta, where: string): void {
  if (canonicalTopology(artifacts.modelTopology) !== expectedTopology(meta.config, meta.vocab.length)) {
    fail(where, `topology does not match the configuration in ${LAB_SIDECAR_FILE} (edited or damaged?)`);
  }
}

/**
 * `tf.loadLayersModel` for a lab export folder on disk (no tfjs-node). The topology must be exactly the one
 * `lab-model.json` describes (see `expectedTopology`). Any failure — our validation or tf refusing the model —
 * is a LabError('MODEL_FILE'). The caller owns (and must dispose) the model.
 */
export async function loadLayersModelFromDir(dir: string): Promise<tf.LayersModel> {
  const meta = await readLabSidecar(dir);
  const { artifacts, weights } = await readLayersArtifacts(dir);
  const where = path.join(dir, LAYERS_MODEL_FILE);
  checkTopology(artifacts, meta, where);
  // tf matches weights to layers by name; only the names this configuration has may reach it.
  const expected = weightNameMap({ config: meta.config, vocabSize: meta.vocab.length });
  for (const tfName of weights.keys()) {
    if (!expected.has(tfName)) fail(where, `unexpected weight ${quoteShort(tfName)} for the configuration in ${LAB_SIDECAR_FILE}`);
  }
  try {
    return await tf.loadLayersModel({ load: async () => artifacts }, { strict: true });
  } catch (e) {
    fail(where, `TensorFlow.js cannot build this model (${(e as Error).message})`);
  }
}

/** Reads `lab-model.json` from a model folder. */
export async function readLabSidecar(dir: string): Promise<LabModelMeta> {
  const file = path.join(dir, LAB_SIDECAR_FILE);
  return parseLabMeta(parseJsonText((await readBounded(file, MAX_MODEL_JSON_BYTES)).toString('utf8'), file), file);
}

/**
 * Imports a Layers folder as a ModelState: weights from the manifest (mapped back to lab names), configuration
 * from `lab-model.json`, and a check that model.json's topology is the one that configuration produces — so
 * the lab computes exactly what `tf.loadLayersModel` would.
 */
export async function importLayersModel(dir: string): Promise<{ state: ModelState; meta: LabModelMeta }> {
  const meta = await readLabSidecar(dir);
  const { artifacts, weights } = await readLayersArtifacts(dir);
  const where = path.join(dir, LAYERS_MODEL_FILE);
  const shape = { config: meta.config, vocabSize: meta.vocab.length };
  const names = weightNameMap(shape);
  const renamed = new Map<string, RawTensor>();
  for (const [tfName, t] of weights) {
    const labName = names.get(tfName);
    if (!labName) fail(where, `unexpected weight ${quoteShort(tfName)} for the configuration in ${LAB_SIDECAR_FILE}`);
    renamed.set(labName, t);
  }
  checkTopology(artifacts, meta, where);
  return { state: assembleState(meta, renamed, where), meta };
}
