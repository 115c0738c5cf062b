/**
 * The app tests' lab service: the real back end (createLabService) in a fresh data folder, starting real worker
 * processes with child_process.fork as `serve` does, recording what it broadcasts (run updates, runs.changed)
 * the way a window would receive it. One per test file: `testLab(prefix)` at the top, removed after the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createLabService, type LabService, type ServiceHost } from '../../electron/app/service.js';
import { forkWorker } from '../../electron/engine/worker/client.js';
import type { DatasetSummary, RunUpdate } from '../../electron/shared/contract.js';

/** 48 first names: enough for a real 80/10/10 split; tests take the first 12, 24 or all. */
export const TEST_NAMES = [
  'emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia', 'harper', 'evelyn', 'abigail', 'emily',
  'elizabeth', 'mila', 'ella', 'avery', 'sofia', 'camila', 'aria', 'scarlett', 'victoria', 'madison', 'luna', 'grace',
  'chloe', 'penelope', 'layla', 'riley', 'zoey', 'nora', 'lily', 'eleanor', 'hannah', 'lillian', 'addison', 'aubrey',
  'ellie', 'stella', 'natalie', 'zoe', 'leah', 'hazel', 'violet', 'aurora', 'savannah', 'audrey', 'brooklyn', 'bella',
];

/** What a test may choose of the host; the rest is serve's, over `forkWorker`. */
export type TestHostOptions = Partial<Pick<ServiceHost, 'spawnWorker' | 'workerLimit' | 'batchIntervalMs'>>;

export class TestLab {
  readonly tmp: string;
  /** The data folder: runs/, presets.json, sweeps.json, uploads/, exports/. */
  readonly dataDir: string;
  /** Every `runs.update` the service sent, in order. */
  readonly updates: RunUpdate[] = [];
  /** Every `runs.changed` the service sent: its run ids. */
  readonly changed: string[][] = [];
  readonly service: LabService;
  private readonly others: LabService[] = [];

  constructor(
    prefix: string,
    private readonly hostOptions: TestHostOptions = {},
  ) {
    this.tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dataDir = path.join(this.tmp, 'data');
    this.service = this.createService({
      ...hostOptions,
      broadcast: (channel, payload) => {
        if (channel === 'runs.update') this.updates.push(payload as RunUpdate);
        if (channel === 'runs.changed') this.changed.push((payload as { runIds: string[] }).runIds);
      },
    });
  }

  /**
   * Another service over the same data folder — the app restarted, or one with other host options (the first
   * one's, unless overridden). Its broadcasts are not recorded. Shut down with the lab.
   */
  another(options: TestHostOptions = {}): LabService {
    const service = this.createService({ ...this.hostOptions, ...options, broadcast: () => {} });
    this.others.push(service);
    return service;
  }

  /** A run's folder. */
  runDir(runId: string): string {
    return path.join(this.dataDir, 'runs', runId);
  }

  /** Uploads `words` as words.txt (through `dataset.upload`, as the browser does). */
  upload(words: readonly string[] = TEST_NAMES, service: LabService = this.service): Promise<DatasetSummary> {
    return service.handlers['dataset.upload']({ name: 'words.txt', base64: Buffer.from(words.join('\n') + '\n').toString('base64') });
  }

  /** Resolves with the run's final update (result or failure) once it has arrived. */
  async finished(runId: string, timeoutMs = 90_000): Promise<RunUpdate> {
    const t0 = Date.now();
    for (;;) {
      const end = this.updates.find((u) => u.runId === runId && (u.result || u.error));
      if (end) return end;
      if (Date.now() - t0 > timeoutMs) throw new Error(`run ${runId} did not finish`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    for (const service of [this.service, ...this.others]) service.shutdown();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private createService(options: TestHostOptions & Pick<ServiceHost, 'broadcast'>): LabService {
    return createLabService({ mode: 'serve', version: 'test', dataDir: this.dataDir, spawnWorker: forkWorker, ...options });
  }
}

/** A TestLab for this test file, closed after its tests. */
export function testLab(prefix: string, options: TestHostOptions = {}): TestLab {
  const lab = new TestLab(prefix, options);
  afterAll(() => lab.close());
  return lab;
}
