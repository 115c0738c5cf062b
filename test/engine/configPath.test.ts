/** Dotted paths into an ExperimentConfig (`--set`, `--vary`): what they reach, what they refuse. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../../electron/engine/errors.js';
import { applyAssignments, getPath, parseAssignment, parseScalar, parseVary, setPath } from '../../electron/engine/model/configPath.js';
import { findPreset } from '../../electron/engine/model/presets.js';

const deep = findPreset('deep-tanh-gain')!.config;

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isLabError(e), String(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseScalar', () => {
  it('reads JSON scalars, fractions and bare words', () => {
    expect(parseScalar('0.1', 'x')).toBe(0.1);
    expect(parseScalar('-3', 'x')).toBe(-3);
    expect(parseScalar('1e-5', 'x')).toBe(1e-5);
    expect(parseScalar('5/3', 'x')).toBeCloseTo(1.6666666666666667, 15);
    expect(parseScalar('true', 'x')).toBe(true);
    expect(parseScalar('null', 'x')).toBe(null);
    expect(parseScalar('"relu"', 'x')).toBe('relu');
    expect(parseScalar('relu', 'x')).toBe('relu');
  });

  it('refuses objects, empty values, number typos and division by zero', () => {
    expect(refusal(() => parseScalar('{"a":1}', '--set p'))).toMatch(/^--set p: /);
    expect(refusal(() => parseScalar('[1]', '--set p'))).toMatch(/^--set p: /);
    expect(refusal(() => parseScalar('', '--set p'))).toMatch(/missing value/);
    expect(refusal(() => parseScalar('1e', '--set p'))).toMatch(/not a number/);
    expect(refusal(() => parseScalar('0..1', '--set p'))).toMatch(/not a number/);
    expect(refusal(() => parseScalar('1/0', '--set p'))).toMatch(/not a finite number/);
  });
});

describe('parseAssignment / parseVary', () => {
  it('splits at the first =', () => {
    expect(parseAssignment('train.learningRate.initial=0.05')).toEqual({ path: 'train.learningRate.initial', value: 0.05 });
    expect(parseAssignment('preset="a=b"')).toEqual({ path: 'preset', value: 'a=b' });
    expect(refusal(() => parseAssignment('train.steps'))).toMatch(/expected PATH=VALUE/);
    expect(refusal(() => parseAssignment('=3'))).toMatch(/expected PATH=VALUE/);
  });

  it('reads a list of values and refuses duplicates', () => {
    expect(parseVary('model.hidden.*.weightInit.gain=0.5,1,5/3,3')).toEqual({
      path: 'model.hidden.*.weightInit.gain',
      values: [0.5, 1, 5 / 3, 3],
    });
    expect(refusal(() => parseVary('train.batchSize=32,32'))).toMatch(/listed twice/);
  });
});

describe('setPath', () => {
  it('sets one field and leaves the original untouched', () => {
    const c = setPath(deep, 'train.learningRate.initial', 0.05);
    expect(c.train.learningRate.initial).toBe(0.05);
    expect(deep.train.learningRate.initial).toBe(0.1);
    expect(setPath(deep, 'model.hidden.2.size', 64).model.hidden.map((h) => h.size)).toEqual([100, 100, 64, 100, 100]);
    expect(setPath(deep, 'train.learningRate.decays.0.rate', 0.02).train.learningRate.decays[0].rate).toBe(0.02);
  });

  it('* sets every element of a list, and only that field', () => {
    const c = setPath(deep, 'model.hidden.*.weightInit.gain', 1);
    expect(c.model.hidden.map((h) => (h.weightInit as { gain: number }).gain)).toEqual([1, 1, 1, 1, 1]);
    expect(c.model.output).toEqual(deep.model.output);
    expect(getPath(c, 'model.hidden.*.weightInit.gain')).toEqual([1, 1, 1, 1, 1]);
    expect(getPath(c, 'model.output.weightInit.scale')).toEqual([0.1]);
  });

  it('a nullable string field (preset) takes a string or null', () => {
    expect(setPath(deep, 'preset', 'mine').preset).toBe('mine');
    expect(setPath(deep, 'preset', null).preset).toBe(null);
  });

  it('refuses a missing field, an out-of-range index, an object and a value of another type, naming the path', () => {
    expect(refusal(() => setPath(deep, 'train.batchsize', 64))).toBe(
      "train.batchsize: train has no field 'batchsize' (fields: steps, batchSize, learningRate, seed, inspectEvery, evalEvery)",
    );
    expect(refusal(() => setPath(deep, 'model.hidden.5.size', 64))).toMatch(/^model\.hidden\.5\.size: model\.hidden is a list of 5; '5' is not an index 0…4 or \*/);
    expect(refusal(() => setPath(deep, 'model.hidden.x.size', 64))).toMatch(/^model\.hidden\.x\.size: /);
    expect(refusal(() => setPath(deep, 'model.hidden.0', 64))).toMatch(/^model\.hidden\.0: is an object, not a single value/);
    expect(refusal(() => setPath(deep, 'model.hidden', 64))).toMatch(/^model\.hidden: is a list/);
    expect(refusal(() => setPath(deep, 'train.steps.x', 64))).toMatch(/^train\.steps\.x: train\.steps is a number, it has no field 'x'/);
    expect(refusal(() => setPath(deep, 'train.batchSize', '64'))).toBe('train.batchSize: expects a number, got a string ("64")');
    expect(refusal(() => setPath(deep, 'model.hidden.*.bias', 1))).toBe('model.hidden.*.bias: expects a boolean, got a number (1)');
    expect(refusal(() => setPath(deep, 'train.batchSize', null))).toMatch(/expects a number, got null/);
    expect(refusal(() => setPath(deep, 'train..steps', 1))).toMatch(/empty segment/);
    const noDecay = { ...deep, train: { ...deep.train, learningRate: { initial: 0.1, decays: [] } } };
    expect(refusal(() => setPath(noDecay, 'train.learningRate.decays.*.rate', 1))).toMatch(/empty list, \* matches nothing/);
  });

  it('cannot reach anything outside the configuration (prototype keys are not fields)', () => {
    for (const p of ['__proto__.x', 'constructor.name', 'train.toString', 'model.hidden.length']) {
      expect(refusal(() => setPath(deep, p, 1))).toMatch(new RegExp(`^${p.replace(/[.*]/g, '\\$&')}: `));
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('applyAssignments: later assignments win', () => {
    const c = applyAssignments(deep, [
      { path: 'model.hidden.*.size', value: 50 },
      { path: 'model.hidden.4.size', value: 10 },
    ]);
    expect(c.model.hidden.map((h) => h.size)).toEqual([50, 50, 50, 50, 10]);
  });

  it('any path either sets exactly the fields it names or is refused with a one-line error naming it (fuzzed)', () => {
    const segments = fc.constantFrom('model', 'train', 'hidden', 'output', '*', '0', '4', '9', 'size', 'weightInit', 'gain', 'kind', 'steps', 'bias', 'learningRate', 'decays', 'rate', '');
    fc.assert(
      fc.property(fc.array(segments, { minLength: 1, maxLength: 6 }), fc.oneof(fc.double({ noNaN: true }), fc.boolean(), fc.string({ maxLength: 5 })), (segs, value) => {
        const p = segs.join('.');
        try {
          const c = setPath(deep, p, value);
          for (const v of getPath(c, p)) expect(v).toBe(value);
        } catch (e) {
          expect(isLabError(e)).toBe(true);
          expect((e as Error).message.startsWith(`${p}: `)).toBe(true);
          expect((e as Error).message).not.toMatch(/\n/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
