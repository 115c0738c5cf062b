/*
 * Fused training step and inference for the makemore MLP family, compiled to WebAssembly SIMD.
 *
 *   embedding gather → per block: Z = H·W (+b) → [BatchNorm] → activation → logits → mean cross-entropy
 *
 * BatchNorm follows the lectures (and forwardTf.ts): training mode normalises with the batch mean and the
 * UNBIASED batch variance (/(B−1)) and moves the running buffers by running = (1−m)·running + m·batch;
 * inference mode uses the running buffers. The backward pass writes every trainable gradient (kept in
 * memory for the inspectors), then SGD updates p −= lr·g — when asked, in the same pass, also the float64
 * moments of g and of the updated p that the every-step update:data inspector needs (see sgd_moments).
 */
#include "net.h"
#include "layout.h"
#include "vmath.h"

#define EXPORT(name) __attribute__((export_name(name)))

#include "threads.h"

/* ---------- elementwise helpers (flat arrays; [rows,out] blocks are contiguous) ---------- */

static void tanh_inplace(float *p, int n) {
  int k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(p + k, v_tanh(wasm_v128_load(p + k)));
  for (; k < n; k++) p[k] = s_tanh(p[k]);
}

static void tanh_to(const float *restrict src, float *restrict dst, int n) {
  int k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(dst + k, v_tanh(wasm_v128_load(src + k)));
  for (; k < n; k++) dst[k] = s_tanh(src[k]);
}

static void relu_to(const float *src, float *dst, int n) {
  for (int k = 0; k < n; k++) dst[k] = src[k] > 0.0f ? src[k] : 0.0f;
}

/* out[k] = e^(in[k] − shift) */
static void exp_shifted(const float *restrict in, float shift, float *restrict out, int n) {
  v128_t s = wasm_f32x4_splat(shift);
  int k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(out + k, v_exp(wasm_f32x4_sub(wasm_v128_load(in + k), s)));
  for (; k < n; k++) out[k] = s_exp(in[k] - shift);
}

static void sgd(float *restrict p, const float *restrict g, float lr, int n) {
  for (int k = 0; k < n; k++) p[k] -= lr * g[k];
}

static inline v128_t f64x2_high_of(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }

/*
 * The same update as `sgd` (bit for bit: f32 multiply then subtract, no fused multiply-add), which also writes
 * into out[0..3] the moments the update:data inspector needs, as float64 sums:
 *   Σ(g − g₀), Σ(g − g₀)², Σ(w − w₀), Σ(w − w₀)²   with w the UPDATED weight and g₀, w₀ shifts (below).
 * The shift changes nothing in the variance (S₂ − S₁²/n)/(n − 1) but keeps it free of cancellation (γ ≈ 1
 * with a spread of 1e-3) and makes it exactly 0 for a constant tensor, as a two-pass std is (x − x₀ is then
 * exactly 0). A shift near the mean keeps the cancellation small; the mean of the first 16 entries is one.
 * Precision vs speed: the deviations and their squares are formed in f32 (relative error ≤ 6e-8 each) and
 * summed in f32 over runs of 4 per lane (16 entries), then added into float64 accumulators. Converting every
 * entry to f64 instead cost ≈2× the extra time (bn3: ≈9.5 vs ≈5.5 µs a step); this keeps the variance within
 * ≈1e-6 relative of a float64 two-pass one (the tests check the log10 ratio to 1e-6 absolute).
 * The ratio is formed from these by electron/engine/inspect/updateRatio.ts (`updateToDataFromMoments`).
 */
static void sgd_moments(float *restrict p, const float *restrict g, float lr, int n, double *restrict out) {
  out[0] = out[1] = out[2] = out[3] = 0.0;
  if (n <= 0) return;
  /* The shifts: means of the first (up to) 16 entries, summed in f64 (exactly, for a constant tensor) and
     rounded to f32 — so a constant tensor's deviations are exactly 0. */
  const int head = n < 16 ? n : 16;
  double hg = 0.0, hw = 0.0;
  for (int k = 0; k < head; k++) {
    hg += (double)g[k];
    hw += (double)(p[k] - lr * g[k]);
  }
  const float g0f = (float)(hg / head), w0f = (float)(hw / head);
  const double g0 = (double)g0f, w0 = (double)w0f;
  const v128_t vlr = wasm_f32x4_splat(lr), sg = wasm_f64x2_splat(g0), sw = wasm_f64x2_splat(w0);
  const v128_t sg32 = wasm_f32x4_splat(g0f), sw32 = wasm_f32x4_splat(w0f);
  v128_t ag = wasm_f64x2_splat(0.0), ag2 = ag, aw = ag, aw2 = ag;
  int k = 0;
  for (; k + 16 <= n; k += 16) {
    v128_t bg = wasm_f32x4_splat(0.0f), bg2 = bg, bw = bg, bw2 = bg;
    for (int i = 0; i < 16; i += 4) {
      const v128_t gv = wasm_v128_load(g + k + i);
      const v128_t wv = wasm_f32x4_sub(wasm_v128_load(p + k + i), wasm_f32x4_mul(vlr, gv));
      wasm_v128_store(p + k + i, wv);
      const v128_t dg = wasm_f32x4_sub(gv, sg32), dw = wasm_f32x4_sub(wv, sw32);
      bg = wasm_f32x4_add(bg, dg);
      bg2 = wasm_f32x4_add(bg2, wasm_f32x4_mul(dg, dg));
      bw = wasm_f32x4_add(bw, dw);
      bw2 = wasm_f32x4_add(bw2, wasm_f32x4_mul(dw, dw));
    }
    ag = wasm_f64x2_add(ag, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(bg), f64x2_high_of(bg)));
    ag2 = wasm_f64x2_add(ag2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(bg2), f64x2_high_of(bg2)));
    aw = wasm_f64x2_add(aw, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(bw), f64x2_high_of(bw)));
    aw2 = wasm_f64x2_add(aw2, wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(bw2), f64x2_high_of(bw2)));
  }
  for (; k + 4 <= n; k += 4) {
    const v128_t gv = wasm_v128_load(g + k);
    const v128_t wv = wasm_f32x4_sub(wasm_v128_load(p + k), wasm_f32x4_mul(vlr, gv));
    wasm_v128_store(p + k, wv);
    const v128_t glo = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(gv), sg);
    const v128_t ghi = wasm_f64x2_sub(f64x2_high_of(gv), sg);
    const v128_t wlo = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wv), sw);
    const v128_t whi = wasm_f64x2_sub(f64x2_high_of(wv), sw);
    ag = wasm_f64x2_add(ag, wasm_f64x2_add(glo, ghi));
    ag2 = wasm_f64x2_add(ag2, wasm_f64x2_add(wasm_f64x2_mul(glo, glo), wasm_f64x2_mul(ghi, ghi)));
    aw = wasm_f64x2_add(aw, wasm_f64x2_add(wlo, whi));
    aw2 = wasm_f64x2_add(aw2, wasm_f64x2_add(wasm_f64x2_mul(wlo, wlo), wasm_f64x2_mul(whi, whi)));
  }
  double tg = 0.0, tg2 = 0.0, tw = 0.0, tw2 = 0.0;
  for (; k < n; k++) {
    const float w = p[k] - lr * g[k];
    p[k] = w;
    const double dg = (double)g[k] - g0, dw = (double)w - w0;
    tg += dg;
    tg2 += dg * dg;
    tw += dw;
    tw2 += dw * dw;
  }
  out[0] = wasm_f64x2_extract_lane(ag, 0) + wasm_f64x2_extract_lane(ag, 1) + tg;
  out[1] = wasm_f64x2_extract_lane(ag2, 0) + wasm_f64x2_extract_lane(ag2, 1) + tg2;
  out[2] = wasm_f64x2_extract_lane(aw, 0) + wasm_f64x2_extract_lane(aw, 1) + tw;
  out[3] = wasm_f64x2_extract_lane(aw2, 0) + wasm_f64x2_extract_lane(aw2, 1) + tw2;
}

/* ---------- forward ---------- */

/*
 * 1 when every context token (and, with `targets`, every target) is inside the vocabulary. Both entry points
 * call it before they write anything, so a rejected batch leaves the model exactly as it was: parameters,
 * gradients, moments and BatchNorm's running buffers (which a training forward pass moves layer by layer).
 * One pass of compares and ORs over rows·(block + 1) ints: nothing next to a step's matrix products.
 */
static int batch_in_vocab(const Net *net, int rows, int targets) {
  const unsigned vocab = (unsigned)net->vocab;
  const unsigned classes = (unsigned)net->layers[net->nlayers - 1].out;
  const int n = rows * net->block;
  int bad = 0;
  for (int k = 0; k < n; k++) bad |= (unsigned)net->x[k] >= vocab;
  if (targets)
    for (int r = 0; r < rows; r++) bad |= (unsigned)net->y[r] >= classes;
  return !bad;
}

/* H0[r] = C[x[r,0]] ‖ C[x[r,1]] ‖ … (tokens already checked by batch_in_vocab). */
static void gather(const Net *net, int rows) {
  const int emb = net->emb, block = net->block, width = emb * block;
  for (int r = 0; r < rows; r++) {
    for (int t = 0; t < block; t++) {
      const float *src = net->C + net->x[r * block + t] * emb;
      float *dst = net->H0 + r * width + t * emb;
      for (int e = 0; e < emb; e++) dst[e] = src[e];
    }
  }
}

/* Column statistics of Z [rows,out]: mean and unbiased variance, then the running-buffer update. */
static void batch_stats(const Net *net, Layer *L, int rows) {
  const int out = L->out;
  float *restrict mean = L->bmean, *restrict var = L->bvar;
  const float *restrict Z = L->Z;
  for (int j = 0; j < out; j++) mean[j] = 0.0f;
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < out; j++) mean[j] += Z[r * out + j];
  const float invn = 1.0f / (float)rows;
  for (int j = 0; j < out; j++) mean[j] *= invn;
  for (int j = 0; j < out; j++) var[j] = 0.0f;
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < out; j++) {
      float d = Z[r * out + j] - mean[j];
      var[j] += d * d;
    }
  const float invn1 = 1.0f / (float)(rows - 1);
  const float m = net->momentum, keep = 1.0f - net->momentum;
  for (int j = 0; j < out; j++) {
    var[j] *= invn1;
    L->istd[j] = 1.0f / __builtin_sqrtf(var[j] + net->eps);
    L->rmean[j] = keep * L->rmean[j] + m * mean[j];
    L->rvar[j] = keep * L->rvar[j] + m * var[j];
  }
}

static void layer_forward(const Net *net, Layer *L, const float *Hin, int rows, int train) {
  const int in = L->in, out = L->out, n = rows * out;
  par_gemm(rows, out, in, Hin, in, 1, L->W, L->Z, L->bias ? L->b : 0);
  if (L->bn) {
    const float *mean;
    if (train) {
      batch_stats(net, L, rows);
      mean = L->bmean;
    } else {
      for (int j = 0; j < out; j++) L->istd[j] = 1.0f / __builtin_sqrtf(L->rvar[j] + net->eps);
      mean = L->rmean;
    }
    const float *restrict istd = L->istd, *restrict gamma = L->gamma, *restrict beta = L->beta;
    const float *restrict Z = L->Z;
    float *restrict XH = L->XH, *restrict H = L->H;
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < out; j++) {
        float xh = (Z[r * out + j] - mean[j]) * istd[j];
        XH[r * out + j] = xh;
        H[r * out + j] = gamma[j] * xh + beta[j];
      }
    if (L->act == ACT_TANH) tanh_inplace(L->H, n);
    else if (L->act == ACT_RELU) relu_to(L->H, L->H, n);
  } else if (L->act == ACT_TANH) {
    tanh_to(L->Z, L->H, n);
  } else if (L->act == ACT_RELU) {
    relu_to(L->Z, L->H, n);
  } else if (L->H != L->Z) {
    for (int k = 0; k < n; k++) L->H[k] = L->Z[k];
  }
}

/* Runs every block (tokens already checked by batch_in_vocab). */
static void forward(const Net *net, int rows, int train) {
  gather(net, rows);
  const float *h = net->H0;
  for (int l = 0; l < net->nlayers; l++) {
    layer_forward(net, &net->layers[l], h, rows, train);
    h = net->layers[l].H;
  }
}

/*
 * Sum over rows of −log softmax(logits)[y]. With `grad` set, also writes dLoss/dlogits of the MEAN loss,
 * (softmax − onehot)/rows, into the output block's dH. Targets already checked by batch_in_vocab.
 */
static double cross_entropy(const Net *net, int rows, int grad) {
  const Layer *L = &net->layers[net->nlayers - 1];
  const int V = L->out;
  const float invn = 1.0f / (float)rows;
  double total = 0.0;
  for (int r = 0; r < rows; r++) {
    const float *l = L->H + r * V;
    float *e = L->dH + r * V; /* scratch for e^(l − max), turned into the gradient in place */
    const int y = net->y[r];
    float mx = l[0];
    for (int j = 1; j < V; j++) mx = l[j] > mx ? l[j] : mx;
    exp_shifted(l, mx, e, V);
    float s = 0.0f;
    for (int j = 0; j < V; j++) s += e[j];
    total += (double)(s_log(s) + mx - l[y]);
    if (grad) {
      const float k = invn / s;
      for (int j = 0; j < V; j++) e[j] *= k;
      e[y] -= invn;
    }
  }
  return total;
}

/* ---------- backward ---------- */

static void layer_backward(Layer *L, const float *Hin, float *dHin, int rows) {
  const int in = L->in, out = L->out, n = rows * out;
  float *restrict dZ = L->dZ;
  const float *restrict dH = L->dH, *restrict H = L->H;
  /* through the activation: d/dx tanh = 1 − tanh², relu passes where its output is positive */
  if (L->act == ACT_TANH) {
    for (int k = 0; k < n; k++) dZ[k] = dH[k] * (1.0f - H[k] * H[k]);
  } else if (L->act == ACT_RELU) {
    for (int k = 0; k < n; k++) dZ[k] = H[k] > 0.0f ? dH[k] : 0.0f;
  } else if (L->dZ != L->dH) {
    for (int k = 0; k < n; k++) dZ[k] = dH[k];
  }
  if (L->bn) {
    /* y = γ·x̂ + β: dβ = Σ dy, dγ = Σ dy·x̂;
       dz = γ·istd·(dy − Σdy/B − x̂·Σ(dy·x̂)/(B−1))   (the (B−1) comes from the unbiased variance) */
    float *restrict dbeta = L->dbeta, *restrict dgamma = L->dgamma;
    const float *restrict XH = L->XH;
    for (int j = 0; j < out; j++) dbeta[j] = dgamma[j] = 0.0f;
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < out; j++) {
        float g = dZ[r * out + j];
        dbeta[j] += g;
        dgamma[j] += g * XH[r * out + j];
      }
    float *restrict k1 = L->s1, *restrict k2 = L->s2, *restrict k3 = L->s3;
    const float invn = 1.0f / (float)rows, invn1 = 1.0f / (float)(rows - 1);
    for (int j = 0; j < out; j++) {
      k1[j] = L->gamma[j] * L->istd[j];
      k2[j] = dbeta[j] * invn;
      k3[j] = dgamma[j] * invn1;
    }
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < out; j++) {
        int k = r * out + j;
        dZ[k] = k1[j] * (dZ[k] - k2[j] - XH[k] * k3[j]);
      }
  }
  if (L->bias) {
    float *restrict db = L->db;
    for (int j = 0; j < out; j++) db[j] = 0.0f;
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < out; j++) db[j] += dZ[r * out + j];
  }
  /* dW = Hinᵀ·dZ  [in,out] */
  par_gemm(in, out, rows, Hin, 1, in, dZ, L->dW, 0);
  /* dHin = dZ·Wᵀ  [rows,in], with W (before this step's update) transposed so rows stay contiguous */
  {
    const float *restrict W = L->W;
    float *restrict WT = L->WT;
    for (int k = 0; k < in; k++)
      for (int j = 0; j < out; j++) WT[j * in + k] = W[k * out + j];
  }
  par_gemm(rows, in, out, dZ, out, 1, L->WT, dHin, 0);
}

/* dC[tok] += dH0 slice for every (row, position) using it. */
static void scatter_embedding_grad(const Net *net, int rows) {
  const int emb = net->emb, block = net->block, width = emb * block;
  const int total = net->vocab * emb;
  for (int k = 0; k < total; k++) net->dC[k] = 0.0f;
  for (int r = 0; r < rows; r++)
    for (int t = 0; t < block; t++) {
      float *dst = net->dC + net->x[r * block + t] * emb;
      const float *src = net->dH0 + r * width + t * emb;
      for (int e = 0; e < emb; e++) dst[e] += src[e];
    }
}

/* p −= lr·g for one tensor; with `m` set also its four moments, and advances m past them. */
static double *step_param(float *p, const float *g, float lr, int n, double *m) {
  if (!m) {
    sgd(p, g, lr, n);
    return 0;
  }
  sgd_moments(p, g, lr, n, m);
  return m + 4;
}

/*
 * SGD over every trainable tensor, visited in params.ts's canonical order (C, then per block W, b, γ, β),
 * which is also the order of the moments written when `moments` is not null.
 */
static void update(const Net *net, float lr, double *moments) {
  double *m = step_param(net->C, net->dC, lr, net->vocab * net->emb, moments);
  for (int l = 0; l < net->nlayers; l++) {
    Layer *L = &net->layers[l];
    m = step_param(L->W, L->dW, lr, L->in * L->out, m);
    if (L->bias) m = step_param(L->b, L->db, lr, L->out, m);
    if (L->bn) {
      m = step_param(L->gamma, L->dgamma, lr, L->out, m);
      m = step_param(L->beta, L->dbeta, lr, L->out, m);
    }
  }
}

/* ---------- exports ---------- */

/*
 * One SGD step on the first `rows` contexts/targets in net->x / net->y (training mode).
 * `moments` is null (the plain path) or room for 4 doubles per trainable tensor, filled as `update` says.
 * Returns the mean loss before the update, or −1 if a token or target is outside the vocabulary — checked
 * before the forward pass, so then nothing at all has been written (running buffers included).
 */
EXPORT("mlp_train_step") double mlp_train_step(Net *net, int rows, float lr, double *moments) {
  if (!batch_in_vocab(net, rows, 1)) return -1.0;
  forward(net, rows, 1);
  const double total = cross_entropy(net, rows, 1);
  for (int l = net->nlayers - 1; l >= 0; l--) {
    Layer *L = &net->layers[l];
    const float *Hin = l > 0 ? net->layers[l - 1].H : net->H0;
    float *dHin = l > 0 ? net->layers[l - 1].dH : net->dH0;
    layer_backward(L, Hin, dHin, rows);
  }
  scatter_embedding_grad(net, rows);
  update(net, lr, moments);
  return total / (double)rows;
}

/*
 * Inference-mode forward (BatchNorm from running buffers) of `rows` contexts; logits land in the output
 * block's H. With `with_loss`, returns the SUM of the rows' cross-entropies (0 otherwise); −1 on a token (or,
 * with `with_loss`, a target) outside the vocabulary, checked before anything is written.
 */
EXPORT("mlp_infer") double mlp_infer(Net *net, int rows, int with_loss) {
  if (!batch_in_vocab(net, rows, with_loss)) return -1.0;
  forward(net, rows, 0);
  return with_loss ? cross_entropy(net, rows, 0) : 0.0;
}
