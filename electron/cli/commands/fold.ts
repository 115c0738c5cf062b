import path from 'node:path';
import { foldRun } from '../../engine/run/foldRun.js';
import { foldVerdict } from '../../engine/fold/verdict.js';
import { backendOption, defineCommand, helpText, parseCommandArgs, printJson, requireOption } from '../args.js';

const spec = defineCommand({
  name: 'fold',
  summary: 'Folds every BatchNorm of a trained run into the Linear before it, checks the logits are unchanged on every split, and saves the folded model.',
  usage: 'fold --run DIR [--out DIR] [--backend B] [--json]',
  help: [
    '--run DIR           a run folder written by `lab train`',
    '--out DIR           where to save the folded model (default: DIR/folded)',
    '--backend B         compute backend for the comparison (default auto)',
    '--json              last line of stdout is one JSON object',
  ],
  options: { run: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } },
});

export async function foldCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const runDir = path.resolve(requireOption('fold', 'run', values.run));
  const r = await foldRun(runDir, { out: values.out ? path.resolve(values.out) : undefined, backend: backendOption('fold', values.backend) });
  const c = r.comparison;
  const verdict = foldVerdict(c);
  if (values.json) {
    printJson({ verdict, maxAbsLogitDiff: c.maxAbsLogitDiff, loss: c.loss, inferenceMs: c.inferenceMs, parameters: r.parameters, folds: r.folds, backend: r.backend, out: r.out });
    return;
  }
  for (const f of r.folds) console.log(`folded ${f.gamma}/${f.beta}/${f.runningMean}/${f.runningVar} into ${f.weight}, ${f.bias}:  ${f.formula.weight};  ${f.formula.bias}`);
  for (const s of ['train', 'val', 'test'] as const) {
    console.log(`${s.padEnd(5)}  max |Δlogit| ${c.maxAbsLogitDiff[s].toExponential(2)}  loss ${c.loss.before[s]?.toFixed(6)} → ${c.loss.after[s]?.toFixed(6)}`);
  }
  console.log(`parameters ${r.parameters.before} → ${r.parameters.after}; saved to ${r.out}`);
  console.log(
    verdict.pass
      ? `✓ unchanged within float32 rounding: max |Δlogit| ≤ ${verdict.tolerance.toExponential(1)} on every split`
      : `✗ the folded model differs: max |Δlogit| ${verdict.worst.maxAbsLogitDiff.toExponential(2)} on ${verdict.worst.split} > ${verdict.tolerance.toExponential(1)}`,
  );
}
