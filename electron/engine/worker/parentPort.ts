/**
 * The worker side of the protocol (protocol.ts), shared by the training and the model-job process: read the one
 * request, do the work, stream its events, answer once (`done` or `failed`) and exit.
 *
 * The message port differs with whoever started the process: Electron's utilityProcess exposes
 * `process.parentPort`, Node's `child_process.fork` exposes `process.send`; `parentPort` hides which.
 */
import { isLabError } from '../errors.js';
import type { FromWorker, ToWorker, WorkerControl, WorkerKind, WorkerKinds } from './protocol.js';

export interface ParentPort<In, Out> {
  onMessage(handler: (message: In) => void): void;
  /** Sends a message; `sent` (if given) is called once it is safe to exit. */
  post(message: Out, sent?: () => void): void;
}

type ElectronPort = { on(e: 'message', f: (m: { data: unknown }) => void): void; postMessage(m: unknown): void };

/**
 * @param entry the worker's name, for the error when it is run directly
 * @param exitOnDisconnect end the process when a forked parent goes away (nobody left to answer to)
 */
function parentPort<In, Out>(entry: string, exitOnDisconnect: boolean): ParentPort<In, Out> {
  const electronPort = (process as unknown as { parentPort?: ElectronPort }).parentPort;
  if (electronPort) {
    return {
      onMessage: (handler) => electronPort.on('message', (m) => handler(m.data as In)),
      post: (message, sent) => {
        electronPort.postMessage(message);
        // postMessage has no completion callback: give the message a moment to leave before exiting.
        if (sent) setTimeout(sent, 50);
      },
    };
  }
  if (process.send) {
    if (exitOnDisconnect) process.on('disconnect', () => process.exit(1));
    return {
      onMessage: (handler) => process.on('message', (m) => handler(m as In)),
      post: (message, sent) => {
        // The parent may be gone (a `lab serve` killed from outside): nobody to tell, but the work still ends well.
        if (!process.connected) return void sent?.();
        process.send!(message, undefined, {}, () => sent?.());
      },
    };
  }
  throw new Error(`${entry} must be started as a child process (child_process.fork or utilityProcess.fork)`);
}

export interface WorkerOptions<K extends WorkerKind> {
  /** The entry's name, for the error when it is run directly. */
  entry: string;
  /** Does the work; `emit` streams events to the parent. Its result or error is the answer. */
  work(request: WorkerKinds[K]['request'], emit: (event: WorkerKinds[K]['event']) => void): Promise<WorkerKinds[K]['result']>;
  /** pause / resume / stop, for work that can be controlled. */
  onControl?(command: WorkerControl): void;
  /** End the process when a forked parent goes away (nobody left to answer to). */
  exitOnDisconnect?: boolean;
  /**
   * Otherwise, what to do when a forked parent goes away in the middle of the work (training: stop and save the run,
   * so it is not left marked running). A worker whose work has not started simply exits (a spare process).
   */
  onParentGone?(): void;
}

/**
 * Serves one request: a LabError is answered with its code, message and details; anything else as INTERNAL
 * (its stack goes to stderr). The process exits after answering, 0 on success, 1 on failure.
 */
export function serveWorker<K extends WorkerKind>(options: WorkerOptions<K>): void {
  const port = parentPort<ToWorker<K>, FromWorker<K>>(options.entry, options.exitOnDisconnect ?? false);
  let started = false;
  if (process.send && !options.exitOnDisconnect) {
    process.on('disconnect', () => (started ? options.onParentGone?.() : process.exit(0)));
  }
  port.onMessage((message) => {
    if (message.type !== 'start') return options.onControl?.(message.type);
    if (started) return;
    started = true;
    options
      .work(message.request, (event) => port.post({ type: 'event', event }))
      .then((result): FromWorker<K> => ({ type: 'done', result }))
      .catch((e: unknown): FromWorker<K> => {
        if (isLabError(e)) return { type: 'failed', error: { code: e.code, message: e.message, details: e.details } };
        console.error(`[lab] ${options.entry} failed`, e);
        return { type: 'failed', error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
      })
      .then((answer) => port.post(answer, () => process.exit(answer.type === 'done' ? 0 : 1)));
  });
}
