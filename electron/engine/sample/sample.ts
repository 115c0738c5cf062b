/**
 * Sampling words from a trained model, as the lectures do: start from an all-'.' context, draw the next
 * character from softmax(logits), shift it into the context, stop at '.'.
 *
 * All words are generated together: each position asks the model once for the logits of every unfinished
 * word (one batched call instead of one per word). Draws come from one seeded `Rng` in a fixed order, so a
 * given (model, seed, count) always yields the same words.
 */
import { LabError } from '../errors.js';
import { Rng } from '../util/rng.js';

/** Longest word produced; matches the dataset's word-length limit. */
export const MAX_SAMPLE_LENGTH = 64;

/** Inference-mode logits [n, vocab] for int32 contexts [n, blockSize]. */
export type LogitsFn = (x: Int32Array, n: number) => Float32Array;

export interface SampleOptions {
  /** Stop a word at this many characters (default 64). */
  maxLength?: number;
}

/**
 * @param vocab token → character; token 0 is '.', the start/end token
 * @returns `count` words, without the final '.'
 */
export function sampleWords(
  logitsFn: LogitsFn,
  vocab: readonly string[],
  blockSize: number,
  count: number,
  seed: number,
  options: SampleOptions = {},
): string[] {
  const maxLength = options.maxLength ?? MAX_SAMPLE_LENGTH;
  const V = vocab.length;
  if (!Number.isInteger(count) || count < 0) throw new LabError('ARGUMENT', `sample count must be a non-negative integer (got ${count})`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`sampleWords: block size ${blockSize}`);
  const rng = new Rng(seed);
  const words: number[][] = Array.from({ length: count }, () => []);
  // contexts[w] is word w's current context (blockSize tokens, oldest first).
  const contexts = new Int32Array(count * blockSize);
  let active = Array.from({ length: count }, (_, w) => w);
  const probs = new Float64Array(V);
  const batch = new Int32Array(count * blockSize);

  while (active.length > 0) {
    const n = active.length;
    for (let k = 0; k < n; k++) {
      const w = active[k];
      batch.set(contexts.subarray(w * blockSize, (w + 1) * blockSize), k * blockSize);
    }
    const logits = logitsFn(batch.subarray(0, n * blockSize), n);
    if (logits.length !== n * V) throw new RangeError(`sampleWords: expected ${n}×${V} logits, got ${logits.length}`);
    const still: number[] = [];
    for (let k = 0; k < n; k++) {
      const w = active[k];
      const token = drawToken(logits, k * V, V, probs, rng);
      const ctx = contexts.subarray(w * blockSize, (w + 1) * blockSize);
      ctx.copyWithin(0, 1);
      ctx[blockSize - 1] = token;
      if (token === 0) continue;
      words[w].push(token);
      if (words[w].length < maxLength) still.push(w);
    }
    active = still;
  }
  return words.map((tokens) => tokens.map((t) => vocab[t]).join(''));
}

/** One multinomial draw from softmax(logits[offset .. offset+V)), computed stably in float64. */
function drawToken(logits: Float32Array, offset: number, V: number, probs: Float64Array, rng: Rng): number {
  let max = -Infinity;
  for (let j = 0; j < V; j++) if (logits[offset + j] > max) max = logits[offset + j];
  let sum = 0;
  for (let j = 0; j < V; j++) {
    const p = Math.exp(logits[offset + j] - max);
    probs[j] = p;
    sum += p;
  }
  if (!(sum > 0) || !Number.isFinite(sum)) {
    throw new LabError('RUN', 'the model produces non-finite logits (did training diverge?); cannot sample from it');
  }
  const u = rng.uniform() * sum;
  let acc = 0;
  for (let j = 0; j < V; j++) {
    acc += probs[j];
    if (u < acc) return j;
  }
  // u rounded to the very top of the total: the last token with non-zero probability.
  for (let j = V - 1; j >= 0; j--) if (probs[j] > 0) return j;
  return 0;
}
