/**
 * Runs a model job (fold plan, fold comparison, export, sampling) in its own short-lived process and resolves
 * with its answer. `modelJobRunner` holds the logic every host shares — one request, one answer, a timeout, a
 * crash turned into an error — over a minimal child interface; `runModelJob` is that runner on
 * `child_process.fork` (serve, tests). The Electron app adapts `utilityProcess.fork` to the same interface.
 *
 * A fresh process per job: jobs are seconds long and rare (a click in the Fold & Compare wizard or on
 * "Sample"), so the start-up cost buys isolation — a job that crashes, leaks or hangs takes nothing else with it.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../errors.js';
import { isLabErrorCode, type JobError, type JobRequest, type JobResponse, type ModelJob, type ModelJobResult } from './jobProtocol.js';

/** A started job process, as far as the runner needs to know it. */
export interface JobChild {
  send(request: JobRequest): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Called once the process is gone; `why` completes "the model job process … before answering". */
  onExit(handler: (why: string) => void): void;
  /** Ends the process at once (harmless when it has already exited). */
  kill(): void;
}

export type ModelJobRunner = <J extends ModelJob>(job: J) => Promise<ModelJobResult<J>>;

export interface JobRunnerOptions {
  /** A job still running after this long is killed and rejected (default 5 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_JOB_TIMEOUT_MS = 5 * 60_000;

export function modelJobRunner(spawn: () => JobChild, options: JobRunnerOptions = {}): ModelJobRunner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  let nextId = 1;
  return <J extends ModelJob>(job: J) =>
    new Promise<ModelJobResult<J>>((resolve, reject) => {
      const id = nextId++;
      const child = spawn();
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // The job has answered (or failed): its process has nothing left to do.
        child.kill();
        outcome();
      };
      const timer = setTimeout(
        () => settle(() => reject(new Error(`the model job (${job.kind}) took longer than ${formatDuration(timeoutMs)} and was stopped`))),
        timeoutMs,
      );
      child.onMessage((message) => {
        const response = message as JobResponse;
        if (typeof response !== 'object' || response === null || response.id !== id) return;
        settle(() => (response.ok ? resolve(response.result as ModelJobResult<J>) : reject(errorFromJob(response.error))));
      });
      child.onExit((why) => settle(() => reject(new Error(`the model job process (${job.kind}) ${why} before answering`))));
      child.send({ id, job });
    });
}

/** A LabError comes back as a LabError (same code, message, details), so the UI shows it as if raised here. */
export function errorFromJob(error: JobError): Error {
  if (isLabErrorCode(error.code)) return new LabError(error.code, error.message, error.details ?? {});
  return Object.assign(new Error(error.message), { code: error.code });
}

function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/**
 * Where the job worker entry is: the bundled JavaScript next to this module when built, else the TypeScript
 * source run through tsx's loader (development, tests, `npm run lab -- serve`). Mirrors client.ts.
 */
export function resolveJobWorkerEntry(): { file: string; execArgv: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.join(here, 'jobWorker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(here, 'jobWorker.ts'), execArgv: ['--import', 'tsx'] };
}

/** A job process started with Node's `child_process.fork`. */
export function forkJobProcess(): JobChild {
  const entry = resolveJobWorkerEntry();
  const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    // A send to a process that already died fails here; its exit reports the failure.
    send: (request) => void child.send(request, undefined, {}, () => {}),
    onMessage: (handler) => void child.on('message', handler),
    onExit: (handler) => {
      child.on('exit', (code, signal) => handler(signal ? `was killed (${signal})` : `exited with code ${code}`));
      child.on('error', (e) => handler(`could not be run (${e.message})`));
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Runs one model job in a fresh `child_process.fork`ed process. */
export const runModelJob: ModelJobRunner = modelJobRunner(forkJobProcess);
