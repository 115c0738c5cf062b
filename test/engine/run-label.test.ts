/**
 * A run's name and note (label.json): a rename while the training process is still writing the folder survives
 * its final rewrite of run.json; each broken rule is one line naming its field; a hand-edited label that breaks
 * the rules is read as absent; and the model card shows name and note as the text typed, never as Markdown.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../../electron/engine/errors.js';
import { markdownText } from '../../electron/engine/io/markdownText.js';
import { exportRun } from '../../electron/engine/run/exportRun.js';
import { executeRun } from '../../electron/engine/run/executeRun.js';
import { readRunRecord } from '../../electron/engine/run/runFolder.js';
import { LABEL_FILE, readRunLabel, runDisplayName, writeRunLabel } from '../../electron/engine/run/runLabel.js';
import { TrainControl } from '../../electron/engine/train/control.js';
import { runConfig, smallWordsFile, tempDir } from '../helpers/fixtures.js';

const config = (steps: number) => runConfig('bn3-fold', steps);

async function labelError(dir: string, change: Parameters<typeof writeRunLabel>[1]): Promise<string> {
  const e = await writeRunLabel(dir, change).then(() => null, (x: unknown) => x);
  if (!isLabError(e)) throw new Error(`expected a LabError for ${JSON.stringify(change).slice(0, 80)}, got ${String(e)}`);
  return e.message;
}

describe('label.json beside a run that is still training', () => {
  const dir = tempDir();
  const words = smallWordsFile(dir);
  const runDir = path.join(dir, 'run');

  it('a rename and a note written while the trainer runs survive its final run.json', async () => {
    const control = new TrainControl();
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const training = executeRun({
      runDir,
      runId: 'labelled',
      config: config(300),
      dataset: { kind: 'file', path: words },
      backend: 'auto',
      control,
      inspect: false,
      onEvent: (event) => {
        // Held at its first step, so the label is certainly written mid-run.
        if (event.type === 'started') {
          control.pause();
          started();
        }
      },
    });
    await isStarted;
    const during = await readRunRecord(runDir);
    expect(during.status).toBe('running');
    expect(await writeRunLabel(runDir, { name: '  lr 0.1, seed 7  ' })).toEqual({ name: 'lr 0.1, seed 7', note: '' });
    expect(await writeRunLabel(runDir, { note: 'first line\r\nsecond line\n\n' })).toEqual({ name: 'lr 0.1, seed 7', note: 'first line\nsecond line' });
    control.resume();
    const { record } = await training;

    // The trainer rewrote run.json after the label was written — and the label is intact.
    const after = await readRunRecord(runDir);
    expect(after.status).toBe('completed');
    expect(after.result?.steps).toBe(300);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(during.updatedAt));
    expect(JSON.stringify(after)).not.toContain('lr 0.1, seed 7');
    const label = await readRunLabel(runDir);
    expect(label).toEqual({ name: 'lr 0.1, seed 7', note: 'first line\nsecond line' });
    expect(runDisplayName(record, label)).toBe('lr 0.1, seed 7');
    const file = JSON.parse(readFileSync(path.join(runDir, LABEL_FILE), 'utf8'));
    expect(file).toMatchObject({ format: 'makemore-lab-label', version: 1, name: 'lr 0.1, seed 7', note: 'first line\nsecond line' });

    // null goes back to the id; the note stays.
    expect(await writeRunLabel(runDir, { name: null })).toEqual({ name: null, note: 'first line\nsecond line' });
    expect(runDisplayName(record, await readRunLabel(runDir))).toBe('labelled');
  }, 120_000);

  it('refuses each broken rule with one line naming the field, and writes nothing', async () => {
    const before = readFileSync(path.join(runDir, LABEL_FILE), 'utf8');
    const cases: [Parameters<typeof writeRunLabel>[1], string][] = [
      [{ name: '' }, 'name: must be 1–100 characters after trimming spaces (got 0)'],
      [{ name: ' \t ' }, 'name: must be 1–100 characters after trimming spaces (got 0)'],
      [{ name: 'x'.repeat(101) }, 'name: must be 1–100 characters after trimming spaces (got 101)'],
      [{ name: 'red\u001b[31m' }, 'name: character 4 is U+001B (escape, as in ANSI terminal sequences)'],
      [{ name: 'two\nlines' }, 'name: character 4 is U+000A (line feed)'],
      [{ name: 'abc\u202Egnp.exe' }, 'name: character 4 is U+202E (right-to-left override)'],
      [{ name: 'x\u2066y' }, 'name: character 2 is U+2066 (left-to-right isolate)'],
      [{ name: 'ok', note: 'x'.repeat(10_001) }, 'note: must be at most 10,000 characters (got 10,001)'],
      [{ note: 'fine\nnot \u0007 fine' }, 'note: line 2, character 5 is U+0007 (a control character)'],
      [{ note: 'a\n\nb\u2029c' }, 'note: line 3, character 2 is U+2029 (paragraph separator)'],
      [{}, 'give a name or a note'],
    ];
    for (const [change, message] of cases) {
      const text = await labelError(runDir, change);
      expect(text.startsWith(message), `${JSON.stringify(change).slice(0, 60)} → ${text}`).toBe(true);
      expect(text).not.toContain('\n');
    }
    // Lengths are characters: 100 emoji (200 UTF-16 units) are a valid name, 10,000 characters a valid note.
    expect((await writeRunLabel(runDir, { name: '😀'.repeat(100), note: 'y'.repeat(10_000) })).name).toBe('😀'.repeat(100));
    writeFileSync(path.join(runDir, LABEL_FILE), before);
    expect(readFileSync(path.join(runDir, LABEL_FILE), 'utf8')).toBe(before);
  });

  it('never creates a label in a folder that is not (yet) a run', async () => {
    const empty = path.join(dir, 'not-yet');
    mkdirSync(empty);
    expect(await labelError(empty, { name: 'x' })).toContain('has no run.json yet');
    expect(await readRunLabel(empty)).toEqual({ name: null, note: '' });
  });

  it('reads a hand-edited label that breaks the rules as absent', async () => {
    const odd = path.join(dir, 'odd');
    mkdirSync(odd);
    const file = path.join(odd, LABEL_FILE);
    writeFileSync(file, '{not json');
    expect(await readRunLabel(odd)).toEqual({ name: null, note: '' });
    writeFileSync(file, JSON.stringify({ format: 'makemore-lab-label', version: 1, name: 'evil\u001b]0;title\u0007', note: 'ok' }));
    expect(await readRunLabel(odd)).toEqual({ name: null, note: 'ok' });
    writeFileSync(file, JSON.stringify({ format: 'other', name: 'x', note: 'y' }));
    expect(await readRunLabel(odd)).toEqual({ name: null, note: '' });
  });
});

/** The card's Markdown as GitHub-like renderers see it: raw HTML allowed, tables and strikethrough on. */
const md = new MarkdownIt({ html: true });
const decode = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Rendered HTML holding only <p> and <br> tags, and the text of its paragraphs (lines joined by \n, paragraphs by \n\n). */
function renderedText(markdown: string): { tags: string[]; text: string } {
  const html = md.render(markdown);
  const tags = [...new Set([...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1].toLowerCase()))];
  const text = decode(html.replace(/<br>\n?/g, '\n').replace(/<\/p>\n?<p>/g, '\n\n').replace(/<\/?p>\n?/g, '')).replace(/\u00a0/g, ' ').replace(/\n$/, '');
  return { tags, text };
}

describe('Markdown escaping of names and notes', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '# not a heading',
    '## nor this',
    '[a link](https://example.com) and ![an image](https://example.com/x.png)',
    '<https://example.com> <a@b.c>',
    '```',
    'not code',
    '```',
    '    four spaces are not code',
    '\tnor is a tab',
    '| a | b |',
    '|---|---|',
    '- not a list',
    '+ nor this',
    '* nor this',
    '1. nor this',
    '2) nor this',
    '> not a quote',
    '***',
    '---',
    '===',
    '*em* _em_ **strong** ~~strike~~ `code` $x^2$ \\(math\\)',
    'a &amp; b &lt;tag&gt; &#65;',
    'ends in a backslash \\',
    '[^1]: footnote',
    '<!-- comment -->',
  ];

  it('renders every hostile line as exactly the text typed, in <p>/<br> only', () => {
    for (const line of hostile) {
      const { tags, text } = renderedText(markdownText(line));
      expect(tags.filter((t) => t !== 'p' && t !== 'br'), line).toEqual([]);
      expect(text, line).toBe(line.replace(/\t/g, '    '));
    }
    // All together, as one note: line breaks kept, blank lines as paragraphs.
    const note = hostile.join('\n') + '\n\nsecond paragraph\nits second line';
    const { tags, text } = renderedText(markdownText(note));
    expect(tags.filter((t) => t !== 'p' && t !== 'br')).toEqual([]);
    expect(text).toBe(note.replace(/\t/g, '    '));
  });

  it('renders any text made of Markdown syntax characters as that text (fast-check, 3,000 notes)', () => {
    // Every ASCII punctuation character, digits, letters, spaces, tabs and line breaks: what markup is made of.
    const alphabet = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', '0', '1', '9', 'a', 'b', 'X', ' ', ' ', '\t', '\n', '\n', '\r\n'];
    const note = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((cs) => cs.join(''));
    // What a reader sees: trailing spaces dropped, leading tabs as 4 spaces, runs of blank lines as one paragraph break.
    const expected = (text: string) =>
      text
        .split(/\r\n?|\n/)
        .map((l) => {
          const indent = /^[ \t]*/.exec(l)![0];
          return indent.replace(/\t/g, '    ') + l.slice(indent.length).trimEnd();
        })
        .map((l) => (l.trim() === '' ? '' : l))
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .replace(/^\n+|\n+$/g, '');
    fc.assert(
      fc.property(note, (text) => {
        const { tags, text: shown } = renderedText(markdownText(text));
        return tags.every((t) => t === 'p' || t === 'br') && shown === expected(text);
      }),
      { numRuns: 3000, seed: 20261130 },
    );
  });

  it('puts name and note into the model card of an exported run, escaped', async () => {
    const dir = tempDir();
    const words = smallWordsFile(dir);
    const runDir = path.join(dir, 'run');
    await executeRun({ runDir, runId: 'card', config: config(50), dataset: { kind: 'file', path: words }, backend: 'auto', inspect: false });
    const name = '<b>bold</b> # [x](y) | *run*';
    const note = '# Heading?\n<script>alert(1)</script>\n\n- item? `code`';
    await writeRunLabel(runDir, { name, note });
    const outDir = path.join(dir, 'export');
    await exportRun(runDir, { outDir, formats: ['safetensors'], fold: true });
    const card = readFileSync(path.join(outDir, 'README.md'), 'utf8');
    const html = md.render(card);
    // The card's own structure is intact: the headings are the card's, none come from the user's text.
    const headings = [...html.matchAll(/<h(\d)>([^<]*)<\/h\d>/g)].map((m) => m[2]);
    expect(headings).toEqual(expect.arrayContaining(['Run', 'Note', 'Architecture', 'BatchNorm folding']));
    expect(headings).not.toContain('Heading?');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    // The run section renders as the text typed.
    const run = card.slice(card.indexOf('## Run'), card.indexOf('## Architecture'));
    const nameLine = run.split('\n').find((l) => l.startsWith('Name: '))!;
    expect(renderedText(nameLine).text).toBe(`Name: ${name} (run id card)`);
    const noteBlock = run.slice(run.indexOf('### Note') + '### Note'.length).trim();
    expect(renderedText(noteBlock)).toEqual({ tags: ['p', 'br'], text: note });
  }, 120_000);
});
