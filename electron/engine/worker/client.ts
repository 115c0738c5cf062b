/**
 * Starts a training run in its own Node process (`child_process.fork`) and relays its events. Used by `serve`
 * and the tests; the Electron app does the same with `utilityProcess.fork` and the same protocol.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markRunFailed } from '../run/runFolder.js';
import type { TrainResult } from '../train/types.js';
import type { TrainRequest, WorkerCommand, WorkerEvent } from './protocol.js';

export interface TrainingProcess {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Ends the process at once (the run folder keeps what was saved). */
  kill(): void;
  /** Resolves with the result, or rejects when the run fails or the process dies. */
  readonly done: Promise<TrainResult>;
}

/**
 * Where the worker entry is: the bundled JavaScript next to this module when built, else the TypeScript
 * source run through tsx's loader (development, tests, `npm run lab -- serve`).
 */
export function resolveWorkerEntry(): { file: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.join(here, 'trainWorker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(here, 'trainWorker.ts'), execArgv: ['--import', 'tsx'] };
}

export function startTrainingProcess(request: TrainRequest, onEvent: (event: WorkerEvent) => void): TrainingProcess {
  const entry = resolveWorkerEntry();
  const child: ChildProcess = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (command: WorkerCommand) => {
    if (child.connected) child.send(command);
  };
  const done = new Promise<TrainResult>((resolve, reject) => {
    let result: TrainResult | null = null;
    let failure: Error | null = null;
    child.on('message', (message) => {
      const event = message as WorkerEvent;
      if (event.type === 'done') result = event.result;
      if (event.type === 'failed') failure = Object.assign(new Error(event.error.message), { code: event.error.code });
      onEvent(event);
    });
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else if (failure) reject(failure);
      else {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const error = new Error(`the training process ${why} before finishing`);
        onEvent({ type: 'failed', error: { code: 'CRASHED', message: error.message } });
        // The process could not record its own end: mark the run failed so it never looks like it is still running.
        markRunFailed(request.runDir, { code: 'CRASHED', message: error.message })
          .catch(() => {})
          .finally(() => reject(Object.assign(error, { code: 'CRASHED' })));
      }
    });
  });
  send({ type: 'start', request });
  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    stop: () => send({ type: 'stop' }),
    kill: () => child.kill('SIGKILL'),
    done,
  };
}
