/**
 * Worker processes in the desktop app: Electron's `utilityProcess.fork` running the bundled worker entries (the
 * same `worker/trainWorker.ts` and `worker/jobWorker.ts` that serve and the tests start with
 * `child_process.fork`). The protocol, crash and timeout handling are the engine's one worker client
 * (worker/client.ts); this file only adapts a utility process to it.
 */
import type { UtilityProcess } from 'electron';
import type { SpawnWorker } from '../engine/worker/client.js';
import type { WorkerKind } from '../engine/worker/protocol.js';

type Fork = (modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore' }) => Pick<
  UtilityProcess,
  'postMessage' | 'on' | 'kill'
>;

/** How each kind of worker is named in the system's process list. */
const SERVICE_NAMES: Record<WorkerKind, string> = { train: 'Makemore Lab training', job: 'Makemore Lab model job' };

/** Starts each worker from its bundled entry (`entries[kind]`, a path inside the app). */
export function utilityProcessWorkers(fork: Fork, entries: Record<WorkerKind, string>): SpawnWorker {
  return (kind) => {
    const child = fork(entries[kind], [], { serviceName: SERVICE_NAMES[kind], stdio: 'inherit' });
    return {
      send: (message) => {
        try {
          child.postMessage(message);
        } catch {
          // The process is gone; its exit reports the failure.
        }
      },
      onMessage: (handler) => void child.on('message', handler),
      onExit: (handler) => void child.on('exit', (code: number) => handler(`exited with code ${code}`)),
      kill: () => void child.kill(),
    };
  };
}
