import { LabError } from '../../engine/errors.js';
import { parameterCount } from '../../engine/model/params.js';
import { parseCommandArgs, helpText, printJson, defineCommand } from '../args.js';
import { allPresets } from '../userPresets.js';

const spec = defineCommand({
  name: 'presets',
  summary: 'Lists the experiment presets, built-in and saved in the app (parameter counts are for the 27-token names vocabulary).',
  usage: 'presets [--show ID] [--data-dir DIR] [--json]',
  help: [
    '--show ID           print one preset\'s whole configuration (with --json: the JSON that --config reads)',
    '--data-dir DIR      the app\'s data folder, for its saved presets (default: the desktop app\'s and serve\'s)',
    '--json              print one JSON object instead',
  ],
  options: { show: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
});

export async function presetsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const presets = await allPresets(values['data-dir']);
  if (values.show !== undefined) {
    const p = presets.find((x) => x.id === values.show);
    if (!p) throw new LabError('ARGUMENT', `presets: unknown preset '${values.show}' (one of ${presets.map((x) => x.id).join(', ')})`);
    if (values.json) return printJson(p.config);
    console.log(`${p.id}${p.user ? ` (saved in ${p.file})` : ''}: ${p.title}`);
    console.log(p.description);
    console.log(JSON.stringify(p.config, null, 2));
    return;
  }
  const rows = presets.map((p) => ({ id: p.id, title: p.title, description: p.description, params: parameterCount(p.config.model, 27), reference: p.reference, user: p.user }));
  if (values.json) return printJson({ presets: rows });
  const width = Math.max(...rows.map((p) => p.id.length));
  for (const p of rows) console.log(`${p.id.padEnd(width)}  ${String(p.params).padStart(6)} params  ${p.user ? '(saved) ' : ''}${p.description}`);
}
