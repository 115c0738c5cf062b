#!/usr/bin/env bash
# The lab's fused kernel, its onnxruntime backend and PyTorch side by side on bn3-shaped networks of width H and
# batch B, in one run:
#   bash scripts/compare-sizes.sh [SIZES] [ROUNDS]     e.g. bash scripts/compare-sizes.sh 100/32,512/256 3
# SIZES defaults to 100/32,256/128,512/256,1024/1024. Each size is measured in ROUNDS (default 2) rounds of
# fused 1 thread → fused N threads → onnxruntime 1 thread → onnxruntime N threads → PyTorch 1 thread → PyTorch
# 2 threads, interleaved so a burst of load hits every column alike; every figure is the best over rounds.
# "per CPU-s" is steps per CPU-second of the process (all its threads), which moves far less than wall-clock
# steps/s when other work shares the cores. "ratio (wall)" divides the best lab wall rate (either backend, any
# thread count) by the best PyTorch wall rate (1 or 2 threads); "fused / onnxruntime ratio per CPU-s" divide the
# per-CPU-second rates of that backend on 1 thread and 1-thread PyTorch (each one core's work).
# KERNEL=path/to/other.wasm times another kernel build; THREADS="1" skips the 2-thread PyTorch runs;
# FUSED_THREADS / ORT_THREADS="1 2" (default: 1 and the number of cores) set each backend's thread counts
# (ORT_THREADS="" leaves onnxruntime out).
# Needs Debian's python3-torch; the lab side is scripts/bench-sizes.ts, the PyTorch side scripts/bench-sizes.py.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-100/32,256/128,512/256,1024/1024}"
rounds="${2:-2}"
secs="${SECONDS_PER_RUN:-2}"
py=/usr/bin/python3
kernel=(); [ -n "${KERNEL:-}" ] && kernel=(--wasm "$KERNEL")
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node $(node --version), torch $("$py" -c 'import torch; print(torch.__version__)'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for size in ${sizes//,/ }; do
  for ((r = 0; r < rounds; r++)); do
    for ft in ${FUSED_THREADS-1 $(nproc)}; do
      npx tsx scripts/bench-sizes.ts --sizes "$size" --seconds "$secs" --repeats 1 --threads "$ft" "${kernel[@]}" >>"$out"
    done
    for ot in ${ORT_THREADS-1 $(nproc)}; do
      npx tsx scripts/bench-sizes.ts --impl onnxruntime --sizes "$size" --seconds "$secs" --repeats 1 --threads "$ot" >>"$out"
    done
    for t in ${THREADS:-1 2}; do "$py" scripts/bench-sizes.py --sizes "$size" --threads "$t" --seconds "$secs" --repeats 1 >>"$out"; done
  done
done
node - "$out" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const best = (pick, key) => rows.filter(pick).reduce((m, r) => Math.max(m, r[key]), 0);
const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const threadsOf = (impl) => [...new Set(rows.filter((r) => r.impl === impl).map((r) => r.threads))].sort((a, b) => a - b);
const labColumns = ['fused', 'onnxruntime'].flatMap((impl) => threadsOf(impl).map((t) => [impl, t]));
const head = labColumns.map(([impl, t]) => `${impl} ${t} thread${t > 1 ? 's' : ''} (per CPU-s)`);
console.log(`| H / B | MFLOP/step | ${head.join(' | ')} | PyTorch 1 thread (per CPU-s) | PyTorch 2 threads (per CPU-s) | ratio (wall) | fused ratio per CPU-s | onnxruntime ratio per CPU-s | best lab GFLOP/s (wall) |`);
console.log(`|---|---|${labColumns.map(() => '---|').join('')}---|---|---|---|---|---|`);
for (const key of [...new Set(rows.map((r) => `${r.hidden}/${r.batch}`))]) {
  const at = (impl, threads) => (r) => `${r.hidden}/${r.batch}` === key && r.impl === impl && (threads === undefined || r.threads === threads);
  const lab = (r) => `${r.hidden}/${r.batch}` === key && r.impl !== 'pytorch';
  const cell = (impl, t) => {
    const wall = best(at(impl, t), 'stepsPerSecond');
    return wall ? `${f(wall)} (${f(best(at(impl, t), 'stepsPerCpuSecond'))})` : '—';
  };
  const t1 = best(at('pytorch', 1), 'stepsPerSecond'), t1c = best(at('pytorch', 1), 'stepsPerCpuSecond');
  const t2 = best(at('pytorch', 2), 'stepsPerSecond');
  const perCpu = (impl) => {
    const c = best(at(impl, 1), 'stepsPerCpuSecond');
    return c && t1c ? `${(c / t1c).toFixed(2)}×` : '—';
  };
  const mflop = rows.find(lab).mflopPerStep;
  const ratio = t1 || t2 ? `${(best(lab, 'stepsPerSecond') / Math.max(t1, t2)).toFixed(2)}×` : '—';
  console.log(`| ${key} | ${f(mflop)} | ${labColumns.map(([impl, t]) => cell(impl, t)).join(' | ')} | ${cell('pytorch', 1)} | ${cell('pytorch', 2)} | ${ratio} | ${perCpu('fused')} | ${perCpu('onnxruntime')} | ${f(best(lab, 'gflops'))} |`);
}
JS
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
