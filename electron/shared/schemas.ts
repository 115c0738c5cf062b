/**
 * zod schemas for every request payload of the contract (`./contract.ts`). Main and serve validate each
 * payload with these before a handler sees it; the renderer may use `experimentConfigSchema` for field
 * validation in the preset editor. Browser-safe (zod only).
 *
 * Limits here are sanity bounds against hostile or corrupt payloads, not the engine's own checks (which
 * still run): they keep a config from asking for a billion-unit layer before anything allocates.
 */
import { z } from 'zod';
import type { ExperimentConfig, InitSpec } from '../engine/model/config.js';
import type { InvokeChannel, RequestOf } from './contract.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const initSpecSchema: z.ZodType<InitSpec> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('zero') }).strict(),
  z.object({ kind: z.literal('constant'), value: finite }).strict(),
  z.object({ kind: z.literal('normal'), scale: finite, mean: finite.optional() }).strict(),
  z.object({ kind: z.literal('kaiming'), gain: finite, scale: finite }).strict(),
]);

const linearBlockShape = {
  bias: z.boolean(),
  batchNorm: z.boolean(),
  weightInit: initSpecSchema,
  biasInit: initSpecSchema,
  gammaInit: initSpecSchema,
  betaInit: initSpecSchema,
};

export const experimentConfigSchema: z.ZodType<ExperimentConfig> = z
  .object({
    preset: z.string().max(200).nullable(),
    model: z
      .object({
        blockSize: positiveInt(64),
        embeddingSize: positiveInt(1024),
        embeddingInit: initSpecSchema,
        hidden: z
          .array(
            z
              .object({
                ...linearBlockShape,
                size: positiveInt(8192),
                activation: z.enum(['tanh', 'relu', 'none']),
              })
              .strict(),
          )
          .max(32),
        output: z.object(linearBlockShape).strict(),
        batchNorm: z
          .object({
            eps: z.number().gt(0).max(1),
            momentum: z.number().gt(0).max(1),
          })
          .strict(),
      })
      .strict(),
    train: z
      .object({
        steps: positiveInt(100_000_000),
        batchSize: positiveInt(65_536),
        learningRate: z
          .object({
            initial: finite.refine((v) => v > 0, 'must be > 0'),
            decays: z
              .array(z.object({ atStep: z.number().int().min(0), rate: finite.refine((v) => v > 0, 'must be > 0') }).strict())
              .max(100),
          })
          .strict(),
        seed: z.number().int().min(0).max(2 ** 53),
        inspectEvery: positiveInt(100_000_000),
        evalEvery: z.number().int().min(0),
      })
      .strict(),
  })
  .strict();

const runId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'not a run id').refine((s) => s !== '.' && s !== '..', 'not a run id');
const runRef = z.object({ runId }).strict();
const none = z.undefined();
const backendChoice = z.enum(['auto', 'tensorflow', 'fused', 'wasm', 'cpu']);
const exportFormat = z.enum(['tfjs', 'onnx', 'safetensors']);
const path = z.string().min(1).max(4096);

/** Base64 of at most ~100 MB (the words-file limit) — the engine checks the decoded size exactly. */
const MAX_BASE64_CHARS = Math.ceil((100 * 1024 * 1024) / 3) * 4 + 4;

type Schemas = { [C in InvokeChannel]: z.ZodType<RequestOf<C>> };

/** The request schema of every invoke channel. */
export const requestSchemas: Schemas = {
  'app.info': none,
  'dataset.open': none,
  'dataset.loadFromPath': z.object({ path }).strict(),
  'dataset.loadBuiltIn': none,
  'dataset.upload': z
    .object({
      name: z.string().min(1).max(255),
      base64: z.string().max(MAX_BASE64_CHARS).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
    })
    .strict(),
  'presets.list': none,
  'presets.save': z
    .object({ title: z.string().trim().min(1).max(80), description: z.string().max(500), config: experimentConfigSchema })
    .strict(),
  'presets.delete': z.object({ id: z.string().min(1).max(100) }).strict(),
  'backends.describe': none,
  'runs.start': z.object({ config: experimentConfigSchema, datasetId: z.string().min(1).max(100), backend: backendChoice }).strict(),
  'runs.pause': runRef,
  'runs.resume': runRef,
  'runs.stop': runRef,
  'runs.list': none,
  'runs.get': runRef,
  'runs.delete': runRef,
  'inspect.diagnose': z.object({ runId, step: z.number().int().min(0).optional() }).strict(),
  'fold.preview': runRef,
  'fold.compare': runRef,
  'fold.export': z
    .object({
      runId,
      fold: z.boolean().optional(),
      folder: path.optional(),
      formats: z.array(exportFormat).min(1).max(3).optional(),
    })
    .strict(),
  'dialog.chooseFolder': none,
  sample: z
    .object({
      source: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('run'), runId, folded: z.boolean().optional() }).strict(),
        z.object({ kind: z.literal('model'), path }).strict(),
      ]),
      count: positiveInt(1000),
      seed: z.number().int().min(0).max(2 ** 53),
    })
    .strict(),
};

export type ValidationResult<C extends InvokeChannel> =
  | { ok: true; value: RequestOf<C> }
  | { ok: false; message: string };

/** Validates one payload for a channel; the message names the offending field. */
export function validateRequest<C extends InvokeChannel>(channel: C, payload: unknown): ValidationResult<C> {
  const schema = requestSchemas[channel] as z.ZodType<RequestOf<C>> | undefined;
  if (!schema) return { ok: false, message: `unknown channel ${String(channel)}` };
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
  return { ok: false, message: `invalid ${channel} request: ${where}: ${issue?.message ?? 'invalid'}` };
}
