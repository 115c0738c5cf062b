/**
 * Entry point of a model-job process (the `job` worker of protocol.ts: fold plan, fold comparison, export,
 * sampling). Started with `child_process.fork` (serve, tests) or Electron's `utilityProcess.fork` (the app), so
 * the work never blocks the process that serves the UI. One job per process; a hard crash is noticed by the
 * parent through the exit.
 */
import * as tf from '@tensorflow/tfjs';
import { executeModelJob } from './jobExecutor.js';
import { serveWorker } from './parentPort.js';

// tf.js's "install tfjs-node" banner would only add noise to the parent's log.
tf.env().set('PROD', true);
serveWorker<'job'>({ entry: 'jobWorker', exitOnDisconnect: true, work: (job) => executeModelJob(job) });
