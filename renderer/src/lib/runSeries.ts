/**
 * The chartable history of one run, fed by the stored history (`runs.get`, once) and then by live
 * `runs.update` chunks that carry only what is new. Plain data with no framework reactivity: a store bumps a
 * version counter after applying a chunk, and charts mirror the series by appending (see bucketedSeries.ts).
 * Pure: unit-tested in test/renderer/runSeries.test.ts.
 */
import type { EvalPoint, LossChunk, UpdateRatioChunk } from '../../../electron/shared/contract.js';
import { BucketedSeries, log10Values } from './bucketedSeries.js';

export class RunSeries {
  /** Raw per-step minibatch losses (kept for the CSV export); losses[k] is step lossFrom + k. */
  readonly losses: number[] = [];
  lossFrom = 0;
  /**
   * Steps per entry of `losses`: 1, unless the stored history of a very long run arrived averaged in buckets
   * (RunDetail.losses.every). Live chunks after such a history go to the chart only.
   */
  lossEvery = 1;
  /** log10 loss per step, bucketed for drawing. */
  readonly loss = new BucketedSeries();
  /** log10 update:data per trainable parameter, by name, bucketed for drawing. */
  readonly ratios = new Map<string, BucketedSeries>();
  /** Train/dev evaluations in step order, one per step. */
  evals: EvalPoint[] = [];

  applyLoss(chunk: LossChunk & { every?: number }): void {
    const every = chunk.every ?? 1;
    if (every > 1) {
      // Bucket means of a long stored run: each at its bucket's first step.
      this.lossFrom = chunk.fromStep;
      this.lossEvery = every;
      for (const l of chunk.losses) this.losses.push(l ?? Number.NaN); // a loop: spreading 262k values overflows the stack
      log10Values(chunk.losses).forEach((v, k) => this.loss.append(chunk.fromStep + k * every, [v]));
      return;
    }
    if (this.lossEvery > 1) return void this.loss.append(chunk.fromStep, log10Values(chunk.losses));
    if (this.losses.length === 0) this.lossFrom = chunk.fromStep;
    const next = this.lossFrom + this.losses.length;
    // Only steps not seen yet; a gap (lost chunk) is bridged with NaN so indices stay step-aligned.
    for (let step = next; step < chunk.fromStep; step++) this.losses.push(Number.NaN);
    for (let k = Math.max(0, next - chunk.fromStep); k < chunk.losses.length; k++) this.losses.push(chunk.losses[k]);
    this.loss.append(chunk.fromStep, log10Values(chunk.losses));
  }

  /** Ratios arrive row-major (ratios[k][p] for step fromStep + k); each parameter's column joins its own series. */
  applyRatios(chunk: UpdateRatioChunk & { every?: number }): void {
    const every = chunk.every ?? 1;
    chunk.params.forEach((name, p) => {
      let series = this.ratios.get(name);
      if (!series) this.ratios.set(name, (series = new BucketedSeries({ smoothing: 0.9 })));
      const column = chunk.ratios.map((row) => row[p] ?? null);
      if (every > 1) column.forEach((v, k) => series.append(chunk.fromStep + k * every, [v]));
      else series.append(chunk.fromStep, column);
    });
  }

  applyEvals(points: readonly EvalPoint[]): void {
    this.evals = mergeByStep(this.evals, points);
  }
}

/** Merges items keyed by `step` (a resent item replaces the old one), sorted by step. */
export function mergeByStep<T extends { step: number }>(existing: readonly T[], incoming: readonly T[]): T[] {
  if (incoming.length === 0) return existing as T[];
  const byStep = new Map<number, T>();
  for (const item of existing) byStep.set(item.step, item);
  for (const item of incoming) byStep.set(item.step, item);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
