/**
 * Characters that change how a terminal or a text view shows *what follows them*, rather than showing
 * themselves: they are refused in word lists (and so in every vocabulary) and escaped in every user-facing
 * error message, so a word, a sampled name or a file name can never move the cursor, recolour the terminal,
 * start a new line or reorder the rest of the line.
 *
 *  - C0 and C1 control characters and DEL (U+0000–U+001F, U+007F–U+009F): newline, carriage return, tab,
 *    ESC (the start of every ANSI escape sequence), NEL, CSI, …
 *  - the Unicode line and paragraph separators (U+2028, U+2029): some viewers break the line there, which
 *    would make one word look like two.
 *  - the bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): they are
 *    stateful — they reorder everything after them up to the end of the line, which is how text can display
 *    as something other than its characters ("Trojan Source", CVE-2021-42574).
 *
 * Other invisible or format characters stay allowed on purpose: the zero-width joiner and non-joiner are
 * part of correct spelling in Persian, Indic scripts and emoji sequences; the left-to-right / right-to-left
 * marks (U+200E, U+200F), the soft hyphen, variation selectors and U+FEFF inside a word only affect the
 * characters next to them. They are ordinary (if invisible) vocabulary characters, exactly as in Python's
 * makemore.
 *
 * No Node imports: errors.ts uses this, and the renderer's type-check includes errors.ts.
 */

/** Matches one unsafe character (see above). Global flag off: safe to use with `test` and `search`. */
export const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'g');

const NAMES = new Map<number, string>([
  [0x00, 'NUL'],
  [0x09, 'tab'],
  [0x0a, 'line feed'],
  [0x0b, 'vertical tab'],
  [0x0c, 'form feed'],
  [0x0d, 'carriage return'],
  [0x1b, 'escape, as in ANSI terminal sequences'],
  [0x7f, 'delete'],
  [0x85, 'next line'],
  [0x9b, 'control sequence introducer'],
  [0x2028, 'line separator'],
  [0x2029, 'paragraph separator'],
  [0x202a, 'left-to-right embedding'],
  [0x202b, 'right-to-left embedding'],
  [0x202c, 'pop directional formatting'],
  [0x202d, 'left-to-right override'],
  [0x202e, 'right-to-left override'],
  [0x2066, 'left-to-right isolate'],
  [0x2067, 'right-to-left isolate'],
  [0x2068, 'first strong isolate'],
  [0x2069, 'pop directional isolate'],
]);

/** "U+001B (escape, as in ANSI terminal sequences)": how a message names an unsafe character. */
export function describeUnsafeCharacter(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES.get(cp) ?? (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? 'a control character' : 'a formatting control');
  return `${hex} (${name})`;
}

/**
 * The text with every unsafe character written as an escape (`\n`, `\r`, `\t`, otherwise `\u001b`), so it
 * prints as exactly one line that shows what is really there.
 */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * A value from a file or a user, quoted for a message and kept short: strings are cut to `max` characters
 * (code points) before JSON quoting, anything else is cut after it — so a 5,000-character tensor name or
 * vocabulary token cannot turn a one-line error into a screenful.
 */
export function quoteShort(value: unknown, max = 40): string {
  if (typeof value === 'string') {
    const cps = [...value];
    return JSON.stringify(cps.length > max ? `${cps.slice(0, max).join('')}…` : value);
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max + 20 ? `${text.slice(0, max + 20)}…` : text;
}
