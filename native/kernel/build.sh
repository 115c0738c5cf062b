#!/usr/bin/env bash
# Builds resources/kernel/mlp.wasm from native/kernel/*.c (clang 14 + lld; the binary is committed so the
# app and CI need no C toolchain).
#
# The memory is SHARED and IMPORTED (env.memory): the wrapper creates one WebAssembly.Memory per backend and
# every thread of that backend (compute/fused/kernelThreads.ts) instantiates this module on it. With shared
# memory wasm-ld makes the data segments passive and initialises them once, on the first instantiation, so a
# worker joining later does not reset the statics. INITIAL_PAGES in kernelModule.ts must cover --initial-memory;
# the maximum is all of wasm32's 4 GiB (reserved, not committed: the wrapper grows it as it allocates).
# __stack_pointer is exported so each worker moves its stack to a region of its own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# OUT overrides the destination (the up-to-date test builds into a temporary folder and compares).
out="${OUT:-$root/resources/kernel/mlp.wasm}"
mkdir -p "$(dirname "$out")"
"${CLANG:-clang}" --target=wasm32 -O3 -msimd128 -mbulk-memory -matomics -mmutable-globals \
  -nostdlib -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--export=__stack_pointer -Wl,-z,stack-size=65536 \
  -Wl,--shared-memory -Wl,--import-memory -Wl,--initial-memory=1048576 -Wl,--max-memory=4294967296 \
  -Wl,--strip-all \
  -o "$out" "$here/mlp.c"
echo "wrote $out ($(wc -c <"$out") bytes)"
