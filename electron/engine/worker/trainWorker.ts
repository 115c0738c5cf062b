/**
 * Entry point of a training process. Started with `child_process.fork` (CLI `serve`, tests) or Electron's
 * `utilityProcess.fork` (the app); both give the child a message port, read here through one small adapter.
 *
 * One run per process. Any failure is reported as a `failed` event before the process exits non-zero; a hard
 * crash (killed, out of memory) is noticed by the parent through the exit code.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { isLabError } from '../errors.js';
import { executeRun } from '../run/executeRun.js';
import { TrainControl } from '../train/control.js';
import type { WorkerCommand, WorkerEvent } from './protocol.js';

interface Port {
  onMessage(handler: (message: WorkerCommand) => void): void;
  post(event: WorkerEvent): void;
}

/** Electron's utilityProcess exposes `process.parentPort`; Node's fork exposes `process.send`. */
function parentPort(): Port {
  const electronPort = (process as unknown as { parentPort?: { on(e: 'message', f: (m: { data: unknown }) => void): void; postMessage(m: unknown): void } }).parentPort;
  if (electronPort) {
    return {
      onMessage: (handler) => electronPort.on('message', (m) => handler(m.data as WorkerCommand)),
      post: (event) => electronPort.postMessage(event),
    };
  }
  if (process.send) {
    return {
      onMessage: (handler) => process.on('message', (m) => handler(m as WorkerCommand)),
      post: (event) => process.send!(event),
    };
  }
  throw new Error('trainWorker must be started as a child process (child_process.fork or utilityProcess.fork)');
}

function main(): void {
  // The run reports its backend itself; tf.js's "install tfjs-node" banner would only add noise to the log.
  tf.env().set('PROD', true);
  const port = parentPort();
  const control = new TrainControl();
  let started = false;
  port.onMessage((command) => {
    switch (command.type) {
      case 'pause':
        control.pause();
        return;
      case 'resume':
        control.resume();
        return;
      case 'stop':
        control.stop();
        return;
      case 'start':
        if (started) return;
        started = true;
        executeRun({
          runDir: command.request.runDir,
          runId: path.basename(command.request.runDir),
          config: command.request.config,
          dataset: command.request.dataset,
          backend: command.request.backend,
          control,
          onEvent: (event) => port.post(event),
        })
          .then(() => setTimeout(() => process.exit(0), 50))
          .catch((e: unknown) => {
            port.post({
              type: 'failed',
              error: { code: isLabError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) },
            });
            setTimeout(() => process.exit(1), 50);
          });
    }
  });
}

main();
