/**
 * A one-paragraph diagnosis of a snapshot, COMPUTED FROM ITS NUMBERS: which parameters receive gradient,
 * which never moved, which layers are dead or saturated, how update:data compares with the lecture's 1e-3
 * guide — and, when a layer's output is exactly 0, the chain of reasons read off the tensors (its Linear's
 * weights are 0, so the next Linear's weight gradient hᵀ·dz is 0, and dh = dz·Wᵀ is 0 below it).
 *
 * Nothing here knows about presets: the zero-init explanation appears because the data say so.
 */
import type { InspectionSnapshot, ParamStats } from './snapshot.js';
import { recentUpdateRatios, type UpdateRatioBatch } from './updateRatio.js';

/** log10 of the lecture's rule-of-thumb update:data ratio. */
export const UPDATE_RATIO_GUIDE_LOG10 = -3;
/** A decade below/above the guide counts as too slow / too fast. */
export const TINY_UPDATE_LOG10 = -4;
export const HUGE_UPDATE_LOG10 = -2;
/** More than this percentage of |t| > 0.97 flags a tanh layer as saturated. */
export const SATURATED_PCT_FLAG = 5;

export interface DiagnosisFlags {
  /** Trainable parameters still exactly at their initial values. */
  neverChanged: string[];
  /** Parameters whose gradient is exactly 0 everywhere. */
  zeroGradient: string[];
  /** Parameters with at least one non-zero gradient entry. */
  receivingGradient: string[];
  /** Hidden layers whose activations are all exactly 0. */
  deadActivations: string[];
  saturatedLayers: { name: string; saturatedPct: number }[];
  /** 2-D parameters whose update:data (log10, recent mean) is below −4: learning too slowly. */
  tinyUpdates: { name: string; log10: number }[];
  /** 2-D parameters whose update:data (log10, recent mean) is above −2: steps too large. */
  hugeUpdates: { name: string; log10: number }[];
}

/** One link of a causal chain the numbers support, with the measurement that shows it. */
export interface ChainLink {
  /** The claim, in the lecture's notation, e.g. "dW2 = h1ᵀ·dlogits = 0". */
  claim: string;
  /** What was measured at this step, e.g. "max |dW2| = 0". */
  measured: string;
}

export interface Diagnosis {
  step: number;
  /** One paragraph for the Inspect view. */
  text: string;
  /**
   * The chain of reasons behind a dead layer (exercise 1: W1, b1 = 0 → h = tanh(0) = 0 → dW2 = hᵀ·dlogits = 0 →
   * dh = dlogits·W2ᵀ = 0 → nothing below learns → only b2), each link beside its measured number. Empty when
   * no layer is dead. The paragraph says the same in words.
   */
  chain: ChainLink[];
  flags: DiagnosisFlags;
  /** No flag raised. */
  healthy: boolean;
}

/** "a", "a and b", "a, b and c". */
function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 0.01 && a < 1000 ? x.toFixed(2).replace(/\.?0+$/, '') : x.toExponential(1);
}

/** Linear index a parameter belongs to (C → 0, W2/b2/gamma2/beta2 → 2). */
function layerOf(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

export function diagnose(snapshot: InspectionSnapshot, history?: UpdateRatioBatch): Diagnosis {
  const params = new Map<string, ParamStats>(snapshot.params.map((p) => [p.name, p]));
  const isZero = (name: string) => params.get(name)?.dataMaxAbs === 0;
  const zeroGradient = snapshot.params.filter((p) => p.gradMaxAbs === 0).map((p) => p.name);
  const receivingGradient = snapshot.params.filter((p) => p.gradMaxAbs !== 0).map((p) => p.name);
  const neverChanged = snapshot.params.filter((p) => !p.changed).map((p) => p.name);
  const anyChanged = neverChanged.length < snapshot.params.length;
  const deadActivations = snapshot.activations.filter((a) => a.zeroFraction === 1).map((a) => a.name);
  const saturatedLayers = snapshot.activations
    .filter((a) => a.name.startsWith('tanh') && a.saturatedPct > SATURATED_PCT_FLAG)
    .map((a) => ({ name: a.name, saturatedPct: a.saturatedPct }));

  const ratios = history ? recentUpdateRatios(history, snapshot.step) : new Map<string, number>();
  if (!history) for (const p of snapshot.params) if (p.updateToData !== null) ratios.set(p.name, p.updateToData);
  const tinyUpdates: DiagnosisFlags['tinyUpdates'] = [];
  const hugeUpdates: DiagnosisFlags['hugeUpdates'] = [];
  // Like the lecture's update:data plot, judge only the 2-D tensors (C and the W's): biases and BN shifts
  // start at or near 0, so their relative updates are large early on without meaning anything.
  for (const name of [...ratios.keys()]) if (params.get(name)?.shape.length !== 2) ratios.delete(name);
  for (const p of snapshot.params) {
    const r = ratios.get(p.name);
    if (r === undefined) continue;
    if (r < TINY_UPDATE_LOG10) tinyUpdates.push({ name: p.name, log10: r });
    else if (r > HUGE_UPDATE_LOG10) hugeUpdates.push({ name: p.name, log10: r });
  }

  const sentences: string[] = [];
  const chain: ChainLink[] = [];
  const total = snapshot.params.length;
  const maxAbs = (names: readonly string[], of: 'data' | 'grad', prefix = '') =>
    names.map((n) => `max |${prefix}${n}| = ${fmt((of === 'data' ? params.get(n)?.dataMaxAbs : params.get(n)?.gradMaxAbs) ?? NaN)}`).join(', ');

  // 1. Who receives gradient.
  if (receivingGradient.length === 0) {
    sentences.push(`No parameter has a non-zero gradient: all ${total} gradients are exactly 0.`);
  } else if (zeroGradient.length === 0) {
    sentences.push(`All ${total} parameters receive a non-zero gradient.`);
  } else if (receivingGradient.length <= zeroGradient.length) {
    sentences.push(
      `Only ${list(receivingGradient)} ${receivingGradient.length === 1 ? 'has a' : 'have'} non-zero gradient; ` +
        `the gradients of ${list(zeroGradient)} are exactly 0.`,
    );
  } else {
    sentences.push(
      `The gradients of ${list(zeroGradient)} are exactly 0; the other ${receivingGradient.length} parameters receive gradient.`,
    );
  }

  // 2. Who has moved (meaningless before the first update).
  if (!anyChanged && snapshot.step === 0) {
    sentences.push('No parameter has changed yet (step 0).');
  } else if (neverChanged.length === 0) {
    sentences.push('Every parameter has moved from its initial value.');
  } else {
    const changed = snapshot.params.filter((p) => p.changed).map((p) => p.name);
    sentences.push(
      `${list(neverChanged)} ${neverChanged.length === 1 ? 'has never changed from its initial value' : 'have never changed from their initial values'}` +
        (changed.length > 0 && changed.length <= neverChanged.length ? `; only ${list(changed)} ${changed.length === 1 ? 'has' : 'have'} changed.` : '.'),
    );
  }

  // 3. Dead layers, with the chain of causes the numbers support.
  const outputIndex = snapshot.activations.length + 1;
  for (const a of snapshot.activations) {
    if (a.zeroFraction !== 1) continue;
    const i = a.layer;
    const kind = /^[a-z]+/i.exec(a.name)?.[0] ?? 'activation';
    const h = `h${i}`;
    let s = `The activations of ${a.name} are all exactly 0 (std ${fmt(a.std)})`;
    // Cause: the block's own parameters are exactly 0, and f(0) = 0 for tanh, relu and identity.
    const own = [`W${i}`, `b${i}`, `beta${i}`].filter((n) => params.has(n));
    const ownZero = own.length > 0 && own.every(isZero) && ['tanh', 'relu', 'linear', 'none'].includes(kind);
    if (ownZero) {
      s += `: its pre-activation is exactly 0 because ${list(own)} ${own.length === 1 ? 'is' : 'are'} exactly 0, and ${kind === 'none' || kind === 'linear' ? 'the identity' : kind}(0) = 0`;
      chain.push({ claim: `${own.join(' = ')} = 0`, measured: maxAbs(own, 'data') });
    }
    sentences.push(`${s}.`);
    chain.push({
      claim: ownZero && kind !== 'none' && kind !== 'linear' ? `${h} = ${kind}(0) = 0` : `${h} = 0`,
      measured: `std ${fmt(a.std)}, ${fmt(a.zeroFraction * 100)}% of values exactly 0`,
    });

    const next = `W${i + 1}`;
    const dz = i + 1 === outputIndex ? 'dlogits' : `dz${i + 1}`;
    const why: string[] = [];
    if (zeroGradient.includes(next)) {
      why.push(`with ${h} = 0, d${next} = ${h}ᵀ·${dz} is exactly 0`);
      chain.push({ claim: `d${next} = ${h}ᵀ·${dz} = 0`, measured: maxAbs([next], 'grad', 'd') });
    }
    const lg = snapshot.layerGradients.find((g) => g.layer === i);
    if (lg && lg.maxAbs === 0) {
      let back = `the gradient flowing back, d${h} = ${dz}·${next}ᵀ, is exactly 0 as well`;
      if (isZero(next)) back += ` because ${next} is exactly 0`;
      chain.push({ claim: `d${h} = ${dz}·${next}ᵀ = 0${isZero(next) ? ` (${next} = 0)` : ''}`, measured: `max |d${h}| = ${fmt(lg.maxAbs)}` });
      const below = zeroGradient.filter((n) => layerOf(n) <= i);
      if (below.length > 0) {
        back += `, so nothing below ${a.name} (${list(below)}) receives gradient`;
        chain.push({ claim: `nothing below ${h} learns: d${below.join(' = d')} = 0`, measured: maxAbs(below, 'grad', 'd') });
      }
      why.push(back);
    }
    if (why.length > 0) {
      const text = why.join('; ');
      sentences.push(`${text[0].toUpperCase()}${text.slice(1)}.`);
    }
  }
  // If only the output layer's shift learns, the logits cannot depend on the context.
  const outputShift = [`b${outputIndex}`, `beta${outputIndex}`];
  if (receivingGradient.length > 0 && receivingGradient.every((n) => outputShift.includes(n)) && deadActivations.length > 0) {
    sentences.push(
      `With only ${list(receivingGradient)} learning, the logits are the same for every context, so the model can at best learn how often each character comes next (the unigram distribution).`,
    );
    const moved = receivingGradient.filter((n) => params.get(n)?.changed);
    chain.push({
      claim: `only ${receivingGradient.join(', ')} learns: the logits ignore the context`,
      measured: `${maxAbs(receivingGradient, 'grad', 'd')}; changed since init: ${moved.length ? moved.join(', ') : 'nothing yet'}`,
    });
  }

  // 4. Saturation.
  for (const l of saturatedLayers) {
    sentences.push(
      `${l.name} has ${fmt(l.saturatedPct)}% of its outputs saturated (|t| > 0.97, flag above ${SATURATED_PCT_FLAG}%): their gradient is damped by (1 − t²) ≈ 0.`,
    );
  }

  // 5. Update sizes against the 1e-3 guide.
  if (tinyUpdates.length > 0) {
    sentences.push(
      `Updates are tiny for ${list(tinyUpdates.map((u) => `${u.name} (10^${u.log10.toFixed(1)})`))}, well below the 10^${UPDATE_RATIO_GUIDE_LOG10} guide: ${tinyUpdates.length === 1 ? 'it learns' : 'they learn'} slowly.`,
    );
  }
  if (hugeUpdates.length > 0) {
    sentences.push(
      `Updates are large for ${list(hugeUpdates.map((u) => `${u.name} (10^${u.log10.toFixed(1)})`))}, well above the 10^${UPDATE_RATIO_GUIDE_LOG10} guide: the learning rate may be too high for ${hugeUpdates.length === 1 ? 'it' : 'them'}.`,
    );
  }

  // 6. Healthy layers, briefly, so the paragraph always reports what it measured.
  const alive = snapshot.activations.filter((a) => a.zeroFraction !== 1);
  if (alive.length > 0) {
    sentences.push(`Activations: ${alive.map((a) => `${a.name} std ${fmt(a.std)}, ${fmt(a.saturatedPct)}% saturated`).join('; ')}.`);
  }
  const inRange = [...ratios.entries()].filter(([, r]) => r >= TINY_UPDATE_LOG10 && r <= HUGE_UPDATE_LOG10);
  if (inRange.length > 0 && tinyUpdates.length + hugeUpdates.length === 0) {
    const vals = inRange.map(([, r]) => r);
    sentences.push(
      `update:data ratios lie between 10^${Math.min(...vals).toFixed(1)} and 10^${Math.max(...vals).toFixed(1)}, within a decade of the 10^${UPDATE_RATIO_GUIDE_LOG10} guide.`,
    );
  }

  const flags: DiagnosisFlags = {
    neverChanged,
    zeroGradient,
    receivingGradient,
    deadActivations,
    saturatedLayers,
    tinyUpdates,
    hugeUpdates,
  };
  const healthy =
    zeroGradient.length === 0 &&
    (neverChanged.length === 0 || (!anyChanged && snapshot.step === 0)) &&
    deadActivations.length === 0 &&
    saturatedLayers.length === 0 &&
    tinyUpdates.length === 0 &&
    hugeUpdates.length === 0;
  if (healthy) sentences.unshift('Nothing looks wrong.');
  return { step: snapshot.step, text: sentences.join(' '), chain, flags, healthy };
}
