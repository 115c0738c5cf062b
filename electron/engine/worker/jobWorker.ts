/**
 * Entry point of a model-job process (fold plan, fold comparison, export, sampling). Started with
 * `child_process.fork` (serve, tests: worker/jobClient.ts) or Electron's `utilityProcess.fork` (the app's main
 * process), so the work never blocks the process that serves the UI.
 *
 * One job per process: it answers exactly once and exits. A LabError is answered with its code, message and
 * details; anything else as INTERNAL (its stack goes to stderr). A hard crash is noticed by the parent through
 * the exit.
 */
import * as tf from '@tensorflow/tfjs';
import { isLabError } from '../errors.js';
import { parentPort } from './parentPort.js';
import { executeModelJob } from './jobExecutor.js';
import type { JobRequest, JobResponse } from './jobProtocol.js';

function main(): void {
  // tf.js's "install tfjs-node" banner would only add noise to the parent's log.
  tf.env().set('PROD', true);
  const port = parentPort<JobRequest, JobResponse>('jobWorker', true);
  let started = false;
  port.onMessage((request) => {
    if (started) return;
    started = true;
    executeModelJob(request.job)
      .then((result): JobResponse => ({ id: request.id, ok: true, result }))
      .catch((e: unknown): JobResponse => {
        if (isLabError(e)) return { id: request.id, ok: false, error: { code: e.code, message: e.message, details: e.details } };
        console.error(`[lab] model job ${request.job?.kind} failed`, e);
        return { id: request.id, ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
      })
      .then((response) => port.post(response, () => process.exit(response.ok ? 0 : 1)));
  });
}

main();
