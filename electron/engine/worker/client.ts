/**
 * The one client of the worker protocol (protocol.ts): start a worker process, send its request, relay its
 * events, pass control commands, and turn its answer — or its death, or a time limit — into a settled promise.
 * `trainingLauncher` and `modelJobRunner` are that client for the two kinds of worker; both take a `SpawnWorker`,
 * so `serve` and the tests run them on `child_process.fork` (`forkWorker`) and the Electron app on
 * `utilityProcess.fork` (main/workerProcess.ts).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LabError } from '../errors.js';
import type { RunEvent } from '../run/runEvents.js';
import { markRunFailed } from '../run/runFolder.js';
import type { TrainResult } from '../train/types.js';
import {
  isLabErrorCode,
  type FromWorker,
  type ModelJob,
  type ModelJobResult,
  type ToWorker,
  type TrainRequest,
  type WorkerControl,
  type WorkerError,
  type WorkerKind,
  type WorkerKinds,
} from './protocol.js';

/** A started worker process, as far as the client needs to know it. */
export interface WorkerProcess {
  /** Sends a message; a send to a process that has already died is dropped (its exit reports the failure). */
  send(message: ToWorker<WorkerKind>): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Called once the process is gone; `why` completes "the … process … before answering" ("was killed (SIGKILL)"). */
  onExit(handler: (why: string) => void): void;
  /** Ends the process at once (harmless when it has already exited). */
  kill(): void;
  /** For a process that may wait before it starts (a queue): `handler` runs once it has. Absent: started at once. */
  onStart?(handler: () => void): void;
  /**
   * For a process that may wait before it starts (a queue): while it still waits, takes it out of the queue so
   * that it never starts, and returns true; nothing is reported afterwards (no message, no exit). False once it
   * has started. Absent: started at once, never withdrawn.
   */
  withdraw?(): boolean;
}

export type SpawnWorker = (kind: WorkerKind) => WorkerProcess;

/** One request to one worker process. */
export interface WorkerCall<K extends WorkerKind> {
  /** The worker's result; rejects with its error (a LabError stays one), or when it dies or overruns its time. */
  readonly answer: Promise<WorkerKinds[K]['result']>;
  control(command: WorkerControl): void;
  kill(): void;
  /** See WorkerProcess.withdraw: true when the request never reached a process (`answer` then never settles). */
  withdraw(): boolean;
}

export interface CallOptions<K extends WorkerKind> {
  onEvent?: (event: WorkerKinds[K]['event']) => void;
  /** The message when the process ends without answering, given how it ended. */
  crashMessage(why: string): string;
  /** Kill the process and reject with `message` when it has not answered `ms` after it started. */
  timeout?: { ms: number; message: string };
}

/**
 * Sends `request` to a started worker and settles on its answer. Once answered the process has nothing left to
 * do and is ended; an exit before the answer rejects with code CRASHED, a time limit with code TIMEOUT.
 */
export function callWorker<K extends WorkerKind>(
  child: WorkerProcess,
  request: WorkerKinds[K]['request'],
  options: CallOptions<K>,
): WorkerCall<K> {
  const answer = new Promise<WorkerKinds[K]['result']>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      outcome();
    };
    const timeout = options.timeout;
    if (timeout) {
      const arm = () => {
        if (!settled) timer = setTimeout(() => settle(() => reject(Object.assign(new Error(timeout.message), { code: 'TIMEOUT' }))), timeout.ms);
      };
      if (child.onStart) child.onStart(arm);
      else arm();
    }
    child.onMessage((raw) => {
      if (settled || typeof raw !== 'object' || raw === null) return;
      const message = raw as FromWorker<K>;
      if (message.type === 'event') options.onEvent?.(message.event);
      else if (message.type === 'done') settle(() => resolve(message.result));
      else if (message.type === 'failed') settle(() => reject(errorFromWorker(message.error)));
    });
    child.onExit((why) => settle(() => reject(Object.assign(new Error(options.crashMessage(why)), { code: 'CRASHED' }))));
  });
  child.send({ type: 'start', request });
  return {
    answer,
    control: (command) => child.send({ type: command }),
    kill: () => child.kill(),
    withdraw: () => child.withdraw?.() ?? false,
  };
}

/** A LabError comes back as a LabError (same code, message, details), so the UI shows it as if raised here. */
export function errorFromWorker(error: WorkerError): Error {
  if (isLabErrorCode(error.code)) return new LabError(error.code, error.message, error.details ?? {});
  return Object.assign(new Error(error.message), { code: error.code });
}

// ── Training runs ─────────────────────────────────────────────────────────────────────────────────────

/** A running training process. */
export interface TrainingProcess {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Ends the process at once (the run folder keeps what was saved). */
  kill(): void;
  /**
   * A run whose process still waits for a free worker (WorkerQueue) is taken out of the queue and never starts:
   * true. Then no event follows, `done` never settles and nothing is written — the caller records the run's end
   * (RunManager saves it as stopped). False once its process has started: use `stop`.
   */
  withdraw(): boolean;
  /** Settles when the run has ended: rejects when it fails or its process dies (the events have said why). */
  readonly done: Promise<TrainResult>;
}

export type TrainingLauncher = (request: TrainRequest, onEvent: (event: RunEvent) => void) => TrainingProcess;

/**
 * Training runs in worker processes. The run's whole story reaches `onEvent`, ending with `done` or `failed`; a
 * process that dies without answering could not record its own end, so its run folder is marked failed here and
 * never looks like it is still running.
 */
export function trainingLauncher(spawn: SpawnWorker): TrainingLauncher {
  return (request, onEvent) => {
    const call = callWorker<'train'>(spawn('train'), request, {
      onEvent,
      crashMessage: (why) => `the training process ${why} before finishing`,
    });
    const done = call.answer.then(
      (result) => {
        onEvent({ type: 'done', result });
        return result;
      },
      async (e: Error & { code?: string; details?: WorkerError['details'] }) => {
        const error: WorkerError = { code: e.code ?? 'INTERNAL', message: e.message };
        if (e.details && Object.keys(e.details).length > 0) error.details = e.details;
        onEvent({ type: 'failed', error });
        if (error.code === 'CRASHED') await markRunFailed(request.runDir, error).catch(() => {});
        throw e;
      },
    );
    return {
      pause: () => call.control('pause'),
      resume: () => call.control('resume'),
      stop: () => call.control('stop'),
      kill: call.kill,
      withdraw: call.withdraw,
      done,
    };
  };
}

// ── Model jobs ────────────────────────────────────────────────────────────────────────────────────────

export type ModelJobRunner = <J extends ModelJob>(job: J) => Promise<ModelJobResult<J>>;

export interface JobRunnerOptions {
  /** A job still running after this long is killed and rejected (default 5 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_JOB_TIMEOUT_MS = 5 * 60_000;

/**
 * Model jobs, each in a fresh worker process: jobs are seconds long and rare (a click in the Fold & Compare
 * wizard or on "Sample"), so the start-up cost buys isolation — a job that crashes, leaks or hangs takes
 * nothing else with it.
 */
export function modelJobRunner(spawn: SpawnWorker, options: JobRunnerOptions = {}): ModelJobRunner {
  const ms = options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  return <J extends ModelJob>(job: J) =>
    callWorker<'job'>(spawn('job'), job, {
      crashMessage: (why) => `the model job process (${job.kind}) ${why} before answering`,
      timeout: { ms, message: `the model job (${job.kind}) took longer than ${formatDuration(ms)} and was stopped` },
    }).answer as Promise<ModelJobResult<J>>;
}

function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

// ── Worker processes on child_process.fork (serve, tests) ─────────────────────────────────────────────

/** The file name (without extension) of each kind's entry, next to this module and in the build (out/main/). */
export const WORKER_ENTRIES: Record<WorkerKind, string> = { train: 'trainWorker', job: 'jobWorker' };

type WorkerEntry = { file: string; execArgv: string[] };

/**
 * Where a worker entry is: the bundled JavaScript next to this module when built, else the TypeScript source
 * run through tsx's loader (development, tests, `npm run lab -- serve`).
 */
function resolveWorkerEntry(kind: WorkerKind): WorkerEntry {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.join(here, `${WORKER_ENTRIES[kind]}.js`);
  if (existsSync(js)) return { file: js, execArgv: [] };
  // tsx by its absolute URL: a bare `--import tsx` is resolved from the current folder, so `lab serve` started
  // outside the checkout (through `npm link`) could not start a worker.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file: path.join(here, `${WORKER_ENTRIES[kind]}.ts`), execArgv: ['--import', tsx] };
}

/** Worker processes started with Node's `child_process.fork` from the entries `entryOf` names. */
export const forkWorkers = (entryOf: (kind: WorkerKind) => WorkerEntry): SpawnWorker => (kind) => {
  const entry = entryOf(kind);
  const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    send: (message) => {
      if (child.connected) child.send(message, undefined, {}, () => {});
    },
    onMessage: (handler) => void child.on('message', handler),
    onExit: (handler) => {
      child.on('exit', (code, signal) => handler(signal ? `was killed (${signal})` : `exited with code ${code}`));
      child.on('error', (e) => handler(`could not be run (${e.message})`));
    },
    kill: () => void child.kill('SIGKILL'),
  };
};

/** A worker process forked from the entry next to this module. */
export const forkWorker: SpawnWorker = forkWorkers(resolveWorkerEntry);

/** A training run in a fresh `child_process.fork`ed process. */
export const startTrainingProcess: TrainingLauncher = trainingLauncher(forkWorker);

/** A model job in a fresh `child_process.fork`ed process. */
export const runModelJob: ModelJobRunner = modelJobRunner(forkWorker);
