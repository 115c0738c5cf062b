/**
 * The fused kernel's descriptor layout is declared once, in native/kernel/net.h, and exported by the kernel
 * (layout.h); the wrapper takes every offset from that table at load and refuses, naming the field, a kernel
 * that disagrees with what it fills.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFusedBackend } from '../../electron/engine/compute/fused/fusedBackend.js';
import { checkLayout, KernelLayoutError, readLayoutTable, type LayoutEntry } from '../../electron/engine/compute/fused/kernelLayout.js';
import { findKernelWasm, instantiateKernel } from '../../electron/engine/compute/fused/kernelModule.js';
import { initModel } from '../../electron/engine/model/init.js';
import { findPreset } from '../../electron/engine/model/presets.js';

const table = readLayoutTable((await instantiateKernel()).exports);

/** The real table with one change. */
function edited(change: (entries: LayoutEntry[]) => void): LayoutEntry[] {
  const copy = table.map((e) => ({ ...e }));
  change(copy);
  return copy;
}
const entry = (entries: LayoutEntry[], name: string) => entries.find((e) => e.name === name)!;

describe('fused kernel: descriptor layout from the kernel', () => {
  it('the committed kernel reports a layout the wrapper accepts, with every word of each struct filled', () => {
    const layout = checkLayout(table);
    for (const struct of [layout.net, layout.layer]) {
      // every word is some field's: the wrapper leaves no gap the kernel would read as an unset value
      expect(Object.values(struct.at).sort((a, b) => a - b)).toEqual(Array.from({ length: struct.words }, (_, k) => k));
    }
    expect(new Set(Object.values(layout.act)).size).toBe(3);
    expect(entry(table, 'Net.eps').kind).toBe('f');
    expect(entry(table, 'Layer.gamma').kind).toBe('p');
  });

  it.each([
    ['a field it fills is missing', (t: LayoutEntry[]) => t.splice(t.indexOf(entry(t, 'Layer.gamma')), 1), /no field Layer\.gamma, which the wrapper fills/],
    ['a field is renamed', (t: LayoutEntry[]) => (entry(t, 'Net.momentum').name = 'Net.momentun'), /no field Net\.momentum/],
    ['the kernel has a field the wrapper does not fill', (t: LayoutEntry[]) => t.push({ name: 'Layer.extra', offset: 108, size: 4, kind: 'p' }), /Layer\.extra, which the wrapper does not fill/],
    ['a float became an int', (t: LayoutEntry[]) => (entry(t, 'Net.eps').kind = 'i'), /Net\.eps is an int there, the wrapper writes a float/],
    ['a pointer became a float', (t: LayoutEntry[]) => (entry(t, 'Layer.W').kind = 'f'), /Layer\.W is a float there, the wrapper writes a pointer/],
    ['a field is 8 bytes', (t: LayoutEntry[]) => (entry(t, 'Layer.rmean').size = 8), /Layer\.rmean is 8 bytes there/],
    ['a field lies outside its struct', (t: LayoutEntry[]) => (entry(t, 'Net.layers').offset = 56), /Net\.layers is at byte 56, not a word inside Net's 56 bytes/],
    ['a field is not word-aligned', (t: LayoutEntry[]) => (entry(t, 'Layer.dZ').offset = 2), /Layer\.dZ is at byte 2/],
    ['two fields overlap', (t: LayoutEntry[]) => (entry(t, 'Layer.s3').offset = entry(t, 'Layer.s2').offset), /Layer\.s3 and Layer\.s2 are both at byte|Layer\.s2 and Layer\.s3 are both at byte/],
    ['an activation code is missing', (t: LayoutEntry[]) => t.splice(t.indexOf(entry(t, 'act.relu')), 1), /no code for activation act\.relu/],
    ['a struct is missing', (t: LayoutEntry[]) => t.splice(t.indexOf(entry(t, 'Layer')), 1), /no struct Layer/],
    ['an entry appears twice', (t: LayoutEntry[]) => t.push({ ...entry(t, 'Net.x') }), /Net\.x appears twice/],
  ])('refuses a kernel where %s, naming it', (_label, change, message) => {
    const bad = edited(change);
    expect(() => checkLayout(bad)).toThrow(KernelLayoutError);
    expect(() => checkLayout(bad)).toThrow(message);
    expect(() => checkLayout(bad)).toThrow(/^fused kernel: mlp\.wasm does not match the wrapper \(rebuild it with `npm run build:kernel`\): [^\n]+$/);
  });

  it('a real kernel binary whose struct field was renamed fails to load, naming the field', async () => {
    const bytes = new Uint8Array(readFileSync(findKernelWasm()));
    const name = Buffer.from('Net.momentum\0');
    const at = Buffer.from(bytes).indexOf(name);
    expect(at).toBeGreaterThan(0);
    bytes[at + name.length - 2] = 'n'.charCodeAt(0); // "Net.momentun"
    const state = initModel(findPreset('bn3-fold')!.config.model, 27, 1);
    await expect(createFusedBackend(state, { wasmBytes: bytes })).rejects.toThrow(/no field Net\.momentum, which the wrapper fills/);
    // the untouched binary loads
    (await createFusedBackend(state)).dispose();
  });
});
