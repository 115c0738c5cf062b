/*
 * The network descriptor the TypeScript wrapper writes into wasm memory before calling the kernel.
 *
 * Each struct is declared ONCE, as a field list (an X-macro): the list expands into the struct here and into
 * the layout table layout.h exports (every field's byte offset, size and kind, every struct's size, every
 * activation code). The wrapper reads that table when it loads the kernel and finds each field there
 * (compute/fused/kernelLayout.ts), so no offset is written down a second time; a field it does not know, or
 * one it needs that is missing or of another kind, is a load error naming the field.
 *
 * Every field is 4 bytes (int, float or a wasm32 pointer), so the wrapper fills it as an Int32/Float32 word.
 * The wrapper owns all allocation (parameters in the canonical row-major layout of params.ts, plus
 * per-layer scratch for `capacity` rows); the kernel never allocates or grows memory.
 */
#ifndef MLP_NET_H
#define MLP_NET_H

/* Activation codes: ACT_NONE = 0, ACT_TANH = 1, ACT_RELU = 2 (the name is what the wrapper looks up). */
#define ACTIVATIONS(A) A(NONE, "none", 0) A(TANH, "tanh", 1) A(RELU, "relu", 2)
#define ACT_ENUM(code, name, value) ACT_##code = value,
enum { ACTIVATIONS(ACT_ENUM) };

/* F(type, name): comments say what each holds. */
#define LAYER_FIELDS(F)                                                                                  \
  F(int, in) F(int, out)                                                                                \
  F(int, bias) F(int, bn) F(int, act)    /* flags; act is ACT_* */                                      \
  F(float *, W) F(float *, dW)           /* [in,out] and its gradient */                                \
  F(float *, WT)                         /* Wᵀ [out,in] (scratch for dH = dZ·Wᵀ) */                     \
  F(float *, b) F(float *, db)           /* [out], null without bias */                                 \
  F(float *, gamma) F(float *, dgamma)   /* [out], null without BatchNorm */                            \
  F(float *, beta) F(float *, dbeta)                                                                    \
  F(float *, rmean) F(float *, rvar)     /* running buffers */                                          \
  F(float *, Z)                          /* [cap,out] pre-BN (or pre-activation) Linear output */       \
  F(float *, XH)                         /* [cap,out] normalised x̂ (BN only) */                         \
  F(float *, H)                          /* [cap,out] block output after activation (may alias Z) */    \
  F(float *, dH)                         /* [cap,out] dLoss/dH (output block: dLoss/dlogits) */         \
  F(float *, dZ)                         /* [cap,out] dLoss/dZ (may alias dH) */                        \
  F(float *, istd)                       /* [out] 1/√(var+ε) used by the last forward */                \
  F(float *, bmean) F(float *, bvar)     /* [out] last training batch's mean and unbiased variance */   \
  F(float *, s1) F(float *, s2) F(float *, s3) /* [out] scratch for the BatchNorm backward */

#define NET_FIELDS(F)                                                                                    \
  F(int, nlayers) F(int, block) F(int, emb) F(int, vocab) F(int, capacity)                              \
  F(float, eps) F(float, momentum)                                                                      \
  F(int *, x)                            /* [cap,block] token contexts */                               \
  F(int *, y)                            /* [cap] targets */                                            \
  F(float *, C) F(float *, dC)           /* [vocab,emb] */                                              \
  F(float *, H0) F(float *, dH0)         /* [cap,block·emb] concatenated embeddings and their gradient */ \
  F(Layer *, layers)                     /* nlayers entries, output block last */

#define DECLARE_FIELD(type, name) type name;
typedef struct { LAYER_FIELDS(DECLARE_FIELD) } Layer;
typedef struct { NET_FIELDS(DECLARE_FIELD) } Net;
#undef DECLARE_FIELD

#endif
