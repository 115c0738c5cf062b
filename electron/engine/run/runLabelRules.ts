/**
 * The rules for a run's name and note, checked by the engine's writer and reader (runLabel.ts) — so the same for
 * the app's `runs.label` channel (whose zod schema only bounds the payload's size) and for `lab label`.
 *
 * A name is one line a table cell, a chart legend, a terminal and a Markdown card all show: 1–100 characters
 * after trimming, none of the characters that change how what follows them is displayed (control characters,
 * line/paragraph separators, bidirectional embeddings/overrides/isolates — util/displayText.ts). A note is free
 * text of up to 10,000 characters: line breaks and tabs are allowed (`\r\n` and a lone `\r` become `\n`), the
 * other characters refused in a name are refused there too. Lengths count characters (code points), not UTF-16
 * units, so an emoji counts once.
 */
import { UNSAFE_CHARACTER, describeUnsafeCharacter } from '../util/displayText.js';

export const MAX_RUN_NAME_CHARS = 100;
export const MAX_RUN_NOTE_CHARS = 10_000;

const count = (text: string) => [...text].length;
const thousands = (n: number) => n.toLocaleString('en-US');

/** The name as stored: surrounding whitespace trimmed. */
export function normaliseRunName(name: string): string {
  return name.trim();
}

/** The note as stored: every line break as `\n`, trailing whitespace (empty last lines) dropped. */
export function normaliseRunNote(note: string): string {
  return note.replace(/\r\n?/g, '\n').trimEnd();
}

/** What is wrong with a name, as "name: …" (one line, no user text in it), or null when it is fine. */
export function runNameProblem(raw: string): string | null {
  const name = normaliseRunName(raw);
  const n = count(name);
  if (n < 1 || n > MAX_RUN_NAME_CHARS) {
    return `name: must be 1–${MAX_RUN_NAME_CHARS} characters after trimming spaces (got ${thousands(n)})`;
  }
  const bad = UNSAFE_CHARACTER.exec(name);
  if (bad) {
    return `name: character ${count(name.slice(0, bad.index)) + 1} is ${describeUnsafeCharacter(bad[0])}; a name is one line without control or bidirectional formatting characters`;
  }
  return null;
}

/** What is wrong with a note, as "note: …" (one line, no user text in it), or null when it is fine. */
export function runNoteProblem(raw: string): string | null {
  const note = normaliseRunNote(raw);
  const n = count(note);
  if (n > MAX_RUN_NOTE_CHARS) return `note: must be at most ${thousands(MAX_RUN_NOTE_CHARS)} characters (got ${thousands(n)})`;
  const lines = note.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const bad = UNSAFE_CHARACTER.exec(lines[i].replace(/\t/g, ' '));
    if (bad) {
      return `note: line ${i + 1}, character ${count(lines[i].slice(0, bad.index)) + 1} is ${describeUnsafeCharacter(bad[0])}; only line breaks and tabs are allowed among control and bidirectional formatting characters`;
    }
  }
  return null;
}
