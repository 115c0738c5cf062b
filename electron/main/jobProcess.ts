/**
 * Model jobs in the desktop app (fold plan, fold comparison, export, sampling): each runs in an Electron
 * `utilityProcess` started from the bundled `worker/jobWorker.ts`, so the main process — which serves the window —
 * never does the work itself. The request/answer, timeout and crash handling are the engine's
 * (worker/jobClient.ts, shared with serve); this file only adapts a utility process to it.
 */
import type { UtilityProcess } from 'electron';
import { modelJobRunner, type JobChild, type JobRunnerOptions, type ModelJobRunner } from '../engine/worker/jobClient.js';

type Fork = (modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'inherit' | 'pipe' | 'ignore' }) => Pick<
  UtilityProcess,
  'postMessage' | 'on' | 'kill'
>;

export function utilityProcessJobRunner(fork: Fork, workerPath: string, options?: JobRunnerOptions): ModelJobRunner {
  return modelJobRunner((): JobChild => {
    const child = fork(workerPath, [], { serviceName: 'Makemore Lab model job', stdio: 'inherit' });
    return {
      send: (request) => child.postMessage(request),
      onMessage: (handler) => void child.on('message', handler),
      onExit: (handler) => void child.on('exit', (code: number) => handler(`exited with code ${code}`)),
      kill: () => void child.kill(),
    };
  }, options);
}
