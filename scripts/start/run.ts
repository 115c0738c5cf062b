/**
 * `npm start` (through scripts/start.js): build if the sources changed since the last build, then open the
 * desktop app. Where Electron's binary is missing and cannot be downloaded, say so on one line and serve the
 * same UI to the default browser instead (`lab serve` on a free loopback port, with the desktop app's data
 * folder). Ctrl+C stops either cleanly. The decisions are in plan.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUILD_OUTPUTS,
  BUILD_SOURCES,
  browserOpener,
  downloadDecision,
  downloadFailureReason,
  electronBinary,
  electronUserDataDir,
  fallbackLine,
  needsBuild,
  type ElectronFiles,
} from './plan.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electronDir = path.join(repo, 'node_modules', 'electron');

function mtime(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** Newest modification time under the given files and folders (node_modules skipped). */
function newestMtime(entries: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules') visit(path.join(p, name));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  for (const e of entries) visit(path.join(repo, e));
  return newest;
}

function buildIfNeeded(): void {
  const outputs = BUILD_OUTPUTS.map((f) => mtime(path.join(repo, f)));
  if (!needsBuild(outputs, newestMtime(BUILD_SOURCES))) return;
  console.log('Building the app (electron-vite build)…');
  const cli = path.join(repo, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build', '--logLevel', 'error'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write(`npm start: the build failed (electron-vite build exited with ${result.status ?? result.signal}); see the errors above\n`);
    process.exit(1);
  }
}

const electronFiles: ElectronFiles = {
  read: (relative) => {
    try {
      return readFileSync(path.join(electronDir, relative), 'utf8');
    } catch {
      return null;
    }
  },
  exists: (relative) => existsSync(path.join(electronDir, relative)),
};

function electronVersion(): string {
  return (JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The Electron executable, downloading it first where allowed; otherwise why there is none. */
function findOrFetchElectron(): { executable: string } | { reason: string } {
  if (!existsSync(path.join(electronDir, 'package.json'))) return { reason: "the electron package is not installed (run 'npm install')" };
  const version = electronVersion();
  const found = electronBinary(electronFiles, version);
  if (found.installed) return { executable: path.join(electronDir, found.executable) };
  const decision = downloadDecision(process.env, process.versions.node);
  if (!decision.download) return { reason: `${found.reason}; ${decision.reason}` };
  console.log(`Downloading Electron ${version} (first start only)…`);
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { cwd: electronDir, encoding: 'utf8', timeout: 10 * 60_000 });
  const after = electronBinary(electronFiles, version);
  if (result.status === 0 && after.installed) return { executable: path.join(electronDir, after.executable) };
  return { reason: `${found.reason}; the download failed: ${downloadFailureReason(`${result.stderr ?? ''}\n${result.stdout ?? ''}`)}` };
}

/** Exits with the child's code; Ctrl+C reaches the child through the terminal, a kill of this process is passed on. */
function runElectron(executable: string): void {
  const child = spawn(executable, ['.'], { cwd: repo, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, command)));
}

function openInBrowser(url: string): void {
  const opener = browserOpener(url, process.platform, process.env, onPath);
  if (!opener) return;
  try {
    const child = spawn(opener.command, opener.args, { stdio: 'ignore', detached: true });
    child.on('error', () => {}); // no browser is not an error: the URL is printed
    child.unref();
  } catch {
    // same
  }
}

async function runInBrowser(): Promise<void> {
  const { startServer } = await import('../../electron/serve/index.js');
  const productName = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { productName: string }).productName;
  const dataDir = electronUserDataDir(productName, process.platform, process.env, os.homedir());
  const server = await startServer({ port: 0, dataDir });
  console.log(`Makemore Lab is serving at ${server.url}`);
  console.log(`Data folder: ${dataDir}. Press Ctrl+C to stop.`);
  openInBrowser(server.url);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  buildIfNeeded();
  const electron = findOrFetchElectron();
  if ('executable' in electron) return runElectron(electron.executable);
  console.log(fallbackLine(electron.reason));
  await runInBrowser();
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start: ${(e as Error).message ?? e}\n`);
  process.exit(1);
});
