#!/usr/bin/env bash
# One square matrix product (n×n · n×n, float32) in onnxruntime-node (MLAS) and in PyTorch (OpenBLAS), to
# judge whether an onnxruntime backend could overtake PyTorch at large widths before building one:
#   bash scripts/compare-matmul.sh [N…]      (default 512 1024)
# Prints GFLOP/s wall and per CPU-second for ORT on 1 and 2 intra-op threads and PyTorch on 1 thread.
# Needs Debian's python3-onnx (to write the one-node graph) and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-512 1024}"); [ $# -eq 0 ] && sizes=(512 1024)
dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir" "${sizes[@]}" <<'PY'
import sys, onnx
from onnx import helper, TensorProto
d = sys.argv[1]
for n in map(int, sys.argv[2:]):
    io = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [n, n])
    g = helper.make_graph([helper.make_node('MatMul', ['A', 'B'], ['Y'])], 'mm', [io('A'), io('B')], [io('Y')])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]); m.ir_version = 8
    onnx.checker.check_model(m); onnx.save(m, f'{d}/mm{n}.onnx')
PY
DIR="$dir" SIZES="${sizes[*]}" node - <<'JS'
const ort = require(require('path').resolve('node_modules/onnxruntime-node'));
(async () => {
  for (const n of process.env.SIZES.split(' ').map(Number)) for (const threads of [1, 2]) {
    const s = await ort.InferenceSession.create(`${process.env.DIR}/mm${n}.onnx`, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    const t = () => new ort.Tensor('float32', Float32Array.from({ length: n * n }, () => Math.random()), [n, n]);
    const feeds = { A: t(), B: t() };
    await s.run(feeds);
    let reps = 0; const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
    while (Number(process.hrtime.bigint() - t0) < 2e9) { await s.run(feeds); reps++; }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9; const u = process.cpuUsage(c0);
    const gflop = (2 * n ** 3 * reps) / 1e9;
    console.log(`onnxruntime-node n=${n} threads=${threads}: ${(gflop / wall).toFixed(1)} GFLOP/s wall, ${(gflop / ((u.user + u.system) / 1e6)).toFixed(1)} per CPU-s`);
    await s.release();
  }
})();
JS
/usr/bin/python3 - "${sizes[@]}" <<'PY'
import sys, time, torch
torch.set_num_threads(1)
for n in map(int, sys.argv[1:]):
    a, b = torch.rand(n, n), torch.rand(n, n); a @ b
    t, c, r = time.time(), time.process_time(), 0
    while time.time() - t < 2: a @ b; r += 1
    g = 2 * n ** 3 * r / 1e9
    print(f"pytorch n={n} threads=1: {g / (time.time() - t):.1f} GFLOP/s wall, {g / (time.process_time() - c):.1f} per CPU-s")
PY
