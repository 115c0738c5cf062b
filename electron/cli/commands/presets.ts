import { PRESETS } from '../../engine/model/presets.js';
import { parameterCount } from '../../engine/model/params.js';
import { parseCommandArgs, helpText, printJson, defineCommand } from '../args.js';

const spec = defineCommand({
  name: 'presets',
  summary: 'Lists the experiment presets (parameter counts are for the 27-token names vocabulary).',
  usage: 'presets [--json]',
  help: ['--json              print one JSON object instead'],
  options: { json: { type: 'boolean' } },
});

export async function presetsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  if (values.json) {
    printJson({ presets: PRESETS.map((p) => ({ id: p.id, title: p.title, description: p.description, params: parameterCount(p.config.model, 27), reference: p.reference })) });
    return;
  }
  const width = Math.max(...PRESETS.map((p) => p.id.length));
  for (const p of PRESETS) console.log(`${p.id.padEnd(width)}  ${String(parameterCount(p.config.model, 27)).padStart(6)} params  ${p.description}`);
}
