import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sameFloats } from './io-fixtures.js';
import { LabError } from '../../electron/engine/errors.js';
import { writeDirectoryAtomic } from '../../electron/engine/io/atomic.js';
import { makeLabMeta } from '../../electron/engine/io/labMeta.js';
import { importLayersModel, loadLayersModelFromDir, writeLayersModel } from '../../electron/engine/io/layers.js';
import { inferLogitsTf, maxAbsDiff, randomContexts } from '../../electron/engine/io/verify.js';
import { modelCases, randomState, tinyConfig, useCpuBackend, VOCAB } from './io-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'io-layers-'));
beforeAll(useCpuBackend);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function exportTo(dir: string, state = randomState(tinyConfig(true), 1), folded = false): Promise<string> {
  await writeDirectoryAtomic(dir, (w) => writeLayersModel(w, state, makeLabMeta(state.config, VOCAB, folded)));
  return dir;
}

async function predict(model: tf.LayersModel, x: Int32Array, n: number, block: number): Promise<Float32Array> {
  const out = tf.tidy(() => model.predict(tf.tensor2d(x, [n, block], 'int32')) as tf.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

async function expectModelFileError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(LabError);
  expect((e as LabError).code).toBe('MODEL_FILE');
  expect((e as LabError).message).toMatch(pattern);
}

describe('TensorFlow.js Layers export', () => {
  it.each(modelCases())('tf.loadLayersModel($name).predict equals forwardTf infer to ≤ 1e-5', async ({ state, folded }) => {
    const dir = await exportTo(path.join(root, `case-${state.tensors.C[0]}`), state, folded);
    const model = await loadLayersModelFromDir(dir);
    const n = 200;
    const x = randomContexts(state.vocabSize, state.config.blockSize, n, 7);
    const got = await predict(model, x, n, state.config.blockSize);
    const want = inferLogitsTf(state, x, n);
    const diff = maxAbsDiff(got, want);
    expect(diff).toBeLessThanOrEqual(1e-5);
    // The logits are not trivially small: a diff of 1e-5 is a real agreement.
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.5);
    const layerClasses = model.layers.map((l) => l.getClassName());
    expect(layerClasses.includes('BatchNormalization')).toBe(!folded && (state.config.output.batchNorm || state.config.hidden.some((h) => h.batchNorm)));
    model.dispose();

    const sidecar = JSON.parse(readFileSync(path.join(dir, 'lab-model.json'), 'utf8'));
    expect(sidecar).toMatchObject({ format: 'makemore-lab', version: 1, vocab: VOCAB, blockSize: 3, folded });
    expect(sidecar.config).toEqual(state.config);

    const back = await importLayersModel(dir);
    for (const [name, data] of Object.entries(state.tensors)) expect(sameFloats(back.state.tensors[name], data), name).toBe(true);
  });

  it('does not leak tensors across export + load + dispose', async () => {
    const dir = path.join(root, 'leak');
    await exportTo(dir);
    (await loadLayersModelFromDir(dir)).dispose();
    const before = tf.memory().numTensors;
    await exportTo(dir);
    (await loadLayersModelFromDir(dir)).dispose();
    await importLayersModel(dir);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Layers reader refuses unsafe or inconsistent files', () => {
  const editManifest = (dir: string, edit: (json: any) => void) => {
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  };

  it("refuses weightsManifest paths that leave the folder ('../x', absolute, symlink out)", async () => {
    const dir = await exportTo(path.join(root, 'escape', 'model'));
    copyFileSync(path.join(dir, 'weights.bin'), path.join(root, 'escape', 'x'));
    editManifest(dir, (j) => (j.weightsManifest[0].paths = ['../x']));
    await expectModelFileError(loadLayersModelFromDir(dir), /weights path "\.\.\/x" leaves the model folder/);
    await expectModelFileError(importLayersModel(dir), /leaves the model folder/);

    editManifest(dir, (j) => (j.weightsManifest[0].paths = [path.join(root, 'escape', 'x')]));
    await expectModelFileError(loadLayersModelFromDir(dir), /is absolute/);

    symlinkSync(path.join(root, 'escape', 'x'), path.join(dir, 'link.bin'));
    editManifest(dir, (j) => (j.weightsManifest[0].paths = ['link.bin']));
    await expectModelFileError(loadLayersModelFromDir(dir), /leads outside the model folder/);

    editManifest(dir, (j) => (j.weightsManifest[0].paths = ['sub/../../x']));
    await expectModelFileError(loadLayersModelFromDir(dir), /leaves the model folder/);
  });

  it('refuses byte-count, dtype and topology mismatches', async () => {
    const dir = await exportTo(path.join(root, 'mismatch'));
    const weights = readFileSync(path.join(dir, 'weights.bin'));
    writeFileSync(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 4));
    await expectModelFileError(loadLayersModelFromDir(dir), /weights end early/);
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat([weights, Buffer.alloc(4)]));
    await expectModelFileError(loadLayersModelFromDir(dir), /hold \d+ bytes but the manifest describes/);
    writeFileSync(path.join(dir, 'weights.bin'), weights);

    const original = readFileSync(path.join(dir, 'model.json'), 'utf8');
    editManifest(dir, (j) => (j.weightsManifest[0].weights[0].dtype = 'int32'));
    await expectModelFileError(loadLayersModelFromDir(dir), /dtype "int32"; only float32/);
    writeFileSync(path.join(dir, 'model.json'), original);

    // Same weights, different activation: tf would happily load it, but it is not the model lab-model.json describes.
    writeFileSync(path.join(dir, 'model.json'), original.replace('"activation":"tanh"', '"activation":"relu"'));
    await expectModelFileError(loadLayersModelFromDir(dir), /topology does not match/);
    await expectModelFileError(importLayersModel(dir), /topology does not match/);
    // A layer entry without its name makes tf's deserialiser loop forever; it must never get that far.
    writeFileSync(path.join(dir, 'model.json'), original.replace('{"name":"linear1"', '{"na)e":"linear1"'));
    await expectModelFileError(loadLayersModelFromDir(dir), /topology does not match/);
    writeFileSync(path.join(dir, 'model.json'), original);

    writeFileSync(path.join(dir, 'lab-model.json'), '{"format": "makemore-lab", "version": 2}');
    await expectModelFileError(importLayersModel(dir), /invalid lab model metadata/);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])("refuses an extra weight named '%s' in both loaders", async (name) => {
    const dir = await exportTo(path.join(root, `proto-${name}`));
    const weights = readFileSync(path.join(dir, 'weights.bin'));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat([weights, Buffer.alloc(4)]));
    editManifest(dir, (j) => j.weightsManifest[0].weights.push({ name, shape: [1], dtype: 'float32' }));
    await expectModelFileError(loadLayersModelFromDir(dir), new RegExp(`unexpected weight "${name}"`));
    await expectModelFileError(importLayersModel(dir), new RegExp(`unexpected weight "${name}"`));
  });

  it("refuses a lab-model.json whose vocabulary has a multi-character token (joined text unchanged)", async () => {
    const dir = await exportTo(path.join(root, 'vocab'));
    const file = path.join(dir, 'lab-model.json');
    const sidecar = JSON.parse(readFileSync(file, 'utf8'));
    sidecar.vocab = ['.', 'ab', ...VOCAB.slice(3), 'Z'];
    writeFileSync(file, JSON.stringify(sidecar));
    await expectModelFileError(importLayersModel(dir), /lab-model\.json: invalid vocabulary: token 1 \("ab"\) is not exactly one character/);
    await expectModelFileError(loadLayersModelFromDir(dir), /invalid vocabulary/);
  });

  it('every truncation or single-byte corruption of model.json is a LabError or a clean load (fast-check)', async () => {
    const dir = await exportTo(path.join(root, 'fuzz-src'));
    const good = readFileSync(path.join(dir, 'model.json'));
    const weights = readFileSync(path.join(dir, 'weights.bin'));
    const sidecar = readFileSync(path.join(dir, 'lab-model.json'));
    const work = path.join(root, 'fuzz');
    mkdirSync(work);
    writeFileSync(path.join(work, 'weights.bin'), weights);
    writeFileSync(path.join(work, 'lab-model.json'), sidecar);
    let loaded = 0;
    let rejected = 0;
    const attempt = async (bytes: Uint8Array) => {
      writeFileSync(path.join(work, 'model.json'), bytes);
      for (const load of [() => loadLayersModelFromDir(work), () => importLayersModel(work)]) {
        try {
          const result = await load();
          if (result instanceof tf.LayersModel) result.dispose();
          loaded++;
        } catch (e) {
          if (!(e instanceof LabError)) throw e;
          rejected++;
        }
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (at, value, truncate) => {
        const bytes = truncate ? good.subarray(0, at) : Uint8Array.from(good);
        if (!truncate) bytes[at] = value;
        await attempt(bytes);
      }),
      { numRuns: 400, seed: 7 },
    );
    expect(rejected).toBeGreaterThan(0);
    expect(loaded + rejected).toBe(800);
  });
});
