/**
 * The committed resources/kernel/mlp.wasm and mlp-relaxed.wasm must be exactly what native/kernel/*.c compiles to, so the binary
 * every user runs is the reviewed source. Needs clang + lld (CI installs them); skipped where they are absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const hasClang =
  spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0 && spawnSync('llvm-objdump', ['--version']).status === 0;

describe.skipIf(!hasClang)('fused kernel binary', () => {
  it('is up to date with its C source (both builds: plain and relaxed SIMD)', () => {
    const dir = tempDir();
    execFileSync('bash', [path.join(REPO_ROOT, 'native/kernel/build.sh')], { env: { ...process.env, OUT: path.join(dir, 'mlp.wasm') }, stdio: 'pipe' });
    for (const file of ['mlp.wasm', 'mlp-relaxed.wasm']) {
      const rebuilt = readFileSync(path.join(dir, file));
      const committed = readFileSync(path.join(REPO_ROOT, 'resources/kernel', file));
      expect(rebuilt.equals(committed), `run \`npm run build:kernel\` and commit resources/kernel/${file}`).toBe(true);
    }
  });
});
