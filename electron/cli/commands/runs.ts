/**
 * `lab runs` lists saved runs by name, `lab label` names a run and sets its note — the same label.json the app
 * writes (engine/run/runLabel.ts), so a name given here shows in the app and the other way round.
 */
import os from 'node:os';
import path from 'node:path';
import { LabError } from '../../engine/errors.js';
import { listRuns } from '../../engine/run/runFolder.js';
import { readRunLabel, runDisplayName, writeRunLabel } from '../../engine/run/runLabel.js';
import { parseCommandArgs, helpText, printJson, defineCommand, requireOption } from '../args.js';
import { desktopDataDir } from '../userPresets.js';

const listSpec = defineCommand({
  name: 'runs',
  summary: 'Lists saved runs, newest first, by the name they were given (in the app or with `lab label`), else by id.',
  usage: 'runs [--dir DIR …] [--json]',
  help: [
    '--dir DIR           a folder of run folders (a sweep\'s --out, the app\'s runs/); repeatable',
    '                    (default: the runs/ folders of the desktop app and of serve, ~/.makemore-lab)',
    '--json              print one JSON object instead (names and whole notes included)',
  ],
  options: { dir: { type: 'string', multiple: true }, json: { type: 'boolean' } },
});

const labelSpec = defineCommand({
  name: 'label',
  summary: 'Names a run and/or sets its note (label.json in the run folder; safe while the run trains).',
  usage: 'label --run DIR [--name NAME] [--note TEXT] [--json]',
  help: [
    '--run DIR           the run folder',
    '--name NAME         1–100 characters, one line (no control or bidirectional formatting characters)',
    '--note TEXT         up to 10,000 characters; line breaks and tabs allowed',
    '--json              print one JSON object with the run\'s id, name and note',
  ],
  options: { run: { type: 'string' }, name: { type: 'string' }, note: { type: 'string' }, json: { type: 'boolean' } },
});

export async function runsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(listSpec, argv);
  if (values.help) return void console.log(helpText(listSpec));
  const roots = values.dir?.map((d) => path.resolve(d)) ?? [path.join(desktopDataDir(), 'runs'), path.join(os.homedir(), '.makemore-lab', 'runs')];
  const rows = [];
  for (const root of roots) {
    for (const { dir, record } of await listRuns(root)) {
      const label = await readRunLabel(dir);
      rows.push({
        id: record.id,
        name: runDisplayName(record, label),
        note: label.note,
        dir,
        preset: record.preset,
        status: record.status,
        createdAt: record.createdAt,
        steps: record.result?.steps ?? record.checkpointStep,
        totalSteps: record.config.train.steps,
        loss: record.result?.loss ?? null,
      });
    }
  }
  if (values.json) return printJson({ runs: rows });
  if (rows.length === 0) return void console.log(`no runs in ${roots.join(' or ')}`);
  for (const r of rows) {
    const named = r.name !== r.id ? `${r.name}  (${r.id})` : r.id;
    const dev = r.loss ? `  dev ${r.loss.val.toFixed(4)}` : '';
    console.log(`${named}  ${r.preset ?? 'custom'}  ${r.status}  ${r.steps}/${r.totalSteps} steps${dev}  ${r.dir}`);
    // The note's first line (a label's note never holds a character that could move the terminal's cursor).
    if (r.note) {
      const first = r.note.split('\n')[0];
      console.log(`    ${first.length > 100 ? `${first.slice(0, 100)}…` : first}${r.note.includes('\n') ? ' …' : ''}`);
    }
  }
}

export async function labelCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(labelSpec, argv);
  if (values.help) return void console.log(helpText(labelSpec));
  const dir = path.resolve(requireOption('label', 'run', values.run));
  if (values.name === undefined && values.note === undefined) throw new LabError('ARGUMENT', "label: give --name, --note or both (see 'lab label --help')");
  // A broken rule is a LabError whose one line names the field (main prints it after "lab label: ").
  const label = await writeRunLabel(dir, { name: values.name, note: values.note });
  const id = (await listRuns(path.dirname(dir))).find((r) => path.resolve(r.dir) === dir)?.record.id ?? path.basename(dir);
  if (values.json) return printJson({ id, name: runDisplayName({ id }, label), note: label.note });
  console.log(`${id}: named ${JSON.stringify(runDisplayName({ id }, label))}${label.note ? `, note of ${label.note.split('\n').length} line(s)` : ''}`);
}
