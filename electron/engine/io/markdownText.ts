/**
 * User text (a run's name or note) placed in a Markdown file so that it renders as exactly that text: never as
 * HTML, a link, an image, a heading, a list, a table, a code block, emphasis or math, whatever it contains.
 *
 * CommonMark lets a backslash escape any ASCII punctuation character, so: a backslash escape before every
 * character that can open inline markup anywhere in a line (`\ ` * _ [ ] < > | ~ & $`), and before those that
 * only act at the start of a line (`# + - =`, and the `.`/`)` after a leading number, which makes a list item).
 * Leading spaces and tabs become `&nbsp;` (4 spaces of indentation would otherwise make a code block; an entity
 * we write ourselves is safe because every `&` of the user's is escaped). Line breaks stay line breaks (a
 * trailing backslash is CommonMark's hard break); blank lines separate paragraphs.
 */

const INLINE = /[\\`*_[\]<>|~&$]/g;
const LINE_START = /^([#+\-=]|\d+[.)])/;

function escapeLine(line: string): string {
  const indent = /^[ \t]*/.exec(line)![0];
  let body = line.slice(indent.length).trimEnd().replace(INLINE, (c) => `\\${c}`);
  body = body.replace(LINE_START, (m) => (/^\d/.test(m) ? `${m.slice(0, -1)}\\${m.slice(-1)}` : `\\${m}`));
  return indent.replace(/\t/g, '    ').replace(/ /g, '&nbsp;') + body;
}

/** The text as Markdown that renders to it (lines kept; runs of blank lines become one paragraph break). */
export function markdownText(text: string): string {
  const lines = text.split(/\r\n?|\n/).map(escapeLine);
  const out: string[] = [];
  lines.forEach((line, i) => {
    const blank = line.replace(/&nbsp;/g, '') === '';
    if (blank) {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      return;
    }
    const nextBlank = i + 1 >= lines.length || lines[i + 1].replace(/&nbsp;/g, '') === '';
    out.push(nextBlank ? line : `${line}\\`);
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
