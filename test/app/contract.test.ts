/**
 * The contract's client over a transport and its request schemas: every channel of the table is a client method
 * that invokes exactly that channel, replies are unwrapped, user errors arrive as LabApiError with their line,
 * dropped files use the preload's path when there is one and upload the bytes otherwise; every preset validates
 * and hostile payloads do not.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../electron/engine/model/presets.js';
import { LabApiError, bytesToBase64, createLabApiClient, type LabTransport } from '../../electron/shared/client.js';
import { EVENT_CHANNELS, INVOKE_CHANNELS, eventChannels, invokeChannels, validateRequest } from '../../electron/shared/channels.js';
import { experimentConfigSchema } from '../../electron/shared/schemas.js';

function fakeTransport(replies: Record<string, unknown>, pathForFile?: (f: File) => string | null) {
  const calls: [string, unknown][] = [];
  const listeners = new Map<string, (p: unknown) => void>();
  const transport: LabTransport = {
    invoke: async (channel, payload) => {
      calls.push([channel, payload]);
      return replies[channel];
    },
    on: (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
    pathForFile,
  };
  return { transport, calls, listeners };
}

describe('createLabApiClient', () => {
  it('has one method per channel of the table, named after it, that invokes exactly that channel', async () => {
    const { transport, calls } = fakeTransport(Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, { ok: true, value: `answer of ${c}` }])));
    const lab = createLabApiClient(transport) as unknown as Record<string, Record<string, (r?: unknown) => Promise<unknown>>>;
    for (const channel of INVOKE_CHANNELS) {
      const [group, name] = channel.includes('.') ? channel.split('.') : [null, channel];
      const method = group ? lab[group][name] : (lab[name] as unknown as (r?: unknown) => Promise<unknown>);
      expect(await method({ probe: channel })).toBe(`answer of ${channel}`);
    }
    expect(calls).toEqual(INVOKE_CHANNELS.map((c) => [c, { probe: c }]));
    expect(INVOKE_CHANNELS).toContain('runs.get');
    expect(lab.runs.get).toBeTypeOf('function');
    expect(lab.sample).toBeTypeOf('function');
  });

  it('unwraps values and turns error replies into LabApiError with details', async () => {
    const { transport, calls } = fakeTransport({
      'runs.list': { ok: true, value: [{ id: 'r1' }] },
      'dataset.loadFromPath': { ok: false, error: { code: 'DATASET', message: 'names.txt, line 7: contains "."', details: { line: 7 } } },
    });
    const lab = createLabApiClient(transport);
    expect(await lab.runs.list()).toEqual([{ id: 'r1' }]);
    const err = await lab.dataset.loadFromPath({ path: '/x/names.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabApiError);
    expect((err as LabApiError).code).toBe('DATASET');
    expect((err as LabApiError).details.line).toBe(7);
    expect(calls).toEqual([
      ['runs.list', undefined],
      ['dataset.loadFromPath', { path: '/x/names.txt' }],
    ]);
  });

  it('loads a dropped file by path in Electron and by upload in a browser', async () => {
    const file = new File([new TextEncoder().encode('emma\nava\n')], 'names.txt');
    const electron = fakeTransport({ 'dataset.loadFromPath': { ok: true, value: { id: 'p' } } }, () => '/home/u/names.txt');
    expect(await createLabApiClient(electron.transport).dataset.loadFile(file)).toEqual({ id: 'p' });
    expect(electron.calls).toEqual([['dataset.loadFromPath', { path: '/home/u/names.txt' }]]);

    const browser = fakeTransport({ 'dataset.upload': { ok: true, value: { id: 'u' } } }, () => null);
    expect(await createLabApiClient(browser.transport).dataset.loadFile(file)).toEqual({ id: 'u' });
    expect(browser.calls).toEqual([['dataset.upload', { name: 'names.txt', base64: Buffer.from('emma\nava\n').toString('base64') }]]);
  });

  it('subscriptions deliver payloads and unsubscribe', () => {
    const { transport, listeners } = fakeTransport({});
    const got: unknown[] = [];
    const lab = createLabApiClient(transport);
    const off = lab.on('runs.update', (u) => got.push(u));
    expect(() => lab.on('runs.nonsense' as never, () => {})).toThrow('unknown event runs.nonsense');
    listeners.get('runs.update')!({ runId: 'r', status: 'running' });
    expect(got).toEqual([{ runId: 'r', status: 'running' }]);
    off();
    expect(listeners.has('runs.update')).toBe(false);
  });

  it('base64-encodes large byte arrays exactly like Buffer', () => {
    const bytes = new Uint8Array(300_001).map((_, i) => (i * 7919) & 255);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});

describe('request schemas', () => {
  it('are declared for every channel of the table, which the channel lists are derived from', () => {
    for (const channel of INVOKE_CHANNELS) expect(invokeChannels[channel].request.safeParse, channel).toBeTypeOf('function');
    expect(INVOKE_CHANNELS).toEqual(Object.keys(invokeChannels));
    expect(EVENT_CHANNELS).toEqual(['runs.update', 'runs.changed', 'dataset.loaded', 'workers.changed']);
    expect(Object.keys(eventChannels)).toEqual(EVENT_CHANNELS);
    expect(validateRequest('runs.nope' as never, {})).toEqual({ ok: false, message: 'unknown channel runs.nope' });
    expect(validateRequest('toString' as never, {})).toEqual({ ok: false, message: 'unknown channel toString' });
  });

  it('accept every built-in preset configuration', () => {
    for (const preset of PRESETS) {
      const r = experimentConfigSchema.safeParse(preset.config);
      expect(r.success, `${preset.id}: ${r.success ? '' : r.error.issues[0]?.message}`).toBe(true);
    }
  });

  it('refuse configs with wrong types, extra fields, absurd sizes or non-finite numbers', () => {
    const base = structuredClone(PRESETS[0].config);
    const variants: unknown[] = [
      { ...base, extra: true },
      { ...base, model: { ...base.model, blockSize: 0 } },
      { ...base, model: { ...base.model, blockSize: 2.5 } },
      { ...base, model: { ...base.model, hidden: [{ ...base.model.hidden[0], size: 10_000_000 }] } },
      { ...base, model: { ...base.model, embeddingInit: { kind: 'normal', scale: Infinity } } },
      { ...base, model: { ...base.model, embeddingInit: { kind: 'uniform' } } },
      { ...base, train: { ...base.train, learningRate: { initial: -1, decays: [] } } },
      { ...base, train: { ...base.train, steps: '1000' } },
    ];
    for (const v of variants) expect(experimentConfigSchema.safeParse(v).success).toBe(false);
  });

  it('name the offending field in the message', () => {
    const base = structuredClone(PRESETS[0].config);
    const r = validateRequest('runs.start', { config: { ...base, train: { ...base.train, batchSize: 0 } }, datasetId: 'd', backend: 'auto' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/config\.train\.batchSize/);
    expect(validateRequest('runs.delete', { runId: '..' }).ok).toBe(false);
    expect(validateRequest('runs.delete', { runId: 'a/b' }).ok).toBe(false);
    expect(validateRequest('runs.delete', { runId: '20250101T000000Z-zero-init-ab12' }).ok).toBe(true);
  });

  it('accept every backend the engine can run, onnxruntime included, and name the field for any other', () => {
    const config = structuredClone(PRESETS[0].config);
    for (const backend of ['auto', 'tensorflow', 'onnxruntime', 'fused', 'wasm', 'cpu']) {
      expect(validateRequest('runs.start', { config, datasetId: 'd', backend }).ok, backend).toBe(true);
    }
    const r = validateRequest('runs.start', { config, datasetId: 'd', backend: 'onnx' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/backend/);
  });
});

describe('electron/shared stays browser-safe', () => {
  it('imports no Node or Electron module (the renderer and the preload bundle it)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../electron/shared/', import.meta.url);
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      const imports = [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec.startsWith('node:') || spec === 'electron' || /^(fs|path|os|crypto|child_process|ws)$/.test(spec), `${name} imports ${spec}`).toBe(false);
        // Value imports from the engine would drag Node code into the renderer; types are erased.
        if (spec.startsWith('../engine/')) expect(text, `${name} must import ${spec} as a type`).toMatch(new RegExp(`import type [^;]*['"]${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`));
      }
    }
  });
});
