/**
 * Backprop by hand as the app shows it: the comparison table of compare.ts for one minibatch, each row with a
 * small histogram of the hand-written gradient and its first values beside the reference's, sized for IPC
 * (the full gradients stay in the job process that computed them).
 */
import * as tf from '@tensorflow/tfjs';
import { builtInWords, prepareDataset, type PreparedDataset } from '../data/index.js';
import { histogram } from '../inspect/histogram.js';
import type { ModelState } from '../model/params.js';
import { loadRunDataset, openRun } from '../run/openRun.js';
import { firstBatch, hasBatchNorm, initialState } from './backpropCase.js';
import { APPROX_TOLERANCE, checkBackprop, compareArrays } from './compare.js';
import type { BackpropRow, BackpropSubject, BackpropTable } from './tableTypes.js';

/** Values of each tensor sent for the side-by-side view: enough to read, small for any preset (~40 rows). */
export const BACKPROP_VALUES_SHOWN = 64;
/** Fewer bins than the inspector's: the histogram is drawn a few dozen pixels wide in a table row. */
export const BACKPROP_HISTOGRAM_BINS = 21;

interface Case {
  what: string;
  state: ModelState;
  dataset: PreparedDataset;
  seed: number;
  batchSize: number;
}

async function openCase(subject: BackpropSubject, seed: number | undefined): Promise<Case> {
  if (subject.kind === 'run') {
    const run = await openRun(subject.runDir);
    const config = run.record.config;
    return {
      what: `run ${run.record.id} at its final parameters`,
      state: run.state,
      dataset: await loadRunDataset(run.record),
      seed: seed ?? config.train.seed,
      batchSize: config.train.batchSize,
    };
  }
  const { config } = subject;
  // The CLI's default (`lab backprop --preset ID`): the built-in names, so the app and the CLI show the same table.
  const dataset = prepareDataset(builtInWords(), config.model.blockSize);
  const s = seed ?? config.train.seed;
  return {
    what: `${subject.label} at initialisation`,
    state: initialState(config.model, dataset.vocab.length, s),
    dataset,
    seed: s,
    batchSize: config.train.batchSize,
  };
}

/** The table for one subject and its first training minibatch (the batch `lab train --seed` draws first). */
export async function backpropTable(subject: BackpropSubject, seed?: number): Promise<BackpropTable> {
  const c = await openCase(subject, seed);
  const batch = firstBatch(c.dataset, c.batchSize, c.seed, hasBatchNorm(c.state.config));
  // The reference is autodiff on tf.js's plain float32 JavaScript kernels, as in the CLI and the engine's tests.
  await tf.setBackend('cpu');
  const report = checkBackprop(c.state, batch);
  const rows = report.tensors.map((t): BackpropRow => {
    const { manual, reference } = report.gradients.get(t.name)!;
    const shownManual = Array.from(manual.subarray(0, BACKPROP_VALUES_SHOWN));
    const shownReference = Array.from(reference.subarray(0, BACKPROP_VALUES_SHOWN));
    return {
      ...t,
      size: manual.length,
      histogram: histogram(manual, BACKPROP_HISTOGRAM_BINS),
      manual: shownManual,
      reference: shownReference,
      shownMaxDiff: compareArrays(shownManual, shownReference).maxDiff,
    };
  });
  return { what: c.what, seed: c.seed, batchSize: batch.y.length, dataset: c.dataset.source.name, loss: report.loss, tolerance: { ...APPROX_TOLERANCE }, rows };
}
