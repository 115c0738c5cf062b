/**
 * `lab presets | head -0`: the reader closes the pipe before lab writes. lab stops quietly with exit 0, as Unix
 * tools do, instead of dying on EPIPE with a stack trace.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('exits 0 without a stack trace when stdout is closed before it writes', async () => {
  const child = spawn(process.execPath, [path.join(repo, 'scripts/lab.js'), 'presets'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first write
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
