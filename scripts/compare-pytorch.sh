#!/usr/bin/env bash
# Side-by-side speed of this lab and the PyTorch reference on the same machine, in one run.
#   bash scripts/compare-pytorch.sh [STEPS]        (needs Debian's python3-torch + libopenblas0-pthread)
# For bn3-shaped networks of any width H and batch B, side by side: scripts/compare-sizes.sh.
# Prints one markdown table row per measurement; docs/performance.md holds the table we measured.
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-5000}"
names="${NAMES:-../shared/data/names.txt}"
ref="${REFERENCE:-../shared/reference/seed_reference.py}"
py=/usr/bin/python3

echo "| preset | implementation | backend | steps/s | steps/s with inspectors |"
echo "|---|---|---|---|---|"
for pair in "zero-init:zero" "bn3-fold:bn3"; do
  preset="${pair%%:*}"; exercise="${pair##*:}"
  if [ -x "$py" ] && [ -f "$ref" ]; then
    sps=$("$py" "$ref" "$exercise" --steps "$steps" --names "$names" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["steps_per_s"])')
    echo "| $preset | PyTorch $("$py" -c 'import torch; print(torch.__version__)') (1 thread) | OpenBLAS | $sps | — |"
  fi
  for backend in fused wasm cpu; do
    n="$steps"; [ "$backend" = cpu ] && n=$(( steps / 10 ))
    json=$(npm run -s lab -- bench --preset "$preset" --steps "$n" --backend "$backend" --data "$names" --json | tail -n 1)
    node -e 'const r = JSON.parse(process.argv[1]); console.log(`| ${r.preset} | Makemore Lab | ${r.backend} | ${r.stepsPerSecond.toFixed(0)} | ${r.stepsPerSecondInspecting.toFixed(0)} (${r.inspectOverhead >= 0 ? "+" : ""}${(100 * r.inspectOverhead).toFixed(1)}% time) |`)' "$json"
  done
done
# SIZES=100/32,1024/1024 also runs the width/batch comparison (scripts/compare-sizes.sh) after the presets.
if [ -n "${SIZES:-}" ]; then echo; bash scripts/compare-sizes.sh "$SIZES"; fi
