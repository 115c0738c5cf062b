/*
 * Large matrix products split across threads.
 *
 * The kernel's memory is a shared WebAssembly.Memory. Each extra thread is a Node worker that instantiates the
 * same module on that memory, moves its stack pointer to a region of its own, and calls mlp_worker, which never
 * returns until mlp_threads_quit: it sleeps on `par.gen` (memory.atomic.wait32) and runs its part of each job.
 * The training thread stays the one that calls mlp_train_step / mlp_infer; only `par_gemm` hands out work.
 *
 * A job splits the output ROWS of one product into `parts` contiguous ranges (multiples of 4 rows, so the
 * 4-row tiles line up): part 0 is done by the calling thread, part k by the k-th worker that became ready. gemm
 * computes each element the same way whatever rows it is given (see gemm.h), so the result is bit-identical for
 * any number of threads — a run is reproducible from its seed on any machine and any thread count.
 *
 * Statics live in the shared linear memory, so `par` is the one control block every instance sees; only wasm
 * globals (the stack pointer) are per instance.
 */
#ifndef MLP_THREADS_H
#define MLP_THREADS_H

#include "gemm.h"

/* Products below this many multiply-adds stay on the calling thread: waking a sleeping worker costs tens of µs
   (measured: docs/performance.md), which a product of 2^20 MACs (≈ 60 µs at 35 GFLOP/s) barely repays. The
   lecture presets' products (32×30×100 … 32×100×100 MACs) are far below it and never touch a thread. */
#define PAR_MIN_MACS (1 << 20)
/* And each part gets at least this many rows, so a part's packed panels are still reused enough. */
#define PAR_MIN_ROWS 8
/* The part count travels in gen's low byte. */
#define PAR_MAX_PARTS 255

typedef struct {
  int M, N, K, sai, sap;
  const float *A, *B, *bias;
  float *C;
} GemmJob;

static struct {
  int gen;     /* job number · 256 + the job's part count: what sleeping workers wait on (see mlp_worker) */
  int pending; /* parts of the current job not finished yet; the last worker to finish notifies it */
  int ready;   /* workers inside mlp_worker (part numbers are handed out in that order) */
  int quit;
  int threads; /* parts wanted per job (mlp_set_threads): 1 = everything on the calling thread */
  int main_can_wait; /* 0 where the calling thread may not block (a browser's main thread): it spins instead */
  int min_macs, min_rows; /* when a product is split: PAR_MIN_MACS and PAR_MIN_ROWS unless mlp_set_split says otherwise */
  int jobs;    /* products split so far (tests check that threads were really used) */
  GemmJob job;
} par = {.threads = 1, .min_macs = PAR_MIN_MACS, .min_rows = PAR_MIN_ROWS};

/* The calling thread's packing scratch; each worker brings its own (mlp_worker's `pack`). */
static float main_pack[GEMM_PACK_FLOATS];

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* Rows [lo, hi) of part `k` of `parts`, on multiples of 4. */
static void par_rows(int M, int k, int parts, int *lo, int *hi) {
  *lo = (int)(((long long)M * k / parts) & ~3);
  *hi = k + 1 == parts ? M : (int)(((long long)M * (k + 1) / parts) & ~3);
}

static void par_run_part(int k, int parts, float *pack) {
  const GemmJob *j = &par.job;
  int lo, hi;
  par_rows(j->M, k, parts, &lo, &hi);
  if (hi > lo) gemm(hi - lo, j->N, j->K, j->A + lo * j->sai, j->sai, j->sap, j->B, j->C + lo * j->N, j->bias, pack);
}

/* gemm (gemm.h's contract), split over the ready workers when the product is large enough. */
static void par_gemm(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias) {
  int parts = par.threads < PAR_MAX_PARTS ? par.threads : PAR_MAX_PARTS;
  const int ready = LOAD(&par.ready) + 1;
  if (parts > ready) parts = ready;
  if (parts > M / par.min_rows) parts = M / par.min_rows;
  if (parts <= 1 || (long long)M * N * K < par.min_macs) {
    gemm(M, N, K, A, sai, sap, B, C, bias, main_pack);
    return;
  }
  par.job = (GemmJob){.M = M, .N = N, .K = K, .sai = sai, .sap = sap, .A = A, .B = B, .bias = bias, .C = C};
  par.jobs++;
  STORE(&par.pending, parts - 1);
  /* Publishes the job (seq_cst: the plain writes above come first); only this thread writes gen. */
  STORE(&par.gen, (int)((((unsigned)LOAD(&par.gen) & ~255u) + 256u) | (unsigned)parts)); /* wraps harmlessly */
  __builtin_wasm_memory_atomic_notify(&par.gen, (unsigned)-1);
  par_run_part(0, parts, main_pack);
  /* The parts are equal, so the others are usually done or nearly: a short spin, then sleep. */
  for (int spin = 0; spin < 2000 && LOAD(&par.pending); spin++) {
  }
  for (int left; (left = LOAD(&par.pending)) != 0;) {
    if (par.main_can_wait) __builtin_wasm_memory_atomic_wait32(&par.pending, left, -1);
  }
}

/* Parts per product (1 = single-threaded) and whether the calling thread may sleep (memory.atomic.wait32). */
EXPORT("mlp_set_threads") void mlp_set_threads(int threads, int main_can_wait) {
  par.threads = threads < 1 ? 1 : threads;
  par.main_can_wait = main_can_wait;
}

EXPORT("mlp_threads_ready") int mlp_threads_ready(void) { return LOAD(&par.ready); }

EXPORT("mlp_pack_floats") int mlp_pack_floats(void) { return GEMM_PACK_FLOATS; }

EXPORT("mlp_par_min_macs") int mlp_par_min_macs(void) { return par.min_macs; }

/* Overrides the split thresholds: tests split even tiny products (min_rows ≥ 4, a tile's height); the threshold
   measurement (scripts/bench-split.ts) tries others. */
EXPORT("mlp_set_split") void mlp_set_split(int min_macs, int min_rows) {
  par.min_macs = min_macs < 0 ? 0 : min_macs;
  par.min_rows = min_rows < 4 ? 4 : min_rows;
}

EXPORT("mlp_threads_jobs") int mlp_threads_jobs(void) { return par.jobs; }

/* Wakes every worker and makes mlp_worker return (the backend is being disposed). */
EXPORT("mlp_threads_quit") void mlp_threads_quit(void) {
  STORE(&par.quit, 1);
  STORE(&par.gen, (int)(((unsigned)LOAD(&par.gen) & ~255u) + 256u));
  __builtin_wasm_memory_atomic_notify(&par.gen, (unsigned)-1);
}

/*
 * A worker's life: takes the next part number, then runs its part of every job until quit. `pack` is its
 * GEMM_PACK_FLOATS of scratch. The generation is read BEFORE the part number is taken, so a job published after
 * the calling thread counted this worker is always seen as new; a job published before (which did not count it)
 * has parts ≤ its number and is skipped. The part count is read from the same word as the job number: a worker
 * that was not part of a job may wake late, while the next job is being written, and must not act on it until
 * its gen is published. A worker that is part of a job holds the job still (the caller waits for it).
 */
EXPORT("mlp_worker") void mlp_worker(float *pack) {
  int seen = LOAD(&par.gen);
  const int part = __atomic_add_fetch(&par.ready, 1, __ATOMIC_SEQ_CST);
  for (;;) {
    int gen;
    while ((gen = LOAD(&par.gen)) == seen) __builtin_wasm_memory_atomic_wait32(&par.gen, seen, -1);
    seen = gen;
    if (LOAD(&par.quit)) return;
    if (part < (gen & 255)) {
      par_run_part(part, gen & 255, pack);
      if (__atomic_sub_fetch(&par.pending, 1, __ATOMIC_SEQ_CST) == 0) __builtin_wasm_memory_atomic_notify(&par.pending, 1);
    }
  }
}

#endif
