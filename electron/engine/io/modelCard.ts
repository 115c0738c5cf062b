/**
 * The model card: `README.md` of an export folder. It says what the network is, what data and numbers it came
 * from, whether BatchNorm was folded (and how exactly that preserved the logits), how closely each exported
 * file reproduces the engine, and how to load each file in its runtime — including a PyTorch snippet that
 * rebuilds the lecture's own classes from the safetensors file.
 */
import { linearLayouts, parameterCount, paramSpecs, type ModelState } from '../model/params.js';
import type { LabModelMeta } from './labMeta.js';
import { markdownText } from './markdownText.js';

export type ExportFormat = 'tfjs' | 'onnx' | 'safetensors';

/** What the card reports beyond the model itself; every field is optional and shown as "not recorded" if absent. */
export interface CardInfo {
  /** A title for the model (default: the preset id or "Makemore MLP"). */
  title?: string;
  preset?: string | null;
  dataset?: { name: string; sha256: string; words?: number };
  /** Example counts per split. */
  splits?: { train: number; val: number; test: number };
  /** Mean cross-entropy per split, BatchNorm in inference mode. */
  losses?: { train?: number; val?: number; test?: number };
  trainedSteps?: number;
  /** When the model was folded: the measured max |Δlogit| between the BN model and the folded one. */
  foldMaxAbsLogitDiff?: number;
  /** The run it came from: its id, the name it is shown by and the user's note ('' when none), as the user typed them. */
  run?: { id: string; name: string; note: string };
}

export interface FormatVerification {
  /** Largest |Δlogit| between the re-loaded file and the reference on the sample contexts; null when skipped. */
  maxAbsLogitDiff: number | null;
  /** Which independent reader re-loaded the file. */
  checkedWith: string;
  /** Why the check was skipped (e.g. onnxruntime-node not installed). */
  skipped?: string;
}

export interface ExportVerification {
  sampleContexts: number;
  formats: Partial<Record<ExportFormat, FormatVerification>>;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined ? 'not recorded' : v.toFixed(digits));
const sci = (v: number | null | undefined) => (v === null || v === undefined ? 'not measured' : v.toExponential(2));

function architecture(state: ModelState): string[] {
  const { config, vocabSize } = state;
  const lines = [`- Embedding \`C\` [${vocabSize}, ${config.embeddingSize}], ${config.blockSize} context tokens → flatten to ${config.blockSize * config.embeddingSize}`];
  for (const l of linearLayouts(config, vocabSize)) {
    const parts = [`Linear(${l.inFeatures}, ${l.outFeatures}${l.block.bias ? '' : ', no bias'})`];
    if (l.block.batchNorm) parts.push(`BatchNorm(${l.outFeatures}, ε=${config.batchNorm.eps})`);
    if (l.activation !== 'none') parts.push(l.activation);
    lines.push(`- ${l.isOutput ? 'Output' : `Hidden ${l.index}`}: ${parts.join(' → ')}`);
  }
  return lines;
}

/** The PyTorch loader, shown in the card and executed by the tests against real exports. */
export const PYTORCH_SNIPPET = `import json, struct, torch

def load_safetensors(path):
    # Plain-Python reader (same result as safetensors.torch.load_file + safe_open(...).metadata()).
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__")
    tensors = {k: torch.frombuffer(bytearray(data[v["data_offsets"][0]:v["data_offsets"][1]]),
                                   dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
    return tensors, meta

class Linear:  # the lecture's class: weight is [fan_in, fan_out]
    def __init__(self, weight, bias=None):
        self.weight, self.bias = weight, bias
    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out = self.out + self.bias
        return self.out

class BatchNorm1d:  # the lecture's class, inference mode (running statistics)
    def __init__(self, gamma, beta, running_mean, running_var, eps):
        self.gamma, self.beta, self.eps = gamma, beta, eps
        self.running_mean, self.running_var = running_mean, running_var
    def __call__(self, x):
        xhat = (x - self.running_mean) / torch.sqrt(self.running_var + self.eps)
        self.out = self.gamma * xhat + self.beta
        return self.out

class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

class ReLU:
    def __call__(self, x):
        self.out = torch.relu(x)
        return self.out

T, meta = load_safetensors("model.safetensors")
config, vocab = json.loads(meta["config"]), json.loads(meta["vocab"])
block_size = int(meta["blockSize"])
C = T["C"]
layers = []
blocks = config["hidden"] + [dict(config["output"], activation="none")]
for i, b in enumerate(blocks, start=1):
    layers.append(Linear(T[f"W{i}"], T.get(f"b{i}")))
    if b["batchNorm"]:
        layers.append(BatchNorm1d(T[f"gamma{i}"], T[f"beta{i}"], T[f"mean{i}"], T[f"var{i}"],
                                  config["batchNorm"]["eps"]))
    if b["activation"] == "tanh":
        layers.append(Tanh())
    elif b["activation"] == "relu":
        layers.append(ReLU())

@torch.no_grad()
def logits(X):  # X: LongTensor [N, block_size] of token ids; vocab[0] == "." pads the start
    x = C[X].view(X.shape[0], -1)
    for layer in layers:
        x = layer(x)
    return x

@torch.no_grad()
def sample(g=torch.Generator().manual_seed(2147483647)):
    out, ctx = [], [0] * block_size
    while True:
        ix = torch.multinomial(torch.softmax(logits(torch.tensor([ctx])), dim=1), 1, generator=g).item()
        if ix == 0:
            return "".join(out)
        out.append(vocab[ix]); ctx = ctx[1:] + [ix]
`;

function tensorTable(state: ModelState): string[] {
  const lines = [
    '| tensor | shape | lecture class attribute | `torch.nn` equivalent |',
    '|---|---|---|---|',
  ];
  for (const spec of paramSpecs(state.config, state.vocabSize)) {
    const i = spec.layer;
    const [lecture, nn] = {
      embedding: ['`C` (embedding table)', '`nn.Embedding.weight`'],
      weight: [`\`Linear.weight\` of Linear ${i} ([in, out], as stored)`, '`nn.Linear.weight` = `W.T` ([out, in])'],
      bias: [`\`Linear.bias\` of Linear ${i}`, '`nn.Linear.bias`'],
      gamma: [`\`BatchNorm1d.gamma\` after Linear ${i}`, '`nn.BatchNorm1d.weight`'],
      beta: [`\`BatchNorm1d.beta\` after Linear ${i}`, '`nn.BatchNorm1d.bias`'],
      runningMean: [`\`BatchNorm1d.running_mean\` after Linear ${i}`, '`nn.BatchNorm1d.running_mean`'],
      runningVar: [`\`BatchNorm1d.running_var\` after Linear ${i}`, '`nn.BatchNorm1d.running_var`'],
    }[spec.role];
    lines.push(`| \`${spec.name}\` | [${spec.shape.join(', ')}] | ${lecture} | ${nn} |`);
  }
  return lines;
}

/** The run's name and note, escaped so that they render as the text the user typed and nothing else. */
function runSection(run: CardInfo['run']): string[] {
  if (!run) return [];
  const lines = ['## Run', '', `Name: ${markdownText(run.name)} (run id ${markdownText(run.id)})`, ''];
  if (run.note.trim() !== '') lines.push('### Note', '', markdownText(run.note), '');
  return lines;
}

/** Renders README.md for an export folder. */
export function renderModelCard(state: ModelState, meta: LabModelMeta, info: CardInfo, verification: ExportVerification, files: string[]): string {
  const title = info.title ?? (info.preset ? `Makemore MLP (${info.preset})` : 'Makemore MLP');
  const v = verification.formats;
  const out: string[] = [
    `# ${title}`,
    '',
    'A character-level MLP from the makemore lectures (Bengio et al. 2003 style), exported by Makemore Lab.',
    `Given the previous ${meta.blockSize} tokens (start padded with \`.\`, token 0) it outputs logits over the next token.`,
    '',
    ...runSection(info.run),
    '## Architecture',
    '',
    ...architecture(state),
    '',
    `Parameters: ${parameterCount(state.config, state.vocabSize).toLocaleString('en-US')} trainable` +
      (meta.folded ? '' : ' (plus BatchNorm running mean/variance buffers)') + '.',
    `Vocabulary (${meta.vocab.length} tokens, index = position): \`${JSON.stringify(meta.vocab)}\`.`,
    '',
    '## Training data and results',
    '',
    `- Preset: ${info.preset ?? 'not recorded'}; steps: ${info.trainedSteps ?? 'not recorded'}`,
    `- Dataset: ${info.dataset ? `${info.dataset.name}${info.dataset.words ? ` (${info.dataset.words} words)` : ''}, sha256 \`${info.dataset.sha256}\`` : 'not recorded'}`,
    `- Split (Python \`random.seed(42)\` shuffle, 80/10/10) examples: ${info.splits ? `train ${info.splits.train}, val ${info.splits.val}, test ${info.splits.test}` : 'not recorded'}`,
    `- Loss (cross-entropy, BatchNorm in inference mode): train ${fmt(info.losses?.train)}, val ${fmt(info.losses?.val)}, test ${fmt(info.losses?.test)}`,
    '',
    '## BatchNorm folding',
    '',
    meta.folded
      ? `Folded: every BatchNorm was folded into the Linear before it (W′ = W·γ/√(var+ε), b′ = (b − mean)·γ/√(var+ε) + β); ` +
        `the folded model has no BatchNorm. Measured max |Δlogit| versus the unfolded model: ${sci(info.foldMaxAbsLogitDiff)}.`
      : state.config.hidden.some((h) => h.batchNorm) || state.config.output.batchNorm
        ? 'Not folded: BatchNorm layers are exported in inference form (running mean/variance, ε as above).'
        : 'Not applicable: this model has no BatchNorm.',
    '',
    '## Files and verification',
    '',
    `Each file was re-loaded by an independent reader and its logits compared with the lab engine on ${verification.sampleContexts} contexts:`,
    '',
    '| file | format | re-loaded with | max abs logit difference |',
    '|---|---|---|---|',
  ];
  const rows: [ExportFormat, string, string][] = [
    ['tfjs', '`model.json` + `weights.bin`', 'TensorFlow.js Layers'],
    ['onnx', '`model.onnx`', `ONNX (opset 13)`],
    ['safetensors', '`model.safetensors`', 'safetensors (F32)'],
  ];
  for (const [format, file, name] of rows) {
    const check = v[format];
    if (check) out.push(`| ${file} | ${name} | ${check.checkedWith} | ${check.skipped ? `skipped: ${check.skipped}` : sci(check.maxAbsLogitDiff)} |`);
  }
  out.push('', `All files in this folder: ${files.map((f) => `\`${f}\``).join(', ')}. \`lab-model.json\` holds the vocabulary, block size and configuration.`, '');

  out.push('## Loading', '');
  if (v.tfjs) {
    out.push(
      '### TensorFlow.js',
      '',
      'Input: int32 token ids `[N, ' + meta.blockSize + ']`; output: logits `[N, ' + meta.vocab.length + ']`. Stock layers only (Embedding, Flatten, Dense, BatchNormalization, Activation).',
      '',
      '```js',
      "import * as tf from '@tensorflow/tfjs';",
      "const model = await tf.loadLayersModel('https://…/model.json'); // or 'file://…/model.json' with tfjs-node",
      `const logits = model.predict(tf.tensor2d([[0, 0, 0]], [1, ${meta.blockSize}], 'int32'));`,
      '```',
      '',
    );
  }
  if (v.onnx) {
    out.push(
      '### ONNX Runtime',
      '',
      `Input \`tokens\`: **int64** \`[N, ${meta.blockSize}]\`; output \`logits\`: float32 \`[N, ${meta.vocab.length}]\`. ` +
        'The lab metadata is in the model\'s `metadata_props` (keys `makemore-lab.*`).',
      '',
      '```js',
      "import * as ort from 'onnxruntime-node';",
      "const session = await ort.InferenceSession.create('model.onnx');",
      `const tokens = new ort.Tensor('int64', new BigInt64Array(${meta.blockSize}), [1, ${meta.blockSize}]);`,
      'const { logits } = await session.run({ tokens });',
      '```',
      '',
      '```python',
      'import numpy as np, onnxruntime as ort',
      `logits, = ort.InferenceSession("model.onnx").run(["logits"], {"tokens": np.zeros((1, ${meta.blockSize}), dtype=np.int64)})`,
      '```',
      '',
    );
  }
  if (v.safetensors) {
    out.push(
      '### PyTorch (safetensors)',
      '',
      'Tensors keep the lecture\'s names and layouts, so they drop straight into the lecture\'s own classes. ' +
        '`__metadata__` holds `vocab` and `config` (JSON strings), `blockSize`, `folded`, `format`, `version`.',
      '',
      ...tensorTable(state),
      '',
      'Note: the lecture\'s `Linear` stores weight `[in, out]` and computes `x @ W`; PyTorch\'s `nn.Linear` stores `[out, in]`, so copy `W.T` into it.',
      '',
      '```python',
      PYTORCH_SNIPPET.trimEnd(),
      '',
      'print(logits(torch.zeros((1, block_size), dtype=torch.long)))',
      'print([sample() for _ in range(5)])',
      '```',
      '',
    );
  }
  return out.join('\n');
}
