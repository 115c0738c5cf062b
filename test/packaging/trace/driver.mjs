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

for (const request of plan.trainings) {
  const child = forkBuilt('trainWorker.js');
  let done = false;
  child.on('message', (event) => {
    if (event.type === 'done') done = true;
    if (event.type === 'failed') console.error(`training (${request.backend}) failed: ${event.error.message}`);
  });
  const exit = new Promise((resolve) => child.on('exit', resolve));
  child.send({ type: 'start', request });
  const code = await exit;
  if (code !== 0 || !done) throw new Error(`trainWorker.js (${request.backend}) exited with ${code}`);
}

for (const job of plan.jobs) {
  const child = forkBuilt('jobWorker.js');
  const answer = new Promise((resolve, reject) => {
    child.on('message', (response) => (response.ok ? resolve(response.result) : reject(new Error(`${job.kind}: ${response.error.message}`))));
    child.on('exit', (code) => reject(new Error(`jobWorker.js (${job.kind}) exited with ${code} before answering`)));
  });
  child.send({ id: 1, job });
  await answer;
  child.kill();
}
console.log('driver: done');
