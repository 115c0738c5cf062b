/**
 * One queue for every worker process the back end starts — training runs, fold plans and comparisons, exports,
 * sampling — with a cap on how many run at once (default: the machine's cores), so a burst of requests from
 * the UI (or from several browsers under `serve`) cannot fork a process each and exhaust memory.
 *
 * It wraps a `SpawnWorker` and is one itself: a process past the cap is handed out at once but started only when
 * a running one exits; what the client sends meanwhile is kept and delivered on start. Killing it while it waits
 * takes it out of the queue and reports an exit; withdrawing it (WorkerProcess.withdraw) takes it out silently.
 * Every change of the queue is reported (the UI shows the waiting position).
 */
import os from 'node:os';
import path from 'node:path';
import type { SpawnWorker, WorkerProcess } from '../engine/worker/client.js';
import type { ToWorker, WorkerKind, WorkerKinds } from '../engine/worker/protocol.js';
import type { WorkerJob, WorkerQueueState } from '../shared/contract.js';

export const defaultWorkerLimit = (): number => os.availableParallelism();

interface Waiting {
  job: WorkerJob;
  start(): void;
  cancel(): void;
}

export class WorkerQueue {
  private running: WorkerJob[] = [];
  private readonly waiting: Waiting[] = [];

  constructor(
    private readonly spawnNow: SpawnWorker,
    readonly limit: number,
    private readonly onChange: (state: WorkerQueueState) => void = () => {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`worker limit must be a whole number ≥ 1, got ${limit}`);
  }

  state(): WorkerQueueState {
    return { limit: this.limit, running: [...this.running], queued: this.waiting.map((w) => w.job) };
  }

  /** The queued SpawnWorker. */
  readonly spawn: SpawnWorker = (kind) => {
    const job: WorkerJob = { kind: 'train', runId: null }; // described from its start request (`describe`)
    const buffered: ToWorker<WorkerKind>[] = [];
    const onMessage: ((message: unknown) => void)[] = [];
    const onExit: ((why: string) => void)[] = [];
    const onStart: (() => void)[] = [];
    let child: WorkerProcess | null = null;
    let cancelled = false;

    const start = () => {
      this.running.push(job);
      child = this.spawnNow(kind);
      child.onExit(() => this.release(job));
      for (const h of onMessage) child.onMessage(h);
      for (const h of onExit) child.onExit(h);
      for (const m of buffered.splice(0)) child.send(m);
      for (const h of onStart.splice(0)) h();
    };
    const waiting: Waiting = {
      job,
      start,
      cancel: () => {
        cancelled = true;
        for (const h of onExit) h('was cancelled while waiting for a free worker');
      },
    };

    const proxy: WorkerProcess = {
      send: (message) => {
        if (message.type === 'start') describe(job, kind, message.request);
        if (child) child.send(message);
        else if (!cancelled) buffered.push(message);
        if (message.type === 'start') this.changed();
      },
      onMessage: (h) => (child ? child.onMessage(h) : void onMessage.push(h)),
      onExit: (h) => (child ? child.onExit(h) : void onExit.push(h)),
      onStart: (h) => (child ? h() : void onStart.push(h)),
      kill: () => {
        if (!child && this.unqueue(waiting)) waiting.cancel();
        else child?.kill();
      },
      withdraw: () => {
        if (child || !this.unqueue(waiting)) return false;
        cancelled = true;
        buffered.length = 0;
        return true;
      },
    };
    if (this.running.length < this.limit) start();
    else this.waiting.push(waiting);
    return proxy;
  };

  /** Takes a process that has not started out of the queue; false when it is not (or no longer) waiting. */
  private unqueue(waiting: Waiting): boolean {
    const at = this.waiting.indexOf(waiting);
    if (at < 0) return false;
    this.waiting.splice(at, 1);
    this.changed();
    return true;
  }

  private release(job: WorkerJob): void {
    const at = this.running.indexOf(job);
    if (at < 0) return;
    this.running.splice(at, 1);
    const next = this.waiting.shift();
    next?.start();
    this.changed();
  }

  private changed(): void {
    this.onChange(this.state());
  }
}

/** What the UI needs to find its own request in the queue: the kind of work and the run it is about. */
function describe<K extends WorkerKind>(job: WorkerJob, kind: K, request: WorkerKinds[K]['request']): void {
  if (kind === 'train') {
    job.runId = path.basename((request as WorkerKinds['train']['request']).runDir);
    return;
  }
  const modelJob = request as WorkerKinds['job']['request'];
  job.kind = modelJob.kind;
  const runDir = 'runDir' in modelJob ? modelJob.runDir : modelJob.kind === 'sample' && modelJob.model.kind === 'run' ? modelJob.model.runDir : null;
  job.runId = runDir === null ? null : path.basename(runDir);
}
