/*
 * Accurate float exp / log / tanh without libc, as WebAssembly SIMD (f32x4) and scalar versions.
 *
 * Polynomials are Cephes' single-precision ones (relative error ~1e-7 over the ranges used), so the
 * kernel's activations and gradients match the TensorFlow.js oracle (which rounds Math.exp/Math.tanh
 * results to float) to a few ulps. Scalar versions run the vector code on lane 0 so both agree exactly.
 */
#ifndef MLP_VMATH_H
#define MLP_VMATH_H

#include <wasm_simd128.h>

#define VSPLAT(c) wasm_f32x4_splat(c)

/* e^x for x in [-87.3, 88]; clamped outside (the softmax only ever asks for x <= 0). */
static inline v128_t v_exp(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, VSPLAT(-87.3f)), VSPLAT(88.0f));
  /* x = n·ln2 + r, |r| <= ln2/2; ln2 split in two parts so r is exact. */
  v128_t fx = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, VSPLAT(1.44269504088896341f)), VSPLAT(0.5f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, VSPLAT(0.693359375f)));
  x = wasm_f32x4_sub(x, wasm_f32x4_mul(fx, VSPLAT(-2.12194440e-4f)));
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t y = VSPLAT(1.9875691500E-4f);
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), VSPLAT(1.3981999507E-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), VSPLAT(8.3334519073E-3f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), VSPLAT(4.1665795894E-2f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), VSPLAT(1.6666665459E-1f));
  y = wasm_f32x4_add(wasm_f32x4_mul(y, x), VSPLAT(5.0000001201E-1f));
  y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, z), x), VSPLAT(1.0f));
  /* 2^n built directly in the exponent bits (n in [-126, 127] after the clamp). */
  v128_t n = wasm_i32x4_trunc_sat_f32x4(fx);
  v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(n, wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(y, pow2n);
}

/* tanh(x): odd polynomial for |x| <= 0.625 (keeps relative accuracy near 0), 1 − 2/(e^{2|x|}+1) above. */
static inline v128_t v_tanh(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t e = v_exp(wasm_f32x4_min(wasm_f32x4_add(ax, ax), VSPLAT(18.0f)));
  v128_t big = wasm_f32x4_sub(VSPLAT(1.0f), wasm_f32x4_div(VSPLAT(2.0f), wasm_f32x4_add(e, VSPLAT(1.0f))));
  v128_t sign = wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000));
  big = wasm_v128_or(big, sign);
  v128_t z = wasm_f32x4_mul(x, x);
  v128_t p = VSPLAT(-5.70498872745E-3f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), VSPLAT(2.06390887954E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), VSPLAT(-5.37397155531E-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), VSPLAT(1.33314422036E-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), VSPLAT(-3.33332819422E-1f));
  v128_t small = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, z), x), x);
  return wasm_v128_bitselect(big, small, wasm_f32x4_gt(ax, VSPLAT(0.625f)));
}

static inline float s_exp(float x) { return wasm_f32x4_extract_lane(v_exp(wasm_f32x4_splat(x)), 0); }
static inline float s_tanh(float x) { return wasm_f32x4_extract_lane(v_tanh(wasm_f32x4_splat(x)), 0); }

/* Natural log for finite x > 0 (used on softmax sums, which are >= 1). */
static inline float s_log(float x) {
  union { float f; int i; } u = { x };
  int e = ((u.i >> 23) & 0xff) - 126; /* x = m·2^e with m in [0.5, 1) */
  u.i = (u.i & 0x007fffff) | 0x3f000000;
  float m = u.f;
  if (m < 0.707106781186547524f) {
    e -= 1;
    m = m + m - 1.0f;
  } else {
    m = m - 1.0f;
  }
  float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  float fe = (float)e;
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  return m + y + 0.693359375f * fe;
}

#endif
