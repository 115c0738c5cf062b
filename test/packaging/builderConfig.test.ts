/**
 * electron-builder.yml, read as electron-builder reads it: the Electron fuses the packaged binary gets, and the
 * per-platform `files` lists (electron-builder lets a platform's list replace the top-level one, so each platform
 * carries the whole list): they may differ only in which onnxruntime-node binaries they keep, and each keeps
 * exactly its own platform/arch — checked with electron-builder's own file matcher.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { builderConfig, REPO } from './packApp.js';

const require = createRequire(import.meta.url);
const { FileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (
    from: string,
    to: string,
    macroExpander: (pattern: string) => string,
  ) => { addPattern(p: string): void; createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean };
};

const config = builderConfig() as {
  electronFuses: Record<string, boolean>;
  asarUnpack: string[];
  files?: unknown;
  linux: { files: string[] };
  mac: { files: string[] };
  win: { files: string[] };
};

describe('Electron fuses', () => {
  it('turn the app into no general Node runtime, load only the integrity-checked asar, encrypt cookies', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
    });
  });
});

const ORT_BINARIES: Record<string, string[]> = {
  'linux/x64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
  'linux/arm64': ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
  'darwin/arm64': ['libonnxruntime.1.dylib', 'onnxruntime_binding.node'],
  'win32/x64': ['onnxruntime.dll', 'onnxruntime_binding.node'],
  'win32/arm64': ['onnxruntime.dll', 'onnxruntime_binding.node'],
};
const ORT_DIR: Record<'linux' | 'mac' | 'win', string> = { linux: 'linux', mac: 'darwin', win: 'win32' };

/**
 * Whether electron-builder would pack this file for this platform/arch, by its own matcher and macro expansion.
 * Like electron-builder (getNodeModuleFileMatcher), node_modules files are matched against "**\/*" plus only
 * the exclusions; the app's own files against the whole list.
 */
function packs(platform: 'linux' | 'mac' | 'win', arch: string, relative: string): boolean {
  const matcher = new FileMatcher(REPO, '/app', (p) => p.replace(/\$\{arch\}/g, arch).replace(/\$\{os\}/g, platform));
  const patterns = relative.startsWith('node_modules/') ? ['**/*', ...config[platform].files.filter((p) => p.startsWith('!'))] : config[platform].files;
  for (const p of patterns) matcher.addPattern(p);
  const filter = matcher.createFilter();
  return filter(`${REPO}/${relative}`, { isDirectory: () => false });
}

describe('files per platform', () => {
  it('has no top-level list that a platform list would silently replace', () => {
    expect(config.files).toBeUndefined();
  });

  it('the three lists are the same apart from the onnxruntime-node binary lines', () => {
    const common = (list: string[]) => list.filter((p) => !p.includes('onnxruntime-node/bin/'));
    expect(common(config.mac.files)).toEqual(common(config.linux.files));
    expect(common(config.win.files)).toEqual(common(config.linux.files));
  });

  it("each target keeps exactly its own onnxruntime-node binaries", () => {
    for (const [platform, archs] of [
      ['linux', ['x64', 'arm64']],
      ['mac', ['arm64']],
      ['win', ['x64', 'arm64']],
    ] as const) {
      for (const arch of archs) {
        const own = `${ORT_DIR[platform]}/${arch}`;
        for (const [pair, names] of Object.entries(ORT_BINARIES)) {
          for (const name of names) {
            const file = `node_modules/onnxruntime-node/bin/napi-v6/${pair}/${name}`;
            expect(packs(platform, arch, file), `${platform} ${arch}: ${file}`).toBe(pair === own);
          }
        }
      }
    }
  });

  it('macOS leaves out the duplicate libonnxruntime.1.30.0.dylib (the binding links libonnxruntime.1.dylib)', () => {
    const dir = 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64';
    expect(packs('mac', 'arm64', `${dir}/libonnxruntime.1.dylib`)).toBe(true);
    expect(packs('mac', 'arm64', `${dir}/libonnxruntime.1.30.0.dylib`)).toBe(false);
  });

  it("keeps TensorFlow.js's Node bundles and .wasm, drops its browser bundles; keeps the build output", () => {
    for (const platform of ['linux', 'mac', 'win'] as const) {
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs/dist/tf.node.js')).toBe(true);
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js')).toBe(true);
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')).toBe(true);
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs/dist/tf.min.js')).toBe(false);
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs-core/dist/ops/add.js')).toBe(false);
      expect(packs(platform, 'x64', 'node_modules/@tensorflow/tfjs-node/dist/index.js')).toBe(true);
      expect(packs(platform, 'x64', 'out/main/index.js')).toBe(true);
      expect(packs(platform, 'x64', 'resources/kernel/mlp.wasm')).toBe(true);
      expect(packs(platform, 'x64', 'electron/main/index.ts')).toBe(false);
    }
  });
});
