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

static inline void tile4x8(int K, const float *a0, int sai, int sap, const float *B, int N, float *C, const float *bias) {
  const float *a1 = a0 + sai, *a2 = a1 + sai, *a3 = a2 + sai;
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (bias) {
    c00 = c10 = c20 = c30 = LD(bias);
    c01 = c11 = c21 = c31 = LD(bias + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < K; p++) {
    const float *b = B + p * N;
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

static inline void tile4x4(int K, const float *a0, int sai, int sap, const float *B, int N, float *C, const float *bias) {
  const float *a1 = a0 + sai, *a2 = a1 + sai, *a3 = a2 + sai;
  v128_t c0, c1, c2, c3;
  if (bias) c0 = c1 = c2 = c3 = LD(bias);
  else c0 = c1 = c2 = c3 = wasm_f32x4_splat(0.0f);
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

static inline void tile1x8(int K, const float *a0, int sap, const float *B, int N, float *C, const float *bias) {
  v128_t c0, c1;
  if (bias) {
    c0 = LD(bias);
    c1 = LD(bias + 4);
  } else {
    c0 = c1 = wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < K; p++) {
    const float *b = B + p * N;
    v128_t a = BCAST(a0 + p * sap);
    c0 = ADD(c0, MUL(a, LD(b)));
    c1 = ADD(c1, MUL(a, LD(b + 4)));
  }
  ST(C, c0);
  ST(C + 4, c1);
}

static inline void tile1x4(int K, const float *a0, int sap, const float *B, int N, float *C, const float *bias) {
  v128_t c0 = bias ? LD(bias) : wasm_f32x4_splat(0.0f);
  for (int p = 0; p < K; p++) c0 = ADD(c0, MUL(BCAST(a0 + p * sap), LD(B + p * N)));
  ST(C, c0);
}

static void gemm(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias) {
  if (N < 4) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        float s = bias ? bias[j] : 0.0f;
        for (int p = 0; p < K; p++) s += A[i * sai + p * sap] * B[p * N + j];
        C[i * N + j] = s;
      }
    return;
  }
  const int tail = N & 3 ? N - 4 : -1; /* start of the overlapping last tile, if any */
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const float *a = A + i * sai;
    float *c = C + i * N;
    int j = 0;
    for (; j + 8 <= N; j += 8) tile4x8(K, a, sai, sap, B + j, N, c + j, bias ? bias + j : 0);
    if (j + 4 <= N) {
      tile4x4(K, a, sai, sap, B + j, N, c + j, bias ? bias + j : 0);
      j += 4;
    }
    if (tail >= 0) tile4x4(K, a, sai, sap, B + tail, N, c + tail, bias ? bias + tail : 0);
  }
  for (; i < M; i++) {
    const float *a = A + i * sai;
    float *c = C + i * N;
    int j = 0;
    for (; j + 8 <= N; j += 8) tile1x8(K, a, sap, B + j, N, c + j, bias ? bias + j : 0);
    if (j + 4 <= N) {
      tile1x4(K, a, sap, B + j, N, c + j, bias ? bias + j : 0);
      j += 4;
    }
    if (tail >= 0) tile1x4(K, a, sap, B + tail, N, c + tail, bias ? bias + tail : 0);
  }
}

#endif
