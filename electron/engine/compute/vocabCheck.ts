/**
 * Tokens and targets must lie in [0, vocab) before any backend touches the model: a step that fails half-way
 * would already have moved BatchNorm's running buffers (and tf.js gathers/one-hots silently accept an
 * out-of-range target, training on garbage). One message for every backend, naming the first bad value.
 */

/** The first token or target outside [0, vocab), by index, as a one-line message (null when all are in range). */
export function outsideVocabulary(what: string, x: Int32Array, y: Int32Array | null, vocab: number): string | null {
  const bad = (v: number) => v < 0 || v >= vocab;
  const i = x.findIndex(bad);
  if (i >= 0) return `${what}: token x[${i}] = ${x[i]} is outside the vocabulary [0, ${vocab}); nothing was changed`;
  const j = y ? y.findIndex(bad) : -1;
  if (j >= 0) return `${what}: target y[${j}] = ${y![j]} is outside the vocabulary [0, ${vocab}); nothing was changed`;
  return null;
}

/** Throws a RangeError with `outsideVocabulary`'s message when any token or target is out of range. */
export function assertInVocabulary(what: string, x: Int32Array, y: Int32Array | null, vocab: number): void {
  const message = outsideVocabulary(what, x, y, vocab);
  if (message) throw new RangeError(message);
}
