/*
 * Large matrix products split across threads.
 *
 * The kernel's memory is a shared WebAssembly.Memory. Each extra thread is a Node worker that instantiates the
 * same module on that memory, moves its stack pointer to a region of its own, and calls mlp_worker, which never
 * returns until mlp_threads_quit: it sleeps on `par.gen` (memory.atomic.wait32) and helps with each job.
 * The training thread stays the one that calls mlp_train_step / mlp_infer; only `par_gemm` hands out work.
 *
 * A job splits the output ROWS of one product into `parts` contiguous ranges (multiples of 4 rows, so the
 * 4-row tiles line up). Parts are CLAIMED, not assigned: the calling thread and every worker that wakes take the
 * next unclaimed part until none is left. On a machine whose other work keeps a worker from waking promptly, the
 * calling thread simply does that part too, so a split product is never much slower than an unsplit one (only
 * the wake-up call is lost). gemm computes each element the same way whatever rows it is given and whoever runs
 * them (see gemm.h), so the result is bit-identical for any number of threads — a run is reproducible from its
 * seed on any machine and any thread count.
 *
 * Statics live in the shared linear memory, so `par` is the one control block every instance sees; only wasm
 * globals (the stack pointer) are per instance.
 */
#ifndef MLP_THREADS_H
#define MLP_THREADS_H

#include "gemm.h"

/* Products below this many multiply-adds stay on the calling thread. Measured with scripts/bench-split.ts
   (docs/performance.md): waking a sleeping worker costs tens of µs on an idle machine and far more on a busy one,
   and splitting bn3-shaped products of 0.1–2 M multiply-adds made steps slower; a product of 2^22 (≈ 0.25 ms at
   35 GFLOP/s) repays it. The lecture presets' products (32×30×100 … 32×100×100) never touch a thread. */
#define PAR_MIN_MACS (1 << 22)
/* And each part gets at least this many rows, so a part's packed panels are still reused enough. */
#define PAR_MIN_ROWS 32
/* Parts per thread: a part claimed by a thread that the OS then takes off the CPU holds the product up until it
   runs again; smaller parts keep that hold-up small (and let a thread that is running take more of them). */
#define PAR_PARTS_PER_THREAD 4
/* The part count travels in the low byte of gen and claim. */
#define PAR_MAX_PARTS 255

typedef struct {
  int M, N, K, sai, sap;
  const float *A, *B, *bias;
  float *C;
} GemmJob;

static struct {
  int gen;     /* job number · 256 + the job's part count: what sleeping workers wait on */
  int claim;   /* job number · 256 + the next unclaimed part (see par_claim) */
  int done;    /* parts of the current job finished; whoever finishes the last one notifies it */
  int ready;   /* workers inside mlp_worker */
  int quit;
  int threads; /* parts wanted per job (mlp_set_threads): 1 = everything on the calling thread */
  int main_can_wait; /* 0 where the calling thread may not block (a browser's main thread): it spins instead */
  int min_macs, min_rows; /* when a product is split: PAR_MIN_MACS and PAR_MIN_ROWS unless mlp_set_split says otherwise */
  int jobs;    /* products split so far (tests check that threads were really used) */
  int worker_parts; /* parts run by workers so far (the same) */
  int caller_one_part; /* tests: the calling thread claims one part only, so the workers must do the others */
  GemmJob job;
} par = {.threads = 1, .min_macs = PAR_MIN_MACS, .min_rows = PAR_MIN_ROWS};

/* The calling thread's packing scratch; each worker brings its own (mlp_worker's `pack`). */
static float main_pack[GEMM_PACK_FLOATS];

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define JOB_OF(word) ((unsigned)(word) & ~255u)
#define PARTS_OF(word) ((int)((unsigned)(word) & 255u))

/* Rows [lo, hi) of part `k` of `parts`, on multiples of 4. */
static void par_rows(int M, int k, int parts, int *lo, int *hi) {
  *lo = (int)(((long long)M * k / parts) & ~3);
  *hi = k + 1 == parts ? M : (int)(((long long)M * (k + 1) / parts) & ~3);
}

/*
 * The next unclaimed part of the job published as `gen`, or −1. The claim word carries the job number, so a
 * worker that wakes late — after that job is finished and the next one is being written — claims nothing: it never
 * reads a job's fields unless it holds one of its unfinished parts, and the caller does not write the next job
 * until every part is done.
 */
static int par_claim(int gen) {
  int c = LOAD(&par.claim);
  while (JOB_OF(c) == JOB_OF(gen) && PARTS_OF(c) < PARTS_OF(gen)) {
    if (__atomic_compare_exchange_n(&par.claim, &c, c + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return PARTS_OF(c);
  }
  return -1;
}

/* Claims and runs parts of job `gen` until none is left (or, with `once`, one part). */
static void par_work(int gen, float *pack, int once) {
  const int parts = PARTS_OF(gen);
  for (int k; (k = par_claim(gen)) >= 0;) {
    if (pack != main_pack) __atomic_add_fetch(&par.worker_parts, 1, __ATOMIC_SEQ_CST);
    const GemmJob *j = &par.job;
    int lo, hi;
    par_rows(j->M, k, parts, &lo, &hi);
    if (hi > lo) gemm(hi - lo, j->N, j->K, j->A + lo * j->sai, j->sai, j->sap, j->B, j->C + lo * j->N, j->bias, pack);
    if (__atomic_add_fetch(&par.done, 1, __ATOMIC_SEQ_CST) == parts) __builtin_wasm_memory_atomic_notify(&par.done, 1);
    if (once) return;
  }
}

/* gemm (gemm.h's contract), split across the threads when the product is large enough. */
static void par_gemm(int M, int N, int K, const float *A, int sai, int sap, const float *B, float *C, const float *bias) {
  const int ready = LOAD(&par.ready) + 1;
  int parts = (par.threads < ready ? par.threads : ready);
  if (parts > 1) parts *= PAR_PARTS_PER_THREAD;
  if (parts > PAR_MAX_PARTS) parts = PAR_MAX_PARTS;
  if (parts > M / par.min_rows) parts = M / par.min_rows;
  if (parts <= 1 || (long long)M * N * K < par.min_macs) {
    gemm(M, N, K, A, sai, sap, B, C, bias, main_pack);
    return;
  }
  par.job = (GemmJob){.M = M, .N = N, .K = K, .sai = sai, .sap = sap, .A = A, .B = B, .bias = bias, .C = C};
  par.jobs++;
  const int gen = (int)((JOB_OF(LOAD(&par.gen)) + 256u) | (unsigned)parts); /* wraps harmlessly */
  STORE(&par.done, 0);
  STORE(&par.claim, (int)JOB_OF(gen));
  /* Publishes the job (seq_cst: the writes above come first); only this thread writes gen. */
  STORE(&par.gen, gen);
  __builtin_wasm_memory_atomic_notify(&par.gen, (unsigned)-1);
  par_work(gen, main_pack, par.caller_one_part);
  /* Every part is claimed; the ones a worker holds are usually done or nearly: a short spin, then sleep. */
  for (int spin = 0; spin < 2000 && LOAD(&par.done) != parts; spin++) {
  }
  for (int done; (done = LOAD(&par.done)) != parts;) {
    if (par.main_can_wait) __builtin_wasm_memory_atomic_wait32(&par.done, done, -1);
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
   measurement (scripts/bench-split.ts) does too. With `caller_one_part` the calling thread leaves every other part
   to the workers (tests: so the workers' results are what the oracle checks, however fast the caller is). */
EXPORT("mlp_set_split") void mlp_set_split(int min_macs, int min_rows, int caller_one_part) {
  par.min_macs = min_macs < 0 ? 0 : min_macs;
  par.min_rows = min_rows < 4 ? 4 : min_rows;
  par.caller_one_part = caller_one_part != 0;
}

EXPORT("mlp_threads_jobs") int mlp_threads_jobs(void) { return par.jobs; }

EXPORT("mlp_threads_worker_parts") int mlp_threads_worker_parts(void) { return LOAD(&par.worker_parts); }

/* Wakes every worker and makes mlp_worker return (the backend is being disposed). */
EXPORT("mlp_threads_quit") void mlp_threads_quit(void) {
  STORE(&par.quit, 1);
  STORE(&par.gen, (int)(JOB_OF(LOAD(&par.gen)) + 256u));
  __builtin_wasm_memory_atomic_notify(&par.gen, (unsigned)-1);
}

/* A worker's life: sleeps until a job is published, helps with it, sleeps again, until quit. `pack` is its
   GEMM_PACK_FLOATS of scratch. */
EXPORT("mlp_worker") void mlp_worker(float *pack) {
  int seen = LOAD(&par.gen);
  __atomic_add_fetch(&par.ready, 1, __ATOMIC_SEQ_CST);
  for (;;) {
    int gen;
    while ((gen = LOAD(&par.gen)) == seen) __builtin_wasm_memory_atomic_wait32(&par.gen, seen, -1);
    seen = gen;
    if (LOAD(&par.quit)) return;
    par_work(gen, pack, 0);
  }
}

#endif
