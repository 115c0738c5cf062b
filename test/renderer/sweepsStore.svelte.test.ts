/**
 * The Sweep view's store applies list replies in the order their requests were sent. The failure this guards:
 * Stop sweep's reply is computed while its training runs still finish their step ("running"); their end fires
 * `runs.changed`, whose list read ("stopped") can come back first. Applied in arrival order, the stale stop reply
 * won and the sweep showed "running" for good (seen in CI). Runs the store's runes for real against a fake `lab`
 * whose replies the test releases in a chosen order.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SweepInfo } from '../../electron/shared/sweepTypes.js';

interface Pending {
  channel: string;
  resolve(value: unknown): void;
}
const pending: Pending[] = [];
const handlers = new Map<string, () => void>();
const call = (channel: string) => () => new Promise((resolve) => pending.push({ channel, resolve }));
vi.mock('../../renderer/src/lib/api.js', () => ({
  lab: {
    on: (event: string, handler: () => void) => handlers.set(event, handler),
    sweeps: { list: call('sweeps.list'), stop: call('sweeps.stop'), estimate: call('sweeps.estimate'), recipes: async () => [] },
    runs: { list: call('runs.list') },
  },
  toErrorInfo: (e: unknown) => ({ code: 'INTERNAL', message: String(e) }),
}));
const { sweeps } = await import('../../renderer/src/stores/sweeps.svelte.js');
const { runs } = await import('../../renderer/src/stores/runs.svelte.js');

const sweep = (status: SweepInfo['status']) => ({ id: 's1', status, runs: [] }) as unknown as SweepInfo;
const settle = () => new Promise((r) => setTimeout(r, 0));
/** Answers the oldest pending request on `channel`. */
async function reply(channel: string, value: unknown): Promise<void> {
  const at = pending.findIndex((p) => p.channel === channel);
  expect(at, `a pending ${channel} request`).toBeGreaterThanOrEqual(0);
  pending.splice(at, 1)[0].resolve(value);
  await settle();
}

describe('SweepsStore: replies applied in request order', () => {
  it('a stop reply that arrives after a later list read does not bring back "running"', async () => {
    const loading = sweeps.load();
    await settle();
    await reply('sweeps.list', [sweep('running')]);
    await loading;
    sweeps.currentId = 's1';

    const stopping = sweeps.stop('s1'); // sent first; the server reads its list while the runs finish
    handlers.get('runs.changed')!(); // the runs ended: a list read sent after the stop
    await settle();
    await reply('sweeps.list', [sweep('stopped')]);
    expect(sweeps.current?.status).toBe('stopped');
    await reply('sweeps.stop', sweep('running'));
    await stopping;
    expect(sweeps.current?.status).toBe('stopped');
  });

  it('a stop reply that arrives first is applied, then the later read', async () => {
    const stopping = sweeps.stop('s1');
    handlers.get('runs.changed')!();
    await settle();
    await reply('sweeps.stop', sweep('running'));
    await stopping;
    expect(sweeps.current?.status).toBe('running');
    await reply('sweeps.list', [sweep('stopped')]);
    expect(sweeps.current?.status).toBe('stopped');
  });

  it('an older list read arriving last is dropped (runs list too)', async () => {
    runs.subscribe();
    const first = runs.refresh();
    const second = runs.refresh();
    const answer = (id: string) => [{ id, status: 'stopped', name: null, note: null }];
    const [older, newer] = pending.filter((p) => p.channel === 'runs.list');
    newer.resolve(answer('new'));
    await settle();
    older.resolve(answer('old'));
    await Promise.all([first, second]);
    expect(runs.list.map((r) => r.id)).toEqual(['new']);
  });

  it("picking two presets in a row shows the second one's estimate, whichever reply comes last", async () => {
    sweeps.usePreset('bn3-fold');
    sweeps.usePreset('zero-init');
    const [first, second] = pending.filter((p) => p.channel === 'sweeps.estimate');
    second.resolve({ runId: 'zero', stepsPerSecond: 5000 });
    await settle();
    first.resolve({ runId: 'bn3', stepsPerSecond: 9000 });
    await settle();
    expect(sweeps.estimate).toEqual({ runId: 'zero', stepsPerSecond: 5000 });
    pending.length = 0;
  });
});
