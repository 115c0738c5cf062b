/**
 * The engine must run the same in the app, the CLI and the tests: nothing under electron/engine may import
 * Electron (directly or through a relative import that leaves the engine folder).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const engineDir = path.resolve(__dirname, '../../electron/engine');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

const importRe = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;

describe('engine isolation', () => {
  const files = sourceFiles(engineDir);

  it('finds the engine sources', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [path.relative(engineDir, f), f]))('%s imports neither Electron nor code outside the engine', (_rel, file) => {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importRe)) {
      const spec = match[1];
      expect(spec === 'electron' || spec.startsWith('electron/'), `${file} imports ${spec}`).toBe(false);
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        expect(target.startsWith(engineDir), `${file} imports ${spec} from outside the engine`).toBe(true);
      }
    }
  });
});
