/*
 * The network descriptor the TypeScript wrapper writes into wasm memory before calling the kernel.
 *
 * Every field is 4 bytes (int, float or a wasm32 pointer) so the wrapper can fill it as an Int32Array by
 * field index; `mlp_net_words()` / `mlp_layer_words()` let it check that both sides agree on the layout.
 * The wrapper owns all allocation (parameters in the canonical row-major layout of params.ts, plus
 * per-layer scratch for `capacity` rows); the kernel never allocates or grows memory.
 */
#ifndef MLP_NET_H
#define MLP_NET_H

enum { ACT_NONE = 0, ACT_TANH = 1, ACT_RELU = 2 };

typedef struct {
  int in, out;
  int bias, bn, act;          /* flags; act is ACT_* */
  float *W, *dW, *WT;         /* [in,out], its gradient, and Wᵀ [out,in] (scratch for dH = dZ·Wᵀ) */
  float *b, *db;              /* [out], null without bias */
  float *gamma, *dgamma;      /* [out], null without BatchNorm */
  float *beta, *dbeta;
  float *rmean, *rvar;        /* running buffers */
  float *Z;                   /* [cap,out] pre-BN (or pre-activation) Linear output */
  float *XH;                  /* [cap,out] normalised x̂ (BN only) */
  float *H;                   /* [cap,out] block output after activation (may alias Z) */
  float *dH;                  /* [cap,out] dLoss/dH (for the output block: dLoss/dlogits) */
  float *dZ;                  /* [cap,out] dLoss/dZ (may alias dH) */
  float *istd;                /* [out] 1/√(var+ε) used by the last forward */
  float *bmean, *bvar;        /* [out] last training batch's mean and unbiased variance */
  float *s1, *s2, *s3;        /* [out] scratch for the BatchNorm backward */
} Layer;

typedef struct {
  int nlayers, block, emb, vocab, capacity;
  float eps, momentum;
  int *x;                     /* [cap,block] token contexts */
  int *y;                     /* [cap] targets */
  float *C, *dC;              /* [vocab,emb] */
  float *H0, *dH0;            /* [cap,block·emb] concatenated embeddings and their gradient */
  Layer *layers;              /* nlayers entries, output block last */
} Net;

#endif
