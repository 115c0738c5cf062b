/**
 * The zod building blocks of the contract's request schemas (channels.ts declares each channel's schema from
 * these); the renderer also uses `experimentConfigSchema` for field validation in the preset editor.
 * Browser-safe (zod only).
 *
 * Limits here are sanity bounds against hostile or corrupt payloads, not the engine's own checks (which
 * still run): they keep a config from asking for a billion-unit layer before anything allocates.
 */
import { z } from 'zod';
import type { BackendChoice } from '../engine/compute/types.js';
import type { ExperimentConfig, InitSpec } from '../engine/model/config.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
export const positiveInt = (max: number) => z.number().int().min(1).max(max);

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

export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'not a run id')
  .refine((s) => s !== '.' && s !== '..', 'not a run id');
export const backendChoiceSchema = z.enum(['auto', 'tensorflow', 'onnxruntime', 'fused', 'wasm', 'cpu']) satisfies z.ZodType<BackendChoice>;
export const exportFormatSchema = z.enum(['tfjs', 'onnx', 'safetensors']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;
export const pathSchema = z.string().min(1).max(4096);

/** Base64 of at most ~100 MB (the words-file limit) — the engine checks the decoded size exactly. */
export const MAX_BASE64_CHARS = Math.ceil((100 * 1024 * 1024) / 3) * 4 + 4;
