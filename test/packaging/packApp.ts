/**
 * Assembles the unpacked app (electron-builder `--dir`) offline, from electron-builder.yml as committed, for any
 * platform/arch: Electron itself is replaced by a placeholder folder (`electronDist`), native modules are not
 * rebuilt and fuses are not flipped (both need the real Electron binary). What lands in resources/ — app.asar
 * and app.asar.unpacked — is exactly what the installer would ship besides Electron.
 */
import { build, Platform, type Arch as ArchEnum } from 'electron-builder';
import { Arch } from 'builder-util';
import { listPackage, statFile } from '@electron/asar';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// electron-builder's own YAML reader (a dependency of app-builder-lib; it ships no types).
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

export const REPO = path.resolve(import.meta.dirname, '../..');

export type Target = { platform: 'linux' | 'mac' | 'win'; arch: 'x64' | 'arm64' };

export interface PackedApp {
  /** Files inside app.asar (relative to the app root, '/'-separated), with their sizes. */
  asar: Map<string, number>;
  /** Files in app.asar.unpacked (relative to it), with their sizes. */
  unpacked: Map<string, number>;
  /** Bytes of the app's own files: app.asar plus app.asar.unpacked (everything but Electron). */
  appBytes: number;
}

export function builderConfig(): Record<string, unknown> {
  return yaml.load(readFileSync(path.join(REPO, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
}

/** A folder standing in for Electron's distribution: an executable with the name electron-builder renames. */
function placeholderElectron(dir: string, platform: Target['platform']): string {
  mkdirSync(dir, { recursive: true });
  if (platform === 'mac') {
    const app = path.join(dir, 'Electron.app', 'Contents');
    mkdirSync(path.join(app, 'MacOS'), { recursive: true });
    mkdirSync(path.join(app, 'Resources'), { recursive: true });
    mkdirSync(path.join(app, 'Frameworks'), { recursive: true });
    writeFileSync(path.join(app, 'MacOS', 'Electron'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(
      path.join(app, 'Info.plist'),
      '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>CFBundleExecutable</key><string>Electron</string>' +
        '<key>CFBundleIdentifier</key><string>com.github.Electron</string><key>CFBundleName</key><string>Electron</string></dict></plist>',
    );
  } else {
    writeFileSync(path.join(dir, platform === 'win' ? 'electron.exe' : 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    mkdirSync(path.join(dir, 'resources'), { recursive: true });
  }
  writeFileSync(path.join(dir, 'version'), '45.5.0');
  return dir;
}

function walk(dir: string, base = dir, out = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, base, out);
    else out.set(path.relative(base, p).split(path.sep).join('/'), statSync(p).size);
  }
  return out;
}

function asarFiles(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of listPackage(file, { isPack: false })) {
    const rel = entry.replace(/\\/g, '/').replace(/^\//, '');
    const info = statFile(file, rel, false) as { size?: number; files?: unknown; unpacked?: boolean };
    if (info.files !== undefined || info.size === undefined || info.unpacked) continue;
    out.set(rel, info.size);
  }
  return out;
}

/** Runs electron-builder for one target into `workDir` and lists what it packed. */
export async function packApp(target: Target, workDir: string): Promise<PackedApp> {
  const electronDist = placeholderElectron(path.join(workDir, `electron-${target.platform}`), target.platform);
  const output = path.join(workDir, `out-${target.platform}-${target.arch}`);
  const platform = { linux: Platform.LINUX, mac: Platform.MAC, win: Platform.WINDOWS }[target.platform];
  const arch: ArchEnum = Arch[target.arch];
  try {
    await build({
      projectDir: REPO,
      targets: platform.createTarget('dir', arch),
      // Overrides only: electron-builder reads electron-builder.yml itself and merges these on top.
      config: {
        electronVersion: '45.5.0',
        electronDist,
        npmRebuild: false,
        electronFuses: null,
        directories: { output, buildResources: 'build' },
        mac: { identity: null },
      },
      publish: 'never',
    });
  } catch (e) {
    // On Windows and macOS electron-builder goes on to patch Electron's own executable (asar integrity resource,
    // Info.plist), which the placeholder is not; by then app.asar and app.asar.unpacked are complete.
    if (target.platform === 'linux' || !hasAsar(output)) throw e;
  }
  const resources = findResources(output);
  const asar = asarFiles(path.join(resources, 'app.asar'));
  const unpacked = walk(path.join(resources, 'app.asar.unpacked'));
  const appBytes = statSync(path.join(resources, 'app.asar')).size + [...unpacked.values()].reduce((a, b) => a + b, 0);
  return { asar, unpacked, appBytes };
}

function hasAsar(dir: string): boolean {
  try {
    findResources(dir);
    return true;
  } catch {
    return false;
  }
}

/** The folder holding app.asar in electron-builder's output (linux-unpacked/resources, mac/*.app/Contents/Resources, …). */
function findResources(dir: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const p = path.join(dir, entry.name);
    if (readdirSync(p).includes('app.asar')) return p;
    try {
      return findResources(p);
    } catch {
      // keep looking
    }
  }
  throw new Error(`no app.asar under ${dir}`);
}
