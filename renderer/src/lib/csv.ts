/**
 * Metrics of a run as CSV (Runs view → "Export metrics CSV"): one row per step with its minibatch loss and
 * learning rate, plus the train/dev evaluation where one was taken. Pure: unit-tested.
 */
import { learningRateAt, type LearningRateSchedule } from '../../../electron/engine/model/config.js';
import type { EvalPoint } from '../../../electron/engine/train/types.js';

export const METRICS_CSV_HEADER = 'step,loss,learning_rate,eval_train,eval_val';

/** Shortest round-trip text of a number; empty for a missing or non-finite value. */
function cell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : String(v);
}

/** `every` > 1: losses[k] is the mean over steps k·every … (a long run's bucketed history), listed at step k·every. */
export function metricsCsv(losses: readonly number[], schedule: LearningRateSchedule, evals: readonly EvalPoint[], every = 1): string {
  const evalAt = new Map<number, EvalPoint>();
  for (const e of evals) evalAt.set(e.step, e);
  if (every > 1) {
    const steps = [...new Set([...losses.map((_, k) => k * every), ...evalAt.keys()])].sort((a, b) => a - b);
    const rows = steps.map((step) => {
      const e = evalAt.get(step);
      const loss = step % every === 0 ? losses[step / every] : undefined;
      return [step, cell(loss), cell(learningRateAt(schedule, step)), cell(e?.train), cell(e?.val)].join(',');
    });
    return [METRICS_CSV_HEADER, ...rows].join('\n') + '\n';
  }
  // Evaluations may be taken after the last step (the final evaluation at step = steps): give them a row too.
  const lastStep = Math.max(losses.length - 1, ...evals.map((e) => e.step));
  const lines = [METRICS_CSV_HEADER];
  for (let step = 0; step <= lastStep; step++) {
    const e = evalAt.get(step);
    const loss = step < losses.length ? losses[step] : undefined;
    if (loss === undefined && !e) continue;
    lines.push([step, cell(loss), cell(learningRateAt(schedule, step)), cell(e?.train), cell(e?.val)].join(','));
  }
  return lines.join('\n') + '\n';
}
