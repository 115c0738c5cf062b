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
import { parentPort } from './parentPort.js';
import { executeRun } from '../run/executeRun.js';
import { TrainControl } from '../train/control.js';
import type { WorkerCommand, WorkerEvent } from './protocol.js';

function main(): void {
  // The run reports its backend itself; tf.js's "install tfjs-node" banner would only add noise to the log.
  tf.env().set('PROD', true);
  const port = parentPort<WorkerCommand, WorkerEvent>('trainWorker');
  const control = new TrainControl();
  // Ctrl+C in a terminal reaches the whole process group (`lab sweep`, `lab serve`): stop cleanly, save the run.
  process.on('SIGINT', () => control.stop());
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
