/**
 * The few array operations the hand-written backward pass needs, over plain typed arrays — no autodiff, no
 * TensorFlow.js (a test reads this folder's `manual*.ts` sources to enforce it).
 *
 * A tensor is row-major data plus a shape. Element-wise operations broadcast two 2-D tensors the way
 * PyTorch does for the lecture's shapes: [n, c] with [1, c] (a per-feature row such as `bnvar_inv`),
 * [n, 1] (a per-example column such as `counts_sum_inv`) or [1, 1]. Arithmetic is done in JavaScript
 * doubles and every result is stored in the tensor's own dtype, so a float32 tensor is rounded once per
 * operation — as a float32 PyTorch or tf.js kernel does — and a float64 tensor keeps full precision.
 */

export type DType = 'float32' | 'float64';
/** The numeric element storage: one code path serves both precisions. */
export type Data = Float32Array | Float64Array;

export interface Tensor {
  dtype: DType;
  /** Row-major shape; 2-D for everything but `emb` [n, block, embedding]. */
  shape: number[];
  data: Data;
}

export function allocate(dtype: DType, size: number): Data {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensor(dtype: DType, shape: number[], values: ArrayLike<number>): Tensor {
  const data = allocate(dtype, sizeOfShape(shape));
  if (values.length !== data.length) throw new RangeError(`tensor: ${values.length} values for shape [${shape}]`);
  data.set(values);
  return { dtype, shape: [...shape], data };
}

export function zeros(dtype: DType, shape: number[]): Tensor {
  return { dtype, shape: [...shape], data: allocate(dtype, sizeOfShape(shape)) };
}

export function full(dtype: DType, shape: number[], value: number): Tensor {
  const t = zeros(dtype, shape);
  t.data.fill(value);
  return t;
}

/** `torch.ones_like(t)`. */
export function onesLike(t: Tensor): Tensor {
  return full(t.dtype, t.shape, 1);
}

/** The same data seen with another shape (`t.view(shape)`); the element count must match. */
export function view(t: Tensor, shape: number[]): Tensor {
  if (sizeOfShape(shape) !== t.data.length) throw new RangeError(`view: [${t.shape}] cannot be seen as [${shape}]`);
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}

/** rows × cols of a 2-D tensor. */
function dims2(t: Tensor, op: string): [number, number] {
  if (t.shape.length !== 2) throw new RangeError(`${op}: expected a 2-D tensor, got [${t.shape}]`);
  return [t.shape[0], t.shape[1]];
}

type Operand = Tensor | number;

/**
 * Element-wise `f(a, b)` with 2-D broadcasting (a size-1 dimension stretches); a number is a [1, 1] tensor.
 * At least one operand must be a tensor; the result has its dtype.
 */
export function zip(a: Operand, b: Operand, f: (x: number, y: number) => number): Tensor {
  const ta = typeof a === 'number' ? null : a;
  const tb = typeof b === 'number' ? null : b;
  const dtype = (ta ?? tb)?.dtype;
  if (!dtype) throw new TypeError('zip: at least one operand must be a tensor');
  const [ra, ca] = ta ? dims2(ta, 'zip') : [1, 1];
  const [rb, cb] = tb ? dims2(tb, 'zip') : [1, 1];
  if ((ra !== rb && ra !== 1 && rb !== 1) || (ca !== cb && ca !== 1 && cb !== 1)) {
    throw new RangeError(`zip: shapes [${ra}, ${ca}] and [${rb}, ${cb}] do not broadcast`);
  }
  const rows = Math.max(ra, rb);
  const cols = Math.max(ca, cb);
  const out = zeros(dtype, [rows, cols]);
  const da = ta?.data;
  const db = tb?.data;
  const av = a as number;
  const bv = b as number;
  for (let i = 0; i < rows; i++) {
    const ia = ra === 1 ? 0 : i;
    const ib = rb === 1 ? 0 : i;
    for (let j = 0; j < cols; j++) {
      const x = da ? da[ia * ca + (ca === 1 ? 0 : j)] : av;
      const y = db ? db[ib * cb + (cb === 1 ? 0 : j)] : bv;
      out.data[i * cols + j] = f(x, y);
    }
  }
  return out;
}

/** Element-wise `f(t)`. */
export function map(t: Tensor, f: (x: number) => number): Tensor {
  const out = zeros(t.dtype, t.shape);
  for (let k = 0; k < t.data.length; k++) out.data[k] = f(t.data[k]);
  return out;
}

export const add = (a: Operand, b: Operand): Tensor => zip(a, b, (x, y) => x + y);
export const sub = (a: Operand, b: Operand): Tensor => zip(a, b, (x, y) => x - y);
export const mul = (a: Operand, b: Operand): Tensor => zip(a, b, (x, y) => x * y);
export const div = (a: Operand, b: Operand): Tensor => zip(a, b, (x, y) => x / y);
export const neg = (t: Tensor): Tensor => map(t, (x) => -x);
/** `t**p` for a constant exponent. */
export const pow = (t: Tensor, p: number): Tensor => map(t, (x) => x ** p);

/** `t.sum(axis, keepdim=True)` of a 2-D tensor: axis 0 → [1, c], axis 1 → [r, 1]. */
export function sum(t: Tensor, axis: 0 | 1): Tensor {
  const [r, c] = dims2(t, 'sum');
  const out = zeros(t.dtype, axis === 0 ? [1, c] : [r, 1]);
  if (axis === 0) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let i = 0; i < r; i++) s += t.data[i * c + j];
      out.data[j] = s;
    }
  } else {
    for (let i = 0; i < r; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += t.data[i * c + j];
      out.data[i] = s;
    }
  }
  return out;
}

/** `a @ b`: [n, k] @ [k, m] → [n, m], each dot product summed in a double, then stored. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [n, k] = dims2(a, 'matmul');
  const [k2, m] = dims2(b, 'matmul');
  if (k !== k2) throw new RangeError(`matmul: [${a.shape}] @ [${b.shape}]`);
  const out = zeros(a.dtype, [n, m]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * m + j];
      out.data[i * m + j] = s;
    }
  }
  return out;
}

/** `t.T`: [r, c] → [c, r]. */
export function transpose(t: Tensor): Tensor {
  const [r, c] = dims2(t, 'transpose');
  const out = zeros(t.dtype, [c, r]);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[j * r + i] = t.data[i * c + j];
  return out;
}

/** Index of the largest entry of each row (the first one on ties): `t.max(1).indices`, [r]. */
export function argmaxRows(t: Tensor): Int32Array {
  const [r, c] = dims2(t, 'argmaxRows');
  const out = new Int32Array(r);
  for (let i = 0; i < r; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (t.data[i * c + j] > t.data[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** `t.max(1, keepdim=True).values`: [r, c] → [r, 1]. */
export function maxRows(t: Tensor): Tensor {
  const [r, c] = dims2(t, 'maxRows');
  const idx = argmaxRows(t);
  const out = zeros(t.dtype, [r, 1]);
  for (let i = 0; i < r; i++) out.data[i] = t.data[i * c + idx[i]];
  return out;
}

/** `F.one_hot(indices, depth)` as a [indices.length, depth] tensor of 0/1. */
export function oneHot(dtype: DType, indices: ArrayLike<number>, depth: number): Tensor {
  const out = zeros(dtype, [indices.length, depth]);
  for (let i = 0; i < indices.length; i++) out.data[i * depth + indices[i]] = 1;
  return out;
}

/** `C[X]`: rows of the table C [vocab, e] picked by the tokens X [n, block] → [n, block, e]. */
export function gatherRows(table: Tensor, tokens: Int32Array, n: number, block: number): Tensor {
  const e = table.shape[1];
  const out = zeros(table.dtype, [n, block, e]);
  for (let k = 0; k < n * block; k++) out.data.set(table.data.subarray(tokens[k] * e, (tokens[k] + 1) * e), k * e);
  return out;
}

/**
 * The embedding's backward, the lecture's loop: `for k, j: dC[X[k, j]] += demb[k, j]` — a token used
 * several times in the batch receives the sum of its rows' gradients.
 */
export function scatterAddRows(tableShape: number[], tokens: Int32Array, rows: Tensor): Tensor {
  const e = tableShape[1];
  const out = zeros(rows.dtype, tableShape);
  for (let k = 0; k < tokens.length; k++) {
    const base = tokens[k] * e;
    for (let d = 0; d < e; d++) out.data[base + d] += rows.data[k * e + d];
  }
  return out;
}
