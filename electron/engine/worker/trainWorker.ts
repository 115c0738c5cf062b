/**
 * Entry point of a training process (the `train` worker of protocol.ts). Started with `child_process.fork`
 * (serve, tests) or Electron's `utilityProcess.fork` (the app). One run per process; a hard crash (killed, out
 * of memory) is noticed by the parent through the exit.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { executeRun } from '../run/executeRun.js';
import { TrainControl } from '../train/control.js';
import { serveWorker } from './parentPort.js';
import { lowerTrainingPriority } from './trainingPriority.js';

// Before anything starts a thread (threads inherit their creator's priority): the page drawing this run's curves
// must get a core before the trainer does.
const priorityRefused = lowerTrainingPriority();
if (priorityRefused) console.error(`training process: could not lower its priority (${priorityRefused}); it runs at normal priority`);

// The run reports its backend itself; tf.js's "install tfjs-node" banner would only add noise to the log.
tf.env().set('PROD', true);
const control = new TrainControl();
// Ctrl+C in a terminal reaches the whole process group (`lab sweep`, `lab serve`): stop cleanly and save the run.
process.on('SIGINT', () => control.stop());
serveWorker<'train'>({
  entry: 'trainWorker',
  onControl: (command) => control[command](),
  onParentGone: () => control.stop(),
  async work(request, emit) {
    const { result } = await executeRun({
      ...request,
      runId: path.basename(request.runDir),
      control,
      // The run's end is the worker's answer (`done` / `failed`), not one of its events.
      onEvent: (event) => {
        if (event.type !== 'done' && event.type !== 'failed') emit(event);
      },
    });
    return result;
  },
});
