import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabError } from '../../electron/engine/errors.js';
import { atomicTestHooks } from '../../electron/engine/io/atomic.js';
import { exportModel, importModel, type CardInfo } from '../../electron/engine/io/exportModel.js';
import { inferLogitsTf, maxAbsDiff, randomContexts } from '../../electron/engine/io/verify.js';
import { modelCases, randomState, sameFloats, tinyConfig, useCpuBackend, VOCAB } from './io-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'io-export-'));
beforeAll(useCpuBackend);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const card: CardInfo = {
  preset: 'bn3-fold',
  dataset: { name: 'names.txt', sha256: 'a'.repeat(64), words: 32033 },
  splits: { train: 182625, val: 22655, test: 22866 },
  losses: { train: 2.0508, val: 2.1042, test: 2.1003 },
  trainedSteps: 200000,
};

/** Every file of a folder with its bytes, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f)).toString('base64')]));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => null, (e: unknown) => e);
}

describe('exportModel', () => {
  it('writes all three formats for a bn3-sized model, each verified by re-loading, and imports each back', async () => {
    const { state } = modelCases()[0];
    const outDir = path.join(root, 'bn3');
    const result = await exportModel(state, { formats: ['tfjs', 'onnx', 'safetensors'], outDir, vocab: VOCAB, card });
    const names = result.files.map((f) => path.basename(f.path)).sort();
    expect(names).toEqual(['README.md', 'lab-model.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin']);
    expect(readdirSync(outDir).sort()).toEqual(names);
    for (const f of result.files) expect(readFileSync(f.path).length).toBe(f.bytes);
    // 16,424 trainable floats (PRESETS.md) + running mean/var buffers of 100, 100 and 27 features, 4 bytes each.
    expect(result.files.find((f) => f.path.endsWith('weights.bin'))!.bytes).toBe((16424 + 2 * (100 + 100 + 27)) * 4);
    for (const format of ['tfjs', 'onnx', 'safetensors'] as const) {
      expect(result.verification.formats[format]!.maxAbsLogitDiff).toBeLessThanOrEqual(1e-5);
    }
    expect(result.verification.sampleContexts).toBe(256);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folders left behind

    const readme = readFileSync(path.join(outDir, 'README.md'), 'utf8');
    expect(readme).toContain('Parameters: 16,424 trainable');
    expect(readme).toContain(`sha256 \`${'a'.repeat(64)}\``);
    expect(readme).toContain('train 182625, val 22655, test 22866');
    expect(readme).toContain('train 2.0508, val 2.1042, test 2.1003');
    expect(readme).toContain('Not folded');
    expect(readme).toMatch(/\| `model.onnx` \| ONNX \(opset 13\) \| onnxruntime-node \| \d\.\d\de-\d+ \|/);
    expect(readme).toContain('BatchNorm(100, ε=0.00001)');

    for (const p of [outDir, path.join(outDir, 'model.onnx'), path.join(outDir, 'model.json'), path.join(outDir, 'model.safetensors')]) {
      const back = await importModel(p);
      expect(back.vocab).toEqual(VOCAB);
      expect(back.folded).toBe(false);
      expect(back.state.config).toEqual(state.config);
      for (const [name, data] of Object.entries(state.tensors)) expect(sameFloats(back.state.tensors[name], data), `${p} ${name}`).toBe(true);
    }
    expect((await importModel(outDir)).format).toBe('safetensors');
    expect((await importModel(path.join(outDir, 'model.json'))).format).toBe('tfjs');
  });

  it.each(modelCases())('round-trips $name through each single format', async ({ state, folded }) => {
    for (const format of ['tfjs', 'onnx', 'safetensors'] as const) {
      const outDir = path.join(root, `single-${format}-${state.tensors.C[0]}`);
      const result = await exportModel(state, { formats: [format], outDir, vocab: VOCAB, card: { foldMaxAbsLogitDiff: 3e-6 }, folded });
      expect(result.verification.formats[format]!.maxAbsLogitDiff).toBeLessThanOrEqual(1e-5);
      const back = await importModel(outDir);
      expect(back.format).toBe(format);
      expect(back.folded).toBe(folded);
      const x = randomContexts(VOCAB.length, 3, 50, 9);
      expect(sameFloats(inferLogitsTf(back.state, x, 50), inferLogitsTf(state, x, 50))).toBe(true);
      const readme = readFileSync(path.join(outDir, 'README.md'), 'utf8');
      if (folded) expect(readme).toContain('max |Δlogit| versus the unfolded model: 3.00e-6');
    }
  });

  it('an export interrupted half-way leaves the previous export untouched and no stray files', async () => {
    const outDir = path.join(root, 'interrupted');
    const v1 = randomState(tinyConfig(true), 21);
    await exportModel(v1, { formats: ['tfjs', 'onnx', 'safetensors'], outDir, vocab: VOCAB, card });
    const before = snapshot(outDir);
    const v2 = randomState(tinyConfig(true), 22);
    for (const stopAfter of [1, 3, 5, 7]) {
      let events = 0;
      const error = await rejection(
        exportModel(v2, {
          formats: ['tfjs', 'onnx', 'safetensors'],
          outDir,
          vocab: VOCAB,
          card,
          onProgress: () => {
            if (++events === stopAfter) throw new Error(`simulated crash after event ${stopAfter}`);
          },
        }),
      );
      expect((error as Error).message).toBe(`simulated crash after event ${stopAfter}`);
      expect(snapshot(outDir)).toEqual(before);
      expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    }
    // A fresh target that fails half-way is never created at all.
    const fresh = path.join(root, 'never-created');
    await rejection(exportModel(v2, { formats: ['onnx'], outDir: fresh, vocab: VOCAB, card, onProgress: () => { throw new Error('stop'); } }));
    expect(existsSync(fresh)).toBe(false);
    // And the untouched previous export still imports as v1.
    expect(sameFloats((await importModel(outDir)).state.tensors.W1, v1.tensors.W1)).toBe(true);
  });

  it('while an export replaces another (second rename delayed), importModel reads the complete previous one', async () => {
    const outDir = path.join(root, 'swapping');
    const v1 = randomState(tinyConfig(true), 31);
    const v2 = randomState(tinyConfig(true), 32);
    await exportModel(v1, { formats: ['onnx', 'safetensors'], outDir, vocab: VOCAB, card });
    const during: { targetExists: boolean; folderW1: Float32Array; fileW1: Float32Array }[] = [];
    atomicTestHooks.betweenSwapRenames = async () => {
      await new Promise((r) => setTimeout(r, 100));
      during.push({
        targetExists: existsSync(outDir),
        folderW1: (await importModel(outDir)).state.tensors.W1,
        fileW1: (await importModel(path.join(outDir, 'model.onnx'))).state.tensors.W1,
      });
    };
    try {
      await exportModel(v2, { formats: ['onnx', 'safetensors'], outDir, vocab: VOCAB, card });
    } finally {
      delete atomicTestHooks.betweenSwapRenames;
    }
    expect(during).toHaveLength(1);
    expect(during[0].targetExists).toBe(false); // the name is missing for that moment…
    expect(sameFloats(during[0].folderW1, v1.tensors.W1)).toBe(true); // …and readers get the previous export whole
    expect(sameFloats(during[0].fileW1, v1.tensors.W1)).toBe(true);
    expect(sameFloats((await importModel(outDir)).state.tensors.W1, v2.tensors.W1)).toBe(true);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });
  it('aborts (leaving the target alone) when a re-loaded file disagrees with the reference logits', async () => {
    const state = randomState(tinyConfig(false), 31);
    const outDir = path.join(root, 'disagree');
    const off = (x: Int32Array, n: number) => inferLogitsTf(state, x, n).map((v, k) => (k === 5 ? v + 1e-3 : v));
    const error = await rejection(exportModel(state, { formats: ['onnx'], outDir, vocab: VOCAB, card, logits: off }));
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toMatch(/onnx export does not reproduce the model: max \|Δlogit\| 0\.00099\d+ > 0\.0001/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('refuses bad arguments and folders that hold other files', async () => {
    const state = randomState(tinyConfig(true), 41);
    const foreign = path.join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'thesis.tex'), 'precious');
    const e1 = await rejection(exportModel(state, { formats: ['onnx'], outDir: foreign, vocab: VOCAB, card }));
    expect((e1 as LabError).code).toBe('ARGUMENT');
    expect((e1 as LabError).message).toMatch(/holds files that are not part of a model export \(thesis\.tex\)/);
    expect(readFileSync(path.join(foreign, 'thesis.tex'), 'utf8')).toBe('precious');
    // Names an export uses are not enough: without the lab's lab-model.json the folder is the user's.
    const project = path.join(root, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'README.md'), 'my project');
    const e5 = await rejection(exportModel(state, { formats: ['onnx'], outDir: project, vocab: VOCAB, card }));
    expect((e5 as LabError).message).toMatch(/holds files that are not part of a model export \(README\.md\)/);
    expect(readdirSync(project)).toEqual(['README.md']);
    expect(readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('my project');
    const e2 = await rejection(exportModel(state, { formats: ['onnx'], outDir: path.join(root, 'x'), vocab: VOCAB.slice(1), card }));
    expect((e2 as LabError).message).toMatch(/vocabulary has 26 tokens but the model has 27/);
    const e3 = await rejection(exportModel(state, { formats: ['onnx'], outDir: path.join(root, 'y'), vocab: VOCAB, card, folded: true }));
    expect((e3 as LabError).message).toMatch(/folded model cannot contain BatchNorm/);
    const e4 = await rejection(exportModel(state, { formats: ['keras' as 'onnx'], outDir: path.join(root, 'z'), vocab: VOCAB, card }));
    expect((e4 as LabError).message).toMatch(/unknown export format 'keras'/);
  });
});

describe('importModel errors', () => {
  it('names the problem for missing paths, empty folders and unknown files', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(root, 'notes.txt'), 'x');
    for (const [p, pattern] of [
      [path.join(root, 'missing'), /no such file or folder/],
      [empty, /folder holds no model/],
      [path.join(root, 'notes.txt'), /not a model file/],
    ] as const) {
      const e = await rejection(importModel(p));
      expect(e).toBeInstanceOf(LabError);
      expect((e as LabError).message).toMatch(pattern);
    }
  });
});

const hasTorch = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { timeout: 60_000 }).status === 0;

describe.skipIf(!hasTorch)('model card PyTorch snippet', () => {
  it("rebuilds the lecture's classes from model.safetensors and reproduces the logits", async () => {
    const cases = [modelCases()[1], modelCases()[2]]; // BN after biased Linear; tanh + relu without BN
    for (const { state } of cases) {
      const outDir = path.join(root, `torch-${state.tensors.C[0]}`);
      await exportModel(state, { formats: ['safetensors'], outDir, vocab: VOCAB, card });
      const readme = readFileSync(path.join(outDir, 'README.md'), 'utf8');
      const snippet = readme.slice(readme.indexOf('```python\nimport json, struct, torch') + '```python\n'.length);
      const code = snippet.slice(0, snippet.indexOf('```'));
      const n = 40;
      const x = randomContexts(VOCAB.length, 3, n, 5);
      const script = `${code}\nimport sys\nX = torch.tensor(json.loads(sys.argv[1])).view(-1, block_size)\nprint(json.dumps(logits(X).flatten().tolist()))\n`;
      const run = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(Array.from(x))], { cwd: outDir, encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      const lines = run.stdout.trim().split('\n');
      const got = Float32Array.from(JSON.parse(lines[lines.length - 1]) as number[]);
      const want = inferLogitsTf(state, x, n);
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
      // The README's own prints ran too: logits for an all-'.' context and five sampled names.
      expect(lines.length).toBeGreaterThanOrEqual(3);
    }
  });
});
