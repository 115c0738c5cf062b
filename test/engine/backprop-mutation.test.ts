/**
 * The comparison cannot pass by comparing autodiff with itself:
 * - breaking any one hand-written formula (for one tensor) makes exactly that tensor and the tensors whose
 *   gradients are computed from it (its ancestors in the forward graph, which autodiff's side declares) fail,
 *   and nothing else — bar two ancestors whose true gradient provably does not depend on the broken value;
 * - the manual side (electron/engine/backprop/manual*.ts and everything they import) contains no autodiff.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autodiffGradients } from '../../electron/engine/backprop/autodiffTf.js';
import { checkBackprop } from '../../electron/engine/backprop/compare.js';
import { backwardSteps, FORMULAS, type FormulaKey, type FormulaTable } from '../../electron/engine/backprop/manualBackward.js';
import { map } from '../../electron/engine/backprop/manualTensor.js';
import type { ModelState } from '../../electron/engine/model/params.js';
import type { ModelConfig } from '../../electron/engine/model/config.js';
import { decompose } from '../../electron/engine/backprop/decomposition.js';
import type { Batch } from '../../electron/engine/backprop/manualForward.js';
import { presetCase, randomBatch, SMALL_VOCAB, smallNetworks, smallState } from './backprop-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The formula table with one tensor's formula broken: its result scaled and shifted (x → 1.25·x + 1e-3). */
function breakOne(target: string): FormulaTable {
  const table = { ...FORMULAS };
  for (const key of Object.keys(FORMULAS) as FormulaKey[]) {
    const formula = FORMULAS[key];
    table[key] = {
      text: formula.text,
      grad: (ctx) => (ctx.name === target ? map(formula.grad(ctx), (x) => 1.25 * x + 1e-3) : formula.grad(ctx)),
    };
  }
  return table;
}

/** Every named tensor `name` is computed from, directly or not (the forward graph's ancestors). */
function ancestors(inputs: Map<string, string[]>, name: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(inputs.get(name) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(inputs.get(next) ?? []));
  }
  return seen;
}

/**
 * Ancestors whose gradient provably does not change when the target's does:
 * - the variance path adds nothing to dbnmeani: d bnvar / d bnmeani = −2/(n−1)·Σ bndiff = 0;
 * - nothing that enters through probs reaches dlogit_maxes: softmax is shift-invariant, so for any dprobs the
 *   resulting dnorm_logits sums to 0 over each row, and dlogit_maxes = −Σ dnorm_logits = 0;
 * - a bias before BatchNorm gets dhprebn.sum(0) = Σ dbndiff − Σ dbndiff = 0 whatever came down into dbndiff
 *   (BatchNorm subtracts the batch mean, the lecture's "b1 is useless"): only a broken dhprebn or dbnmeani
 *   (or db itself) moves it.
 */
function unaffectedAncestors(config: ModelConfig, vocabSize: number, target: string): string[] {
  const exempt: string[] = [];
  const bn = /^(bnvar_inv|bnvar|bndiff2_)(\d+)$/.exec(target);
  if (bn) exempt.push(`bnmeani${bn[2]}`);
  if (target === 'logprobs' || target === 'probs') exempt.push('logit_maxes');
  for (const blk of decompose(config, vocabSize)) {
    if (blk.bn && blk.b && ![blk.b, blk.bn.hprebn, blk.bn.bnmeani].includes(target)) exempt.push(blk.b);
  }
  return exempt;
}

function mutationCases(label: string, state: ModelState, batch: Batch) {
  const { inputs } = autodiffGradients(state, batch);
  return backwardSteps(state.config, state.vocabSize).map((s) => ({ label, state, batch, inputs, target: s.name }));
}

const cases = [
  ...mutationCases('backprop-ninja', presetCase('backprop-ninja').state, presetCase('backprop-ninja').batch),
  ...['3 hidden tanh +BN +bias', '2 hidden relu +BN +bias', '2 hidden relu +bias'].flatMap((label) => {
    const net = smallNetworks().find((n) => n.label === label)!;
    return mutationCases(label, smallState(net.config, 61), randomBatch(62, 12, net.config.blockSize, SMALL_VOCAB));
  }),
];

describe('a broken formula fails exactly its tensor and the tensors computed from it', () => {
  it('covers every formula of the table', () => {
    const bases = new Set(cases.flatMap((c) => backwardSteps(c.state.config, c.state.vocabSize).map((s) => s.base)));
    expect([...bases].sort()).toEqual(Object.keys(FORMULAS).sort());
  });

  it.each(cases.map((c) => [c.label, c.target, c] as const))('%s: break d%s', (_label, target, c) => {
    const report = checkBackprop(c.state, c.batch, { formulas: breakOne(target) });
    const failing = report.tensors.filter((t) => t.versus === 'autodiff' && !t.approx).map((t) => t.name);
    const exempt = unaffectedAncestors(c.state.config, c.state.vocabSize, target);
    const expected = [target, ...ancestors(c.inputs, target)].filter((name) => !exempt.includes(name));
    expect(failing.sort()).toEqual(expected.sort());
  });
});

// ---- no autodiff on the manual side ---------------------------------------------------------------------

const backpropDir = path.resolve(__dirname, '../../electron/engine/backprop');

/** Autodiff in a source text: a TensorFlow.js import, or a call of a tf.js gradient API. */
export function autodiffUses(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
    if (/tensorflow|tfjs/i.test(m[1])) found.push(`imports ${m[1]}`);
  }
  for (const m of source.matchAll(/\b(?:tf\s*\.\s*)?(grads?|valueAndGrads?|variableGrads|customGrad)\s*\(/g)) {
    // `grad(` alone is also the formula table's own method name (`grad(ctx)`); only tf.grad/tf.grads count.
    if (m[1] === 'grad' || m[1] === 'grads' ? /^tf\s*\./.test(m[0]) : true) found.push(m[0]);
  }
  return found;
}

/** The manual*.ts files and every file they import from the engine, transitively. */
function manualSources(): string[] {
  const start = ['manualTensor.ts', 'manualForward.ts', 'manualBackward.ts'].map((f) => path.join(backpropDir, f));
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
      stack.push(path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
    }
  }
  return [...seen];
}

describe('the manual side contains no autodiff', () => {
  it('finds autodiff where there is some', () => {
    expect(autodiffUses("import * as tf from '@tensorflow/tfjs';")).toContain('imports @tensorflow/tfjs');
    expect(autodiffUses('const g = tf.grads(f)([x]);')).toContain('tf.grads(');
    expect(autodiffUses('const { grads } = variableGrads(f);')).toContain('variableGrads(');
    expect(autodiffUses('grad: (ctx) => mul(a, b)')).toEqual([]);
  });

  it('reads manual*.ts and what they import: no TensorFlow.js, no gradient API', () => {
    const files = manualSources();
    expect(files.map((f) => path.relative(backpropDir, f)).sort()).toEqual(
      ['../model/config.ts', '../model/params.ts', 'decomposition.ts', 'manualBackward.ts', 'manualForward.ts', 'manualTensor.ts'].sort(),
    );
    for (const file of files) expect(autodiffUses(readFileSync(file, 'utf8')), file).toEqual([]);
  });
});
