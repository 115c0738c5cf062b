import { describe, expect, it } from 'vitest';
import { LabError } from '../../electron/engine/errors.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';
import { MAX_SAMPLE_LENGTH, sampleWords, type LogitsFn } from '../../electron/engine/sample/sample.js';

const vocab = ['.', 'a', 'b', 'c', 'é', 'ø'];
const V = vocab.length;

/** A bigram "model": logits depend only on the last context token, from a fixed table. */
function bigram(table: number[][], calls?: number[]): LogitsFn {
  return (x, n) => {
    calls?.push(n);
    const bs = x.length / n;
    const out = new Float32Array(n * V);
    for (let i = 0; i < n; i++) out.set(table[x[i * bs + bs - 1]], i * V);
    return out;
  };
}

const rows = (f: (prev: number) => number[]) => Array.from({ length: V }, (_, p) => f(p));

describe('sampleWords', () => {
  const mixed = bigram(rows((p) => [p === 0 ? -Infinity : 0.5, 1, 0.2, -0.3, 0.1, -1]));

  it('is deterministic for a seed and differs across seeds', () => {
    const a = sampleWords(mixed, vocab, 3, 50, 42);
    const b = sampleWords(mixed, vocab, 3, 50, 42);
    const c = sampleWords(mixed, vocab, 3, 50, 43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toHaveLength(50);
  });

  it('decodes every word to vocabulary characters, without the end token', () => {
    const words = sampleWords(mixed, vocab, 3, 200, 7);
    const allowed = new Set(vocab.slice(1));
    for (const w of words) {
      expect(w.length).toBeGreaterThan(0); // '.' cannot come first in this model
      for (const ch of w) expect(allowed.has(ch)).toBe(true);
    }
    expect(words.join('')).toMatch(/[éø]/u); // multi-byte characters come through
  });

  it('follows a deterministic model exactly and shifts the context', () => {
    // After '.', 'a'; after 'a', 'b'; after 'b', 'c'; after 'c', '.'.
    const next = [1, 2, 3, 0, 0, 0];
    const forced = bigram(rows((p) => Array.from({ length: V }, (_, j) => (j === next[p] ? 0 : -Infinity))));
    expect(sampleWords(forced, vocab, 2, 5, 1)).toEqual(['abc', 'abc', 'abc', 'abc', 'abc']);
  });

  it('batches all unfinished words per position and stops at the length limit', () => {
    const calls: number[] = [];
    const never = bigram(rows(() => [-Infinity, 0, 0, 0, 0, 0]), calls);
    const words = sampleWords(never, vocab, 3, 4, 9);
    expect(words.map((w) => w.length)).toEqual([MAX_SAMPLE_LENGTH, MAX_SAMPLE_LENGTH, MAX_SAMPLE_LENGTH, MAX_SAMPLE_LENGTH]);
    expect(calls).toEqual(new Array(MAX_SAMPLE_LENGTH).fill(4));
    expect(sampleWords(never, vocab, 3, 2, 9, { maxLength: 5 }).map((w) => w.length)).toEqual([5, 5]);
  });

  it('draws first characters with the softmax probabilities', () => {
    const logits = [-Infinity, Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity, -Infinity];
    const model = bigram(rows((p) => (p === 0 ? logits : [0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity])));
    const words = sampleWords(model, vocab, 3, 6000, 3);
    const freq = (ch: string) => words.filter((w) => w === ch).length / words.length;
    // Binomial standard error at n = 6000 is ≤ 0.0065; allow 4σ.
    expect(freq('a')).toBeCloseTo(0.5, 1);
    expect(Math.abs(freq('a') - 0.5)).toBeLessThan(0.026);
    expect(Math.abs(freq('b') - 0.3)).toBeLessThan(0.024);
    expect(Math.abs(freq('c') - 0.2)).toBeLessThan(0.021);
  });

  it('works on a real model through the ComputeBackend-shaped logits signature', () => {
    // The untrained fix-softmax MLP (emb → Linear+tanh → Linear), evaluated by a plain float64 forward pass.
    const preset = findPreset('fix-softmax')!;
    const state = initModel(preset.config.model, V, 1);
    const { C, W1, b1, W2, b2 } = state.tensors;
    const E = preset.config.model.embeddingSize;
    const bs = preset.config.model.blockSize;
    const H = preset.config.model.hidden[0].size;
    const logitsFn: LogitsFn = (x, n) => {
      const out = new Float32Array(n * V);
      const h = new Float64Array(H);
      for (let i = 0; i < n; i++) {
        h.fill(0);
        for (let t = 0; t < bs; t++)
          for (let e = 0; e < E; e++) {
            const v = C[x[i * bs + t] * E + e];
            for (let k = 0; k < H; k++) h[k] += v * W1[(t * E + e) * H + k];
          }
        for (let k = 0; k < H; k++) h[k] = Math.tanh(h[k] + b1[k]);
        for (let j = 0; j < V; j++) {
          let z = b2[j];
          for (let k = 0; k < H; k++) z += h[k] * W2[k * V + j];
          out[i * V + j] = z;
        }
      }
      return out;
    };
    const words = sampleWords(logitsFn, vocab, bs, 20, 5);
    expect(words).toEqual(sampleWords(logitsFn, vocab, bs, 20, 5));
    // Near-uniform softmax over 6 tokens: mean length ≈ 5 (geometric with p(end) ≈ 1/6).
    const meanLen = words.reduce((s, w) => s + w.length, 0) / words.length;
    expect(meanLen).toBeGreaterThan(1);
    expect(meanLen).toBeLessThan(15);
  });

  it('refuses a model with non-finite logits and a bad count', () => {
    const broken: LogitsFn = (_x, n) => new Float32Array(n * V).fill(NaN);
    expect(() => sampleWords(broken, vocab, 3, 2, 1)).toThrow(LabError);
    expect(() => sampleWords(mixed, vocab, 3, -1, 1)).toThrow(LabError);
    expect(sampleWords(mixed, vocab, 3, 0, 1)).toEqual([]);
  });
});
