/**
 * Training processes in the desktop app: Electron's `utilityProcess.fork` running the bundled worker entry
 * (the same `worker/trainWorker.ts` the CLI and serve start with `child_process.fork`, same protocol). A process
 * that exits without a final event crashed (out of memory, a native backend failure): the run folder is marked
 * failed and the UI gets a `failed` event; everything saved before stays readable.
 */
import type { UtilityProcess } from 'electron';
import { markRunFailed } from '../engine/run/runFolder.js';
import type { TrainRequest, WorkerCommand, WorkerEvent } from '../engine/worker/protocol.js';
import type { TrainingHandle, TrainingLauncher } from '../app/runManager.js';

type Fork = (modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore' }) => Pick<
  UtilityProcess,
  'postMessage' | 'on' | 'kill'
>;

export function utilityProcessLauncher(fork: Fork, workerPath: string): TrainingLauncher {
  return (request: TrainRequest, onEvent: (event: WorkerEvent) => void): TrainingHandle => {
    const child = fork(workerPath, [], { serviceName: 'Makemore Lab training', stdio: 'inherit' });
    const send = (command: WorkerCommand) => child.postMessage(command);
    let ended = false;
    const done = new Promise<void>((resolve, reject) => {
      child.on('message', (message: unknown) => {
        const event = message as WorkerEvent;
        if (event.type === 'done' || event.type === 'failed') ended = true;
        onEvent(event);
      });
      child.on('exit', (code: number) => {
        if (ended) return resolve();
        const message = `the training process exited with code ${code} before finishing`;
        onEvent({ type: 'failed', error: { code: 'CRASHED', message } });
        markRunFailed(request.runDir, { code: 'CRASHED', message })
          .catch(() => {})
          .finally(() => reject(new Error(message)));
      });
    });
    send({ type: 'start', request });
    return {
      pause: () => send({ type: 'pause' }),
      resume: () => send({ type: 'resume' }),
      stop: () => send({ type: 'stop' }),
      kill: () => child.kill(),
      done,
    };
  };
}
