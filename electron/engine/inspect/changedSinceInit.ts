/**
 * "Changed since init": whether a parameter's value differs, in any element, from the value it was
 * initialised with. Exercise 1 rests on it (under zero-init only b2 changes), and it is NOT the same as
 * "has a gradient": a parameter with a gradient but lr = 0 has not changed, one whose gradient is zero now may
 * have changed earlier, and one whose only moved element is not the first has changed. The snapshot's
 * `changed` flags and the run result's both come from here.
 */
import type { ComputeBackend } from '../compute/types.js';
import { paramSpecs, type ModelState } from '../model/params.js';

/** True when any element differs from the initial value (NaN counts as different; so does another length). */
export function hasChanged(current: ArrayLike<number>, initial: ArrayLike<number>): boolean {
  if (current.length !== initial.length) return true;
  for (let i = 0; i < current.length; i++) if (current[i] !== initial[i]) return true;
  return false;
}

/** Every trainable parameter of a backend, in canonical order, with whether it has changed since `initial`. */
export function changedParams(backend: ComputeBackend, initial: ModelState): { name: string; shape: number[]; changed: boolean }[] {
  return paramSpecs(initial.config, initial.vocabSize)
    .filter((s) => s.trainable)
    .map((s) => ({ name: s.name, shape: s.shape, changed: hasChanged(backend.tensor(s.name), initial.tensors[s.name]) }));
}
