#!/usr/bin/env bash
# Builds the fused kernel from native/kernel/*.c (clang 14 + lld; the binaries are committed so the app and CI
# need no C toolchain), in two flavours:
#   resources/kernel/mlp.wasm          plain WebAssembly SIMD: runs on every runtime with SIMD and threads
#   resources/kernel/mlp-relaxed.wasm  the same with relaxed SIMD's fused multiply-add in the matrix products
#                                      (gemm.h, MLP_RELAXED_FMA); kernelModule.ts loads it where the runtime has
#                                      relaxed SIMD and falls back to the plain one otherwise
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
# OUT overrides the plain build's destination, the relaxed one goes next to it (the up-to-date test builds into
# a temporary folder and compares).
out="${OUT:-$root/resources/kernel/mlp.wasm}"
relaxed="$(dirname "$out")/mlp-relaxed.wasm"
mkdir -p "$(dirname "$out")"
build() {
  local dest="$1"; shift
  "${CLANG:-clang}" --target=wasm32 -O3 -msimd128 -mbulk-memory -matomics -mmutable-globals "$@" \
    -nostdlib -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--export=__heap_base -Wl,--export=__stack_pointer -Wl,-z,stack-size=65536 \
    -Wl,--shared-memory -Wl,--import-memory -Wl,--initial-memory=1048576 -Wl,--max-memory=4294967296 \
    -Wl,--strip-all \
    -o "$dest" "$here/mlp.c"
  echo "wrote $dest ($(wc -c <"$dest") bytes)"
}
build "$out"
build "$relaxed" -mrelaxed-simd -DMLP_RELAXED_FMA
# clang 14 encodes the multiply-add as the relaxed-SIMD proposal's early f32x4.fma (0xfd 0xaf 0x01); today's
# runtimes know it as f32x4.relaxed_madd (0xfd 0x85 0x02), same operands, same result a·b + c. The byte pattern
# is rewritten only if it occurs exactly as often as the disassembler counts the instruction, so no immediate
# or data byte that happens to look like it is ever touched.
fmas="$("${OBJDUMP:-llvm-objdump}" -d "$relaxed" | grep -c 'f32x4.fma' || true)"
node - "$relaxed" "$fmas" <<'JS'
const fs = require('fs');
const [file, expected] = [process.argv[2], Number(process.argv[3])];
const bytes = fs.readFileSync(file);
const at = [];
for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0xaf && bytes[i + 2] === 0x01) at.push(i);
if (expected === 0 || at.length !== expected) {
  console.error(`build.sh: ${file} has ${at.length} f32x4.fma byte patterns but the disassembler counts ${expected} instructions; not rewriting`);
  process.exit(1);
}
for (const i of at) bytes.set([0xfd, 0x85, 0x02], i);
fs.writeFileSync(file, bytes);
console.log(`rewrote ${at.length} f32x4.fma → f32x4.relaxed_madd in ${file}`);
JS
