/**
 * Mersenne Twister MT19937, bit-for-bit identical to CPython's `random` module.
 *
 * WHY: the lectures split names.txt with `random.seed(42); random.shuffle(words)`. Reproducing that exact
 * permutation makes the lab's split — and so its losses — directly comparable with the lectures' numbers.
 * Only the parts of `random.Random` that the split needs (and a few for testing) are implemented:
 * integer seeding, `getrandbits`, `random()`, `_randbelow` and `shuffle`.
 *
 * All arithmetic is 32-bit unsigned (`>>> 0`, `Math.imul`), so results do not depend on the platform.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** Same as `random.Random(seed)` in Python for an integer seed. */
  constructor(seed: number | bigint) {
    this.seed(seed);
  }

  /**
   * `random.seed(int)`: CPython takes |seed|, splits it into 32-bit words (least significant first; zero
   * gives the single word 0) and feeds them to `init_by_array`.
   */
  seed(seed: number | bigint): void {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new RangeError(`MT19937 seed must be an integer (got ${seed}); pass a bigint for values beyond 2^53`);
    }
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    while (n > 0n) {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    }
    if (key.length === 0) key.push(0);
    this.initByArray(key);
  }

  /** `getrandbits(k)` for 0 ≤ k ≤ 53, where the result is exactly representable as a JS number. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 53) {
      throw new RangeError(`getrandbits(k) needs an integer 0 <= k <= 53 (got ${k}); use getrandbitsBig`);
    }
    return this.bits(k);
  }

  /**
   * Draws k ≤ 54 bits as a number. Exact for k ≤ 53; for k = 54 (only `randbelow(2^53)` asks for it) values at
   * or above 2^53 may round, but those are rejected by `randbelow` anyway, and rounding never carries them below.
   */
  private bits(k: number): number {
    if (k === 0) return 0;
    if (k <= 32) return this.genrandUint32() >>> (32 - k);
    // CPython fills 32-bit words least significant first; the last word keeps its top (k - 32) bits.
    const low = this.genrandUint32();
    const high = this.genrandUint32() >>> (64 - k);
    return high * 0x100000000 + low;
  }

  /** `getrandbits(k)` for any k ≥ 0, as a bigint (same word order as CPython). */
  getrandbitsBig(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`getrandbits(k) needs an integer k >= 0 (got ${k})`);
    let result = 0n;
    let shift = 0n;
    for (let remaining = k; remaining > 0; remaining -= 32) {
      let word = this.genrandUint32();
      if (remaining < 32) word >>>= 32 - remaining;
      result |= BigInt(word) << shift;
      shift += 32n;
    }
    return result;
  }

  /** `random()`: a double in [0, 1) with 53 random bits (a: 27 bits, b: 26 bits). */
  random(): number {
    const a = this.genrandUint32() >>> 5;
    const b = this.genrandUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /**
   * `_randbelow(n)` = `_randbelow_with_getrandbits`: draw k = n.bit_length() bits, reject values ≥ n.
   * Valid for 1 ≤ n ≤ 2^53.
   */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 53) {
      throw new RangeError(`randbelow(n) needs an integer 1 <= n <= 2^53 (got ${n})`);
    }
    const k = bitLength(n);
    let r = this.bits(k);
    while (r >= n) r = this.bits(k);
    return r;
  }

  /** `shuffle(x)` in place, exactly as CPython 3: for i from len-1 down to 1, swap x[i] with x[randbelow(i+1)]. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i >= 1; i--) {
      const j = this.randbelow(i + 1);
      const tmp = x[i];
      x[i] = x[j];
      x[j] = tmp;
    }
  }

  /** The raw 32-bit output (CPython's `genrand_uint32`). */
  genrandUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      let y: number;
      for (; kk < N - M; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    // Tempering.
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0; // non-linear
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0; // non-linear
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
  }
}

/** Python's `int.bit_length()` for a non-negative safe integer. */
function bitLength(n: number): number {
  if (n <= 0xffffffff) return 32 - Math.clz32(n);
  // Split off the high word instead of using Math.log2, which rounds up just below powers of two.
  return 64 - Math.clz32(Math.floor(n / 0x100000000));
}
