/*
 * One small matrix-multiply routine covering the three products an MLP training step needs:
 *
 *   Out[i, j] = Σ_p a(i, p) · Bm[p, j]  (+ bias[j]),   a(i, p) = A[i·sai + p·sap]
 *
 * with Bm and Out row-major of row length N. Strides on A give both forms without copying:
 *   forward   Z  = H · W        A = H [M,K]:   sai = K, sap = 1
 *   weights   dW = Hᵀ · dZ      A = H [K,M]:   sai = 1, sap = M
 *   inputs    dH = dZ · Wᵀ      A = dZ, Bm = Wᵀ (transposed once per step, so the inner loop stays contiguous)
 *
 * The inner loop runs over contiguous f32x4 columns of Bm and Out; a 4-row × 8-column register tile
 * (8 accumulators) reuses each loaded Bm vector four times. Column counts that are not a multiple of 4 are
 * finished with one overlapping 4-wide tile ending at N (each tile recomputes its outputs from scratch, so
 * the overlap writes identical values); N < 4 falls back to scalar code.
 */
#ifndef MLP_GEMM_H
#define MLP_GEMM_H

#include <wasm_simd128.h>

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define MUL wasm_f32x4_mul
#define ADD wasm_f32x4_add
#define BCAST(p) wasm_v128_load32_splat(p)

/* `init` (null = start from 0) holds the starting values of the tile's rows, `is` floats apart: the bias
   (is = 0, the same row for every output row) or Out itself (is = N) when adding a later block of K. */
static inline void tile4x8(int K, const float *a0, int sai, int sap, const float *B, int ldb, int N, float *C, const float *init, int is) {
  const float *a1 = a0 + sai, *a2 = a1 + sai, *a3 = a2 + sai;
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (init) {
    c00 = LD(init), c01 = LD(init + 4);
    c10 = LD(init + is), c11 = LD(init + is + 4);
    c20 = LD(init + 2 * is), c21 = LD(init + 2 * is + 4);
    c30 = LD(init + 3 * is), c31 = LD(init + 3 * is + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < K; p++) {
    const float *b = B + p * ldb;
    v128_t b0 = LD(b), b1 = LD(b + 4);
    int o = p * sap;
    v128_t a = BCAST(a0 + o);
    c00 = ADD(c00, MUL(a, b0));
    c01 = ADD(c01, MUL(a, b1));
    a = BCAST(a1 + o);
    c10 = ADD(c10, MUL(a, b0));
    c11 = ADD(c11, MUL(a, b1));
    a = BCAST(a2 + o);
    c20 = ADD(c20, MUL(a, b0));
    c21 = ADD(c21, MUL(a, b1));
    a = BCAST(a3 + o);
    c30 = ADD(c30, MUL(a, b0));
    c31 = ADD(c31, MUL(a, b1));
  }
  ST(C, c00);
  ST(C + 4, c01);
  ST(C + N, c10);
  ST(C + N + 4, c11);
  ST(C + 2 * N, c20);
  ST(C + 2 * N + 4, c21);
  ST(C + 3 * N, c30);
  ST(C + 3 * N + 4, c31);
}

static inline void tile4x4(int K, const float *a0, int sai, int sap, const float *B, int N, float *C, const float *init, int is) {
  const float *a1 = a0 + sai, *a2 = a1 + sai, *a3 = a2 + sai;
  v128_t c0, c1, c2, c3;
  if (init) {
    c0 = LD(init);
    c1 = LD(init + is);
    c2 = LD(init + 2 * is);
    c3 = LD(init + 3 * is);
  } else {
    c0 = c1 = c2 = c3 = wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < K; p++) {
    v128_t b0 = LD(B + p * N);
    int o = p * sap;
    c0 = ADD(c0, MUL(BCAST(a0 + o), b0));
    c1 = ADD(c1, MUL(BCAST(a1 + o), b0));
    c2 = ADD(c2, MUL(BCAST(a2 + o), b0));
    c3 = ADD(c3, MUL(BCAST(a3 + o), b0));
  }
  ST(C, c0);
  ST(C + N, c1);
  ST(C + 2 * N, c2);
  ST(C + 3 * N, c3);
}

static inline void tile1x8(int K, const float *a0, int sap, const float *B, int ldb, float *C, const float *init) {
  v128_t c0, c1;
  if (init) {
    c0 = LD(init);
    c1 = LD(init + 4);
  } else {
    c0 = c1 = wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < K; p++) {
    const float *b = B + p * ldb;
    v128_t a = BCAST(a0 + p * sap);
    c0 = ADD(c0, MUL(a, LD(b)));
    c1 = ADD(c1, MUL(a, LD(b + 4)));
  }
  ST(C, c0);
  ST(C + 4, c1);
}

static inline void tile1x4(int K, const float *a0, int sap, const float *B, int N, float *C, const float *init) {
  v128_t c0 = init ? LD(init) : wasm_f32x4_splat(0.0f);
  for (int p = 0; p < K; p++) c0 = ADD(c0, MUL(BCAST(a0 + p * sap), LD(B + p * N)));
  ST(C, c0);
}

/* Cache blocking for large products: K in slices of KB (each later slice adds onto Out), columns in panels
   of NB, so the Bm panel being reused (KB×NB floats = 256 KiB) stays in L2. The presets' products fit
   in one block, so for them this is the plain loop. */
#define GEMM_KB 256
#define GEMM_NB 256

/* Out[:, j0..j1) for one slice of K (A and B already offset to the slice). With `accumulate` the slice adds
   onto Out, else it starts from the bias (or 0). A panel whose width is not a multiple of 4 ends with a
   tile overlapping its neighbour, which recomputes those columns from scratch: such a panel must be done
   in a single slice (gemm ensures it). */
static void gemm_block(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias,
                       int j0, int j1, int accumulate) {
  const int tail = (j1 - j0) & 3 ? j1 - 4 : -1;
  const int is = accumulate ? N : 0;
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const float *a = A + i * sai;
    float *c = C + i * N;
    const float *init = accumulate ? c : bias;
    int j = j0;
    for (; j + 8 <= j1; j += 8) tile4x8(K, a, sai, sap, B + j, N, N, c + j, init ? init + j : 0, is);
    if (j + 4 <= j1) tile4x4(K, a, sai, sap, B + j, N, c + j, init ? init + j : 0, is);
    if (tail >= 0) tile4x4(K, a, sai, sap, B + tail, N, c + tail, init ? init + tail : 0, is);
  }
  for (; i < M; i++) {
    const float *a = A + i * sai;
    float *c = C + i * N;
    const float *init = accumulate ? c : bias;
    int j = j0;
    for (; j + 8 <= j1; j += 8) tile1x8(K, a, sap, B + j, N, c + j, init ? init + j : 0);
    if (j + 4 <= j1) tile1x4(K, a, sap, B + j, N, c + j, init ? init + j : 0);
    if (tail >= 0) tile1x4(K, a, sap, B + tail, N, c + tail, init ? init + tail : 0);
  }
}

/*
 * Large products (see gemm) copy each KB×NB slice of Bm into 8-column strips, strip after strip, so a tile's
 * inner loop reads 32 contiguous bytes per step of K instead of one row of Bm every N floats (for N = 1024
 * that stride is 4 KiB: every row lands in the same L1 set and the panel kept spilling to L2). When A is read
 * transposed (dW = Hᵀ·dZ: sai = 1, sap = M, again one row per step), its 4-row block is copied to
 * pack_a[p·4 + r] too. The sums are the same operations in the same order as gemm_block's (bias, then p
 * ascending, slice after slice), so results are bit-identical to the unpacked path.
 */
#define GEMM_PACK_B_FLOATS (GEMM_KB * GEMM_NB)
#define GEMM_PACK_FLOATS (GEMM_PACK_B_FLOATS + GEMM_KB * 4)

/* `pack` is GEMM_PACK_FLOATS of scratch (pack_b, then pack_a): one per thread, since every thread packs its own
   panels (threads.h). */
static void gemm_packed_slice(int M, int N, int kb, const float *A, int sai, int sap, const float *B, float *C, const float *bias,
                              int j0, int w8, int accumulate, float *pack) {
  float *const pack_b = pack, *const pack_a = pack + GEMM_PACK_B_FLOATS;
  for (int s = 0; s < w8; s += 8) {
    float *dst = pack_b + s * kb;
    const float *src = B + j0 + s;
    for (int p = 0; p < kb; p++) {
      ST(dst + 8 * p, LD(src + p * N));
      ST(dst + 8 * p + 4, LD(src + p * N + 4));
    }
  }
  const int is = accumulate ? N : 0;
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const float *a = A + i * sai;
    int asai = sai, asap = sap;
    if (sai == 1) {
      for (int p = 0; p < kb; p++) ST(pack_a + 4 * p, LD(a + p * sap));
      a = pack_a, asap = 4;
    }
    float *c = C + i * N + j0;
    const float *init = accumulate ? c : bias ? bias + j0 : 0;
    for (int s = 0; s < w8; s += 8) tile4x8(kb, a, asai, asap, pack_b + s * kb, 8, N, c + s, init ? init + s : 0, is);
  }
  for (; i < M; i++) {
    float *c = C + i * N + j0;
    const float *init = accumulate ? c : bias ? bias + j0 : 0;
    for (int s = 0; s < w8; s += 8) tile1x8(kb, A + i * sai, sap, pack_b + s * kb, 8, c + s, init ? init + s : 0);
  }
}

/* Packing pays once a copied panel is reused by many rows; the presets' products (M = 32 rows, or K = 32) stay
   on the direct path. */
#define GEMM_PACK_MIN 64

static void gemm_packed(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias, float *pack) {
  const int n8 = N & ~7;
  for (int j0 = 0; j0 < n8; j0 += GEMM_NB) {
    const int w8 = n8 - j0 < GEMM_NB ? n8 - j0 : GEMM_NB;
    for (int p0 = 0; p0 < K; p0 += GEMM_KB) {
      const int kb = K - p0 < GEMM_KB ? K - p0 : GEMM_KB;
      gemm_packed_slice(M, N, kb, A + p0 * sap, sai, sap, B + p0 * N, C, bias, j0, w8, p0 > 0, pack);
    }
  }
  /* The last N mod 8 columns, unpacked, in one slice (its tiles may overlap the packed columns and rewrite
     them with identical values, as gemm_block's ragged panels do). */
  if (n8 < N) gemm_block(M, N, K, A, sai, sap, B, C, bias, n8, N, 0);
}

/*
 * Every path below computes each output element the same way — bias (or 0), then + a·b for p ascending, f32
 * multiply then add — so an element's value does not depend on M, on the path taken or on which rows are done
 * together. threads.h relies on this: any split of the rows gives bit-identical results.
 */
static void gemm(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias, float *pack) {
  if (N < 4) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        float s = bias ? bias[j] : 0.0f;
        for (int p = 0; p < K; p++) s += A[i * sai + p * sap] * B[p * N + j];
        C[i * N + j] = s;
      }
    return;
  }
  if (M >= GEMM_PACK_MIN && K >= GEMM_PACK_MIN && N >= 8) {
    gemm_packed(M, N, K, A, sai, sap, B, C, bias, pack);
    return;
  }
  for (int j0 = 0; j0 < N; j0 += GEMM_NB) {
    int j1 = j0 + GEMM_NB < N ? j0 + GEMM_NB : N;
    if (N - j1 < 4) j1 = N; /* never leave a final panel narrower than one tile */
    if ((j1 - j0) & 3) {
      gemm_block(M, N, K, A, sai, sap, B, C, bias, j0, j1, 0); /* ragged (final) panel: one slice */
    } else {
      for (int p0 = 0; p0 < K; p0 += GEMM_KB) {
        int kb = K - p0 < GEMM_KB ? K - p0 : GEMM_KB;
        gemm_block(M, N, kb, A + p0 * sap, sai, sap, B + p0 * N, C, bias, j0, j1, p0 > 0);
      }
    }
    if (j1 == N) break;
  }
}

#endif
