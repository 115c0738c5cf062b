/**
 * The lab's own description of an exported model — vocabulary, block size, configuration, folded or not — as
 * it travels beside or inside every format (`lab-model.json`, ONNX `metadata_props`, safetensors
 * `__metadata__`). Everything read back from a file is untrusted, so it is validated here before any array is
 * sized from it.
 */
import { z } from 'zod';
import type { ModelConfig } from '../model/config.js';
import { vocabularyProblem } from '../data/dataset.js';
import { LabError } from '../errors.js';
import { quoteShort } from '../util/displayText.js';
import { paramSpecs, type ModelState } from '../model/params.js';

export const LAB_FORMAT = 'makemore-lab';
export const LAB_FORMAT_VERSION = 1;

/** The sidecar `lab-model.json` (and the same object embedded in ONNX/safetensors metadata). */
export interface LabModelMeta {
  format: typeof LAB_FORMAT;
  version: typeof LAB_FORMAT_VERSION;
  /** Token i is vocab[i]; vocab[0] is '.', the start/end token. */
  vocab: string[];
  blockSize: number;
  config: ModelConfig;
  /** True when every BatchNorm was folded into its Linear (the config then has no BatchNorm). */
  folded: boolean;
}

// Bounds keep a hostile file from making us allocate absurd arrays before the byte-count checks run.
const size = (max: number) => z.number().int().min(1).max(max);
const initSpec = z.union([
  z.object({ kind: z.literal('zero') }),
  z.object({ kind: z.literal('constant'), value: z.number() }),
  z.object({ kind: z.literal('normal'), scale: z.number(), mean: z.number().optional() }),
  z.object({ kind: z.literal('kaiming'), gain: z.number(), scale: z.number() }),
]);
const block = z.object({
  bias: z.boolean(),
  batchNorm: z.boolean(),
  weightInit: initSpec,
  biasInit: initSpec,
  gammaInit: initSpec,
  betaInit: initSpec,
});
const modelConfig = z.object({
  blockSize: size(1024),
  embeddingSize: size(65_536),
  embeddingInit: initSpec,
  hidden: z.array(block.extend({ size: size(1 << 20), activation: z.enum(['tanh', 'relu', 'none']) })).max(256),
  output: block,
  batchNorm: z.object({ eps: z.number().nonnegative(), momentum: z.number() }),
});
const labMeta = z.object({
  format: z.literal(LAB_FORMAT),
  version: z.literal(LAB_FORMAT_VERSION),
  vocab: z.array(z.string()).min(1).max(1 << 20),
  blockSize: size(1024),
  config: modelConfig,
  folded: z.boolean(),
});

export function makeLabMeta(config: ModelConfig, vocab: readonly string[], folded: boolean): LabModelMeta {
  return { format: LAB_FORMAT, version: LAB_FORMAT_VERSION, vocab: [...vocab], blockSize: config.blockSize, config, folded };
}

/** Validates an untrusted value as lab metadata; `where` names the file for the error message. */
export function parseLabMeta(value: unknown, where: string): LabModelMeta {
  const parsed = labMeta.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new LabError('MODEL_FILE', `${where}: invalid lab model metadata${at}: ${issue.message}`, { file: where });
  }
  const meta = parsed.data as LabModelMeta;
  if (meta.blockSize !== meta.config.blockSize) {
    throw new LabError('MODEL_FILE', `${where}: blockSize ${meta.blockSize} differs from config.blockSize ${meta.config.blockSize}`, { file: where });
  }
  const vocabProblem = vocabularyProblem(meta.vocab);
  if (vocabProblem) throw new LabError('MODEL_FILE', `${where}: invalid vocabulary: ${vocabProblem}`, { file: where });
  if (meta.folded && hasBatchNorm(meta.config)) {
    throw new LabError('MODEL_FILE', `${where}: marked folded but its config still has BatchNorm`, { file: where });
  }
  return meta;
}

/** Parses JSON text, turning a syntax error into a MODEL_FILE error that names the file. */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LabError('MODEL_FILE', `${where}: not valid JSON (${(e as Error).message})`, { file: where });
  }
}

export function hasBatchNorm(config: ModelConfig): boolean {
  return config.output.batchNorm || config.hidden.some((h) => h.batchNorm);
}

/** A named tensor as read from a file, before it is checked against the configuration. */
export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Builds a ModelState from tensors read out of a file, demanding exactly the tensors the configuration
 * implies (`paramSpecs`) with exactly their shapes — a missing, extra or mis-shaped tensor is a bad file.
 */
export function assembleState(meta: LabModelMeta, tensors: Map<string, RawTensor>, where: string): ModelState {
  const vocabSize = meta.vocab.length;
  // Tensor names come from the file: a plain object's `in` would see Object.prototype ('constructor',
  // '__proto__', 'toString', …) and let such a tensor pass as expected, so expected names are a Set.
  const expected = new Set<string>();
  const out: Record<string, Float32Array> = {};
  for (const spec of paramSpecs(meta.config, vocabSize)) {
    expected.add(spec.name);
    const t = tensors.get(spec.name);
    if (!t) throw new LabError('MODEL_FILE', `${where}: tensor '${spec.name}' is missing`, { file: where });
    if (t.shape.length !== spec.shape.length || t.shape.some((d, k) => d !== spec.shape[k])) {
      throw new LabError(
        'MODEL_FILE',
        `${where}: tensor '${spec.name}' has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
        { file: where },
      );
    }
    out[spec.name] = t.data;
  }
  const extra = [...tensors.keys()].filter((name) => !expected.has(name));
  if (extra.length) {
    const shown = extra.slice(0, 5).map((name) => quoteShort(name, 60));
    throw new LabError('MODEL_FILE', `${where}: unexpected tensor(s) ${shown.join(', ')}${extra.length > 5 ? ', …' : ''}`, { file: where });
  }
  return { config: meta.config, vocabSize, tensors: out };
}

/**
 * Lab metadata as a flat string→string map, the shape ONNX `metadata_props` and safetensors `__metadata__`
 * require. Lists and objects are JSON strings so a Python user can `json.loads` them.
 */
export function labMetaToStrings(meta: LabModelMeta): Map<string, string> {
  return new Map([
    ['format', meta.format],
    ['version', String(meta.version)],
    ['vocab', JSON.stringify(meta.vocab)],
    ['blockSize', String(meta.blockSize)],
    ['config', JSON.stringify(meta.config)],
    ['folded', String(meta.folded)],
  ]);
}

/** The inverse of `labMetaToStrings`, for metadata read from a file (a Map: keys are the file's, untrusted). */
export function labMetaFromStrings(map: ReadonlyMap<string, string>, where: string): LabModelMeta {
  const format = map.get('format');
  if (format !== LAB_FORMAT) {
    throw new LabError('MODEL_FILE', `${where}: no makemore-lab metadata (format is ${quoteShort(format ?? null)})`, { file: where });
  }
  const json = (key: string): unknown => parseJsonText(map.get(key) ?? '', `${where} metadata '${key}'`);
  const foldedText = map.get('folded');
  const folded = foldedText === 'true' ? true : foldedText === 'false' ? false : foldedText;
  return parseLabMeta(
    { format, version: Number(map.get('version')), vocab: json('vocab'), blockSize: Number(map.get('blockSize')), config: json('config'), folded },
    where,
  );
}
