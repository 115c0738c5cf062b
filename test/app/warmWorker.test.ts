/**
 * The spare training process: Start gets a process that is already running (and has loaded its modules); the
 * spare is replaced after a delay, never handed out dead, and ended by shutdown. A fake SpawnWorker counts the
 * processes started.
 */
import { describe, expect, it, vi } from 'vitest';
import { warmWorkers } from '../../electron/app/warmWorker.js';
import type { WorkerProcess } from '../../electron/engine/worker/client.js';
import type { WorkerKind } from '../../electron/engine/worker/protocol.js';

function fakeSpawner() {
  const started: { kind: WorkerKind; killed: boolean; die(): void; process: WorkerProcess }[] = [];
  const spawn = (kind: WorkerKind): WorkerProcess => {
    const exits: ((why: string) => void)[] = [];
    const entry = {
      kind,
      killed: false,
      die: () => exits.forEach((h) => h('was killed (SIGKILL)')),
      process: {
        send: () => {},
        onMessage: () => {},
        onExit: (h: (why: string) => void) => void exits.push(h),
        kill: () => {
          entry.killed = true;
          entry.die();
        },
      },
    };
    started.push(entry);
    return entry.process;
  };
  return { started, spawn };
}

describe('warmWorkers', () => {
  it('hands the running spare to the first training request and starts the next one only after the delay', () => {
    vi.useFakeTimers();
    try {
      const f = fakeSpawner();
      const warm = warmWorkers(f.spawn, 'train', 1000);
      warm.prepare();
      expect(f.started.map((s) => s.kind)).toEqual(['train']);
      const first = warm.spawn('train');
      expect(first).toBe(f.started[0].process); // no new process: the spare
      expect(f.started).toHaveLength(1);
      vi.advanceTimersByTime(999);
      expect(f.started).toHaveLength(1); // not yet: the run is still starting
      vi.advanceTimersByTime(1);
      expect(f.started).toHaveLength(2);
      expect(warm.spawn('train')).toBe(f.started[1].process);
      // Model jobs are not pre-started.
      warm.spawn('job');
      expect(f.started.map((s) => s.kind)).toEqual(['train', 'train', 'job']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never hands out a spare that died while waiting', () => {
    const f = fakeSpawner();
    const warm = warmWorkers(f.spawn, 'train', 60_000);
    warm.prepare();
    f.started[0].die();
    const got = warm.spawn('train');
    expect(got).not.toBe(f.started[0].process);
    expect(got).toBe(f.started[1].process);
    warm.dispose();
  });

  it('shutdown ends the spare and starts no more', () => {
    vi.useFakeTimers();
    try {
      const f = fakeSpawner();
      const warm = warmWorkers(f.spawn, 'train', 10);
      warm.prepare();
      warm.dispose();
      expect(f.started[0].killed).toBe(true);
      warm.prepare();
      vi.advanceTimersByTime(100);
      expect(f.started).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
