/**
 * One worker queue with a cap: a burst of requests never has more than `limit` processes alive, each waits its
 * turn in order and is answered, the UI sees who runs and who waits, a request killed or withdrawn while waiting
 * never starts, and a job's time limit counts from its start, not from its place in the queue.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerQueue } from '../../electron/app/workerQueue.js';
import { callWorker, modelJobRunner, trainingLauncher, type SpawnWorker, type WorkerProcess } from '../../electron/engine/worker/client.js';
import type { WorkerKind } from '../../electron/engine/worker/protocol.js';
import type { WorkerQueueState } from '../../electron/shared/contract.js';

interface FakeChild {
  kind: WorkerKind;
  sent: unknown[];
  answer(result: unknown): void;
}

/** Fake worker processes that count how many are alive at once; `kill` makes one exit. */
function fakeProcesses() {
  const children: FakeChild[] = [];
  let alive = 0;
  let peak = 0;
  const spawn: SpawnWorker = (kind) => {
    alive++;
    peak = Math.max(peak, alive);
    const onMessage: ((m: unknown) => void)[] = [];
    const onExit: ((why: string) => void)[] = [];
    let dead = false;
    const child: FakeChild = { kind, sent: [], answer: (result) => onMessage.forEach((h) => h({ type: 'done', result })) };
    children.push(child);
    const process: WorkerProcess = {
      send: (m) => void child.sent.push(m),
      onMessage: (h) => void onMessage.push(h),
      onExit: (h) => void onExit.push(h),
      kill: () => {
        if (dead) return;
        dead = true;
        alive--;
        onExit.forEach((h) => h('was killed (SIGKILL)'));
      },
    };
    return process;
  };
  return { spawn, children, alive: () => alive, peak: () => peak };
}

describe('worker queue', () => {
  afterEach(() => vi.useRealTimers());

  it('12 sample requests with a limit of 3: never more than 3 processes, all answered in order', async () => {
    const fake = fakeProcesses();
    const states: WorkerQueueState[] = [];
    const queue = new WorkerQueue(fake.spawn, 3, (s) => states.push(s));
    const run = modelJobRunner(queue.spawn);
    const answers = Array.from({ length: 12 }, (_, i) =>
      run({ kind: 'sample', model: { kind: 'run', runDir: `/runs/r${i}`, folded: false }, count: 1, seed: i }),
    );
    expect(fake.children).toHaveLength(3);
    expect(queue.state().running.map((j) => j.runId)).toEqual(['r0', 'r1', 'r2']);
    expect(queue.state().queued.map((j) => j.runId)).toEqual(['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11']);
    expect(queue.state().queued[0]).toEqual({ kind: 'sample', runId: 'r3' });
    // Answer whichever processes are alive, oldest first, until all twelve are done.
    for (let next = 0; next < 12; next++) {
      const child = fake.children[next];
      expect(child.sent[0]).toMatchObject({ type: 'start', request: { seed: next } }); // started in request order
      child.answer({ words: [`w${next}`] });
      await Promise.resolve();
    }
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 12 }, (_, i) => ({ words: [`w${i}`] })));
    expect(fake.children).toHaveLength(12);
    expect(fake.peak()).toBe(3);
    expect(fake.alive()).toBe(0);
    expect(queue.state()).toEqual({ limit: 3, running: [], queued: [] });
    expect(Math.max(...states.map((s) => s.running.length))).toBe(3);
    expect(Math.max(...states.map((s) => s.queued.length))).toBe(9);
  });

  it('training runs and model jobs share the cap; control sent while waiting arrives once started', async () => {
    const fake = fakeProcesses();
    const queue = new WorkerQueue(fake.spawn, 1);
    const events: unknown[] = [];
    const training = trainingLauncher(queue.spawn)({ runDir: '/runs/t1', config: {} as never, dataset: { kind: 'builtin' }, backend: 'auto' }, (e) => events.push(e));
    const sample = modelJobRunner(queue.spawn)({ kind: 'foldPlan', runDir: '/runs/t0' });
    const second = trainingLauncher(queue.spawn)({ runDir: '/runs/t2', config: {} as never, dataset: { kind: 'builtin' }, backend: 'auto' }, () => {});
    second.pause();
    expect(queue.state()).toEqual({
      limit: 1,
      running: [{ kind: 'train', runId: 't1' }],
      queued: [{ kind: 'foldPlan', runId: 't0' }, { kind: 'train', runId: 't2' }],
    });
    fake.children[0].answer({ steps: 5 });
    expect(await training.done).toEqual({ steps: 5 });
    fake.children[1].answer({ eps: 1e-5, layers: [] });
    await expect(sample).resolves.toEqual({ eps: 1e-5, layers: [] });
    expect(fake.children[2].sent).toEqual([{ type: 'start', request: expect.objectContaining({ runDir: '/runs/t2' }) }, { type: 'pause' }]);
    expect(fake.peak()).toBe(1);
  });

  it('a request killed while it waits never starts, and says why', async () => {
    const fake = fakeProcesses();
    const queue = new WorkerQueue(fake.spawn, 1);
    const first = callWorker<'job'>(queue.spawn('job'), { kind: 'foldPlan', runDir: '/runs/a' }, { crashMessage: (why) => `job a ${why}` });
    const second = callWorker<'job'>(queue.spawn('job'), { kind: 'foldPlan', runDir: '/runs/b' }, { crashMessage: (why) => `job b ${why}` });
    second.kill();
    await expect(second.answer).rejects.toThrow('job b was cancelled while waiting for a free worker');
    expect(queue.state().queued).toEqual([]);
    fake.children[0].answer({ eps: 1, layers: [] });
    await first.answer;
    expect(fake.children).toHaveLength(1);
  });

  it('a training run withdrawn while it waits leaves the queue silently and never starts; a started one cannot be', async () => {
    const fake = fakeProcesses();
    const states: WorkerQueueState[] = [];
    const queue = new WorkerQueue(fake.spawn, 1, (s) => states.push(s));
    const launch = trainingLauncher(queue.spawn);
    const request = (runDir: string) => ({ runDir, config: {} as never, dataset: { kind: 'builtin' as const }, backend: 'auto' as const });
    const firstEvents: unknown[] = [];
    const waitingEvents: unknown[] = [];
    const first = launch(request('/runs/a'), (e) => firstEvents.push(e));
    const waiting = launch(request('/runs/b'), (e) => waitingEvents.push(e));
    const third = launch(request('/runs/c'), () => {});
    waiting.pause(); // buffered for a start that never comes
    expect(first.withdraw()).toBe(false); // it has a process: only `stop` reaches it
    expect(waiting.withdraw()).toBe(true);
    expect(waiting.withdraw()).toBe(false); // once
    expect(queue.state().queued).toEqual([{ kind: 'train', runId: 'c' }]);
    expect(states.at(-1)!.queued).toEqual([{ kind: 'train', runId: 'c' }]);
    fake.children[0].answer({ steps: 1 });
    await first.done;
    // The freed worker went to the next in line; the withdrawn run got no process and heard nothing.
    expect(fake.children.map((c) => (c.sent[0] as { request: { runDir: string } }).request.runDir)).toEqual(['/runs/a', '/runs/c']);
    expect(fake.children[1].sent).toHaveLength(1);
    expect(waitingEvents).toEqual([]);
    let settled = false;
    void waiting.done.finally(() => (settled = true));
    fake.children[1].answer({ steps: 2 });
    await third.done;
    expect(settled).toBe(false);
    expect(fake.peak()).toBe(1);
  });

  it("a job's time limit counts from its start, not from its wait in the queue", async () => {
    vi.useFakeTimers();
    const fake = fakeProcesses();
    const queue = new WorkerQueue(fake.spawn, 1);
    const run = modelJobRunner(queue.spawn, { timeoutMs: 1000 });
    const slow = run({ kind: 'foldCompare', runDir: '/runs/slow' }).catch((e: Error) => e.message);
    const waiting = run({ kind: 'foldCompare', runDir: '/runs/next' });
    vi.advanceTimersByTime(999);
    expect(fake.children).toHaveLength(1);
    vi.advanceTimersByTime(1); // the first overruns: killed, and the second starts now
    expect(await slow).toBe('the model job (foldCompare) took longer than 1 s and was stopped');
    expect(fake.children).toHaveLength(2);
    vi.advanceTimersByTime(999); // 1999 ms after it was queued, 999 ms after it started
    fake.children[1].answer({ ok: 1 });
    await expect(waiting).resolves.toEqual({ ok: 1 });
  });

  it('refuses a limit below one', () => {
    expect(() => new WorkerQueue(fakeProcesses().spawn, 0)).toThrow('worker limit must be a whole number ≥ 1, got 0');
  });
});
