/**
 * `npm install` on a fresh clone must not run onnxruntime-node's CUDA download, with any npm: npm 11 through
 * package.json "allowScripts", older npm through the committed .npmrc, whose setting reaches the script as an
 * npm_config_* variable. Checked against onnxruntime-node's own flag parser, and every dependency with an install
 * script is a deliberate allow or deny (so npm 11 has nothing "not yet covered by allowScripts").
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
const require = createRequire(import.meta.url);

/** key=value lines of an .npmrc, comments and blanks skipped. */
function npmrc(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    const eq = t.indexOf('=');
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

/** How npm hands a config key to lifecycle scripts. */
const envName = (key: string) => `npm_config_${key.replace(/-/g, '_')}`;

const ORT_ENV = ['ONNXRUNTIME_NODE_INSTALL', 'ONNXRUNTIME_NODE_INSTALL_CUDA', 'npm_config_onnxruntime_node_install', 'npm_config_onnxruntime_node_install_cuda'];
const saved = Object.fromEntries(ORT_ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ORT_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe("onnxruntime-node's install script never downloads CUDA libraries", () => {
  const { parseInstallFlag } = require(path.join(repo, 'node_modules/onnxruntime-node/script/install-utils.js')) as { parseInstallFlag(): unknown };

  it('the .npmrc setting makes its own parser answer "skip" (false)', () => {
    for (const k of ORT_ENV) delete process.env[k];
    // Without any setting, Linux x64 would install the cuda12 manifest (undefined = "look at the metadata").
    expect(parseInstallFlag()).toBeUndefined();
    for (const [key, value] of Object.entries(npmrc(path.join(repo, '.npmrc')))) process.env[envName(key)] = value;
    expect(parseInstallFlag()).toBe(false);
  });

  it('npm 11 denies the script outright', () => {
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });
});

describe('allowScripts', () => {
  it('decides for every locked package that has an install script, by name only (npm refuses ranges)', () => {
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([p, meta]) => p && meta.hasInstallScript)
      .map(([p]) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(3);
    for (const name of withScripts) expect(typeof pkg.allowScripts[name], name).toBe('boolean');
    for (const key of Object.keys(pkg.allowScripts)) expect(key).toMatch(/^(@[\w.-]+\/)?[\w.-]+$/);
  });

  it("allows what must run where it can: tfjs-node's libtensorflow, esbuild's binary check, electron", () => {
    for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'esbuild', 'electron']) expect(pkg.allowScripts[name], name).toBe(true);
  });
});

describe('the lab command', () => {
  it('is a bin entry whose launcher exists and is executable', () => {
    expect(pkg.bin.lab).toBe('scripts/lab.js');
    const mode = require('node:fs').statSync(path.join(repo, pkg.bin.lab)).mode;
    expect(mode & 0o111).not.toBe(0);
    expect(readFileSync(path.join(repo, pkg.bin.lab), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('runs from any folder without tsx on the PATH: lab --version prints the package version', () => {
    const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.includes('node_modules')).join(path.delimiter);
    const r = spawnSync(process.execPath, [path.join(repo, pkg.bin.lab), '--version'], { cwd: os.tmpdir(), env: { ...process.env, PATH }, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(r.status).toBe(0);
  }, 60_000);
});
