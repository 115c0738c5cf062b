#!/usr/bin/env bash
# Builds resources/kernel/mlp.wasm from native/kernel/*.c (clang 14 + lld; the binary is committed so the
# app and CI need no C toolchain). Memory is exported and growable; the TypeScript wrapper allocates above
# __heap_base and grows it as needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# OUT overrides the destination (the up-to-date test builds into a temporary folder and compares).
out="${OUT:-$root/resources/kernel/mlp.wasm}"
mkdir -p "$(dirname "$out")"
"${CLANG:-clang}" --target=wasm32 -O3 -msimd128 -mbulk-memory \
  -nostdlib -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,-z,stack-size=65536 -Wl,--strip-all \
  -o "$out" "$here/mlp.c"
echo "wrote $out ($(wc -c <"$out") bytes)"
