/**
 * The entropy of the next-token frequencies of a split: −Σ p(c)·ln p(c) over the targets, in nats. It is the
 * lowest mean cross-entropy a model that ignores its context can reach (its best guess is those frequencies), so
 * exercise 1's zero-initialised MLP — where only the output bias b2 learns — stalls exactly there. The loss chart
 * draws it as a reference line, computed from the loaded data, not quoted.
 */
export function unigramEntropy(targets: Int32Array, n: number, vocabSize: number): number | null {
  if (n === 0) return null;
  const counts = new Float64Array(vocabSize);
  for (let i = 0; i < n; i++) counts[targets[i]]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}
