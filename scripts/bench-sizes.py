#!/usr/bin/env python3
"""PyTorch counterpart of scripts/bench-sizes.ts: the seed's bn3 network (embedding 10, block 3, two
Linear(no bias)+BatchNorm+tanh hidden layers of width H, Linear+BatchNorm output, the lecture's own
module code) trained by SGD at batch B on random contexts over 27 tokens.

Usage: /usr/bin/python3 scripts/bench-sizes.py --sizes 100/32,512/256 --threads 1 [--seconds S] [--repeats R]
Prints one JSON object per size: best-of-R wall steps/s and steps per CPU-second (all threads' CPU time).
"""
import argparse, json, os, sys, time
import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--sizes", default="100/32,256/128,512/256,1024/1024")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--seconds", type=float, default=2.0)
ap.add_argument("--repeats", type=int, default=3)
a = ap.parse_args()
# Debian's pthread OpenBLAS keeps its own thread pool beside torch's: pin it to the same count, or "1 thread" runs
# spin extra threads (on a loaded 2-core machine we measured 190 instead of 1,400 steps per CPU-second at 100/32).
if os.environ.get("OPENBLAS_NUM_THREADS") != str(a.threads):
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.execv(sys.executable, [sys.executable] + sys.argv)
torch.set_num_threads(a.threads)
V, block, n_embd = 27, 3, 10
g = torch.Generator().manual_seed(2147483647)

class Linear:
    def __init__(s, fi, fo):
        s.weight = torch.randn((fi, fo), generator=g) / fi ** 0.5
    def __call__(s, x): return x @ s.weight
    def parameters(s): return [s.weight]

class BN:
    def __init__(s, d, eps=1e-5, momentum=0.1):
        s.eps, s.m = eps, momentum
        s.gamma, s.beta = torch.ones(d), torch.zeros(d)
        s.rm, s.rv = torch.zeros(d), torch.ones(d)
    def __call__(s, x):
        xm, xv = x.mean(0, keepdim=True), x.var(0, keepdim=True)
        out = s.gamma * (x - xm) / torch.sqrt(xv + s.eps) + s.beta
        with torch.no_grad():
            s.rm = (1 - s.m) * s.rm + s.m * xm
            s.rv = (1 - s.m) * s.rv + s.m * xv
        return out
    def parameters(s): return [s.gamma, s.beta]

for size in a.sizes.split(","):
    H, B = map(int, size.split("/"))
    C = torch.randn((V, n_embd), generator=g)
    layers = [Linear(n_embd * block, H), BN(H), torch.tanh, Linear(H, H), BN(H), torch.tanh, Linear(H, V), BN(V)]
    params = [C] + [p for l in layers if hasattr(l, "parameters") for p in l.parameters()]
    for p in params: p.requires_grad = True
    X = torch.randint(0, V, (16, B, block), generator=g)
    Y = torch.randint(0, V, (16, B), generator=g)
    def step(i):
        x = C[X[i % 16]].view(B, -1)
        for l in layers: x = l(x)
        loss = F.cross_entropy(x, Y[i % 16])
        for p in params: p.grad = None
        loss.backward()
        for p in params: p.data += -0.01 * p.grad
    t0 = time.time(); i = 0
    while i < 3 or time.time() - t0 < 0.3: step(i); i += 1
    best = best_cpu = 0.0
    for r in range(a.repeats):
        t0, c0, n = time.time(), time.process_time(), 0
        while n < 3 or time.time() - t0 < a.seconds: step(n); n += 1
        best = max(best, n / (time.time() - t0)); best_cpu = max(best_cpu, n / (time.process_time() - c0))
    flops = 6 * B * (n_embd * block * H + H * H + H * V)
    print(json.dumps({"impl": "pytorch", "threads": a.threads, "hidden": H, "batch": B,
                      "stepsPerSecond": round(best, 2), "stepsPerCpuSecond": round(best_cpu, 2),
                      "gflops": round(best * flops / 1e9, 2)}), flush=True)
