/**
 * The committed resources/kernel/mlp.wasm must be exactly what native/kernel/*.c compiles to, so the binary
 * every user runs is the reviewed source. Needs clang + lld (CI installs them); skipped where they are absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/fixtures.js';

const hasClang = spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0;

describe.skipIf(!hasClang)('fused kernel binary', () => {
  it('is up to date with its C source', () => {
    const out = path.join(tempDir(), 'mlp.wasm');
    execFileSync('bash', [path.join(REPO_ROOT, 'native/kernel/build.sh')], { env: { ...process.env, OUT: out }, stdio: 'pipe' });
    const rebuilt = readFileSync(out);
    const committed = readFileSync(path.join(REPO_ROOT, 'resources/kernel/mlp.wasm'));
    expect(rebuilt.equals(committed), 'run `npm run build:kernel` and commit resources/kernel/mlp.wasm').toBe(true);
  });
});
