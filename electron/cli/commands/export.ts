import path from 'node:path';
import { LabError } from '../../engine/errors.js';
import { ALL_FORMATS, type ExportFormat } from '../../engine/io/exportModel.js';
import { exportRun } from '../../engine/run/exportRun.js';
import { defineCommand, helpText, parseCommandArgs, printJson, requireOption } from '../args.js';

const spec = defineCommand({
  name: 'export',
  summary:
    "Exports a run's model as TensorFlow.js Layers, ONNX and/or safetensors with a model card (README.md); each file is reloaded by an independent reader and its logits compared before the folder is put in place.",
  usage: 'export --run DIR [--fold] --format tfjs|onnx|safetensors|all --out DIR [--json]',
  help: [
    '--run DIR           a run folder written by `lab train`',
    '--fold              fold every BatchNorm into its Linear first (checked on every split)',
    '--format F          tfjs, onnx, safetensors or all (comma-separated list allowed)',
    '--out DIR           the export folder (created, or replaced if it only holds a previous export)',
    '--json              last line of stdout is one JSON object: files with sizes and the verification figures',
  ],
  options: { run: { type: 'string' }, fold: { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
});

function parseFormats(value: string): ExportFormat[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.includes('all')) return [...ALL_FORMATS];
  for (const f of items) {
    if (!(ALL_FORMATS as readonly string[]).includes(f)) throw new LabError('ARGUMENT', `export: unknown format '${f}' (tfjs, onnx, safetensors or all)`);
  }
  if (items.length === 0) throw new LabError('ARGUMENT', 'export: --format needs a value');
  return items as ExportFormat[];
}

export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const runDir = path.resolve(requireOption('export', 'run', values.run));
  const formats = parseFormats(requireOption('export', 'format', values.format));
  const outDir = path.resolve(requireOption('export', 'out', values.out));
  const r = await exportRun(runDir, { outDir, formats, fold: Boolean(values.fold) });
  if (values.json) {
    printJson({ out: r.outDir, folded: r.folded, files: r.files, verification: r.verification, fold: r.fold && { maxAbsLogitDiff: r.fold.comparison.maxAbsLogitDiff, loss: r.fold.comparison.loss } });
    return;
  }
  for (const f of r.files) console.log(`${String(f.bytes).padStart(9)}  ${f.path}`);
  for (const [format, v] of Object.entries(r.verification.formats)) {
    console.log(v.skipped ? `${format}: not verified (${v.skipped})` : `${format}: reloaded with ${v.checkedWith}, max |Δlogit| ${v.maxAbsLogitDiff?.toExponential(2)}`);
  }
  console.log(`exported to ${r.outDir}`);
}
