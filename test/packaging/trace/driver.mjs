/**
 * Run under `strace -f` by runtimeFiles.test.ts: does in plain Node what the packaged app's processes do, so
 * every file they open shows in the trace. Plain JavaScript (no tsx) so the trace holds only the app's own files.
 *
 *   node driver.mjs plan.json
 *
 * plan.json: { outMain, specifiers: [...], trainings: [TrainRequest...], jobs: [ModelJob...] }
 * - imports every package the built main process imports (what out/main/index.js and its chunks load),
 * - forks out/main/trainWorker.js once per training request (one per backend) and waits for `done`,
 * - forks out/main/jobWorker.js for each model job (export in every format, sampling).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function forkBuilt(file) {
  return fork(path.join(plan.outMain, file), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

for (const specifier of plan.specifiers) await import(specifier);

/**
 * One request to a built worker, in the one worker protocol (electron/engine/worker/protocol.ts): `start` with
 * the request, events meanwhile, then exactly one `done` or `failed`. The worker is ended once it has answered,
 * as the app's client does.
 */
function call(file, request, what) {
  const child = forkBuilt(file);
  const answer = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'done') resolve(message.result);
      if (message.type === 'failed') reject(new Error(`${what} failed: ${message.error.message}`));
    });
    child.on('exit', (code) => reject(new Error(`${file} (${what}) exited with ${code} before answering`)));
  });
  child.send({ type: 'start', request });
  return answer.finally(() => child.kill());
}

for (const request of plan.trainings) await call('trainWorker.js', request, `training (${request.backend})`);
for (const job of plan.jobs) await call('jobWorker.js', job, job.kind);
console.log('driver: done');
