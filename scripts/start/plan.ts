/**
 * The decisions `npm start` makes, as pure functions (run.ts does the I/O; test/packaging/start.test.ts checks
 * each decision): is the build current, is Electron's binary there or can it be fetched, where the desktop app
 * keeps its data, and how to open a URL in the default browser.
 */
import path from 'node:path';
import { isAtLeast, MIN_NODE_ELECTRON_DOWNLOAD } from '../node-version.js';

/** What the build writes last and what the app loads first: if any is missing the build is not there. */
export const BUILD_OUTPUTS = ['out/main/index.js', 'out/main/trainWorker.js', 'out/main/jobWorker.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
/** Everything electron-vite builds from (folders are walked, node_modules skipped). */
export const BUILD_SOURCES = ['electron', 'renderer', 'electron.vite.config.ts', 'package.json'];

/**
 * Build when an output is missing or any source is newer than the oldest output (electron-vite rewrites all
 * of out/ on each build, so the oldest output is when the last complete build ended).
 */
export function needsBuild(outputMtimes: (number | null)[], newestSourceMtime: number): boolean {
  if (outputMtimes.length === 0 || outputMtimes.some((m) => m === null)) return true;
  return newestSourceMtime > Math.min(...(outputMtimes as number[]));
}

/** Read access to node_modules/electron, injected so the decision is testable. */
export interface ElectronFiles {
  /** Contents of a file under node_modules/electron, or null when it does not exist. */
  read(relative: string): string | null;
  exists(relative: string): boolean;
}

export type ElectronBinary = { installed: true; executable: string } | { installed: false; reason: string };

/**
 * Mirrors electron/install.js's own check: path.txt names the executable under dist/, dist/version is this
 * package's version, and the executable exists. (Electron 45 has no install script: its binary is downloaded on
 * first use, which is what run.ts tries next when it is missing.)
 */
export function electronBinary(files: ElectronFiles, electronVersion: string): ElectronBinary {
  const relative = files.read('path.txt');
  if (relative === null) return { installed: false, reason: 'never downloaded' };
  const installedVersion = files.read('dist/version')?.trim().replace(/^v/, '');
  if (installedVersion !== electronVersion) {
    return { installed: false, reason: `the downloaded one is not version ${electronVersion}` };
  }
  const executable = path.join('dist', relative.trim());
  if (!files.exists(executable)) return { installed: false, reason: `node_modules/electron/${executable} is missing` };
  return { installed: true, executable };
}

/**
 * Whether to try downloading Electron's binary now, or why not. ELECTRON_SKIP_BINARY_DOWNLOAD=1 is the README's
 * way of saying "never download Electron here".
 */
export function downloadDecision(env: NodeJS.ProcessEnv, nodeVersion: string): { download: true } | { download: false; reason: string } {
  const skip = env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  if (skip && skip !== '0' && skip !== 'false') return { download: false, reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  if (!isAtLeast(nodeVersion, MIN_NODE_ELECTRON_DOWNLOAD)) {
    return { download: false, reason: `downloading it needs Node.js ${MIN_NODE_ELECTRON_DOWNLOAD} or newer, this is ${nodeVersion.replace(/^v/, '')}` };
  }
  return { download: true };
}

/** The first line of a failed download's output that says what went wrong (no stack frames). */
export function downloadFailureReason(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !/^Downloading/i.test(l));
  const cause = lines.find((l) => /\b(E[A-Z]{3,}|getaddrinfo|fetch failed|status|timed? ?out|certificate)\b/i.test(l)) ?? lines[0];
  return cause ? cause.slice(0, 160) : 'no output';
}

/** The one line printed before falling back to the browser. */
export function fallbackLine(reason: string): string {
  return `Electron's binary is not available (${reason}): starting the lab in your browser instead (same data as the desktop app).`;
}

/**
 * Electron's `app.getPath('userData')` for this app — `appData` joined with the app name (package.json
 * productName) — so the browser fallback sees the same runs and presets as the desktop app.
 */
export function electronUserDataDir(productName: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), productName);
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', productName);
  const config = env.XDG_CONFIG_HOME && path.posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.posix.join(home, '.config');
  return path.posix.join(config, productName);
}

export interface OpenCommand {
  command: string;
  args: string[];
}

/**
 * How to open `url` in the default browser, or null when there is no browser to open it in: BROWSER=none,
 * or a Linux/BSD session without a display (xdg-open would otherwise start a text browser in this terminal).
 */
export function browserOpener(url: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv, onPath: (command: string) => boolean): OpenCommand | null {
  if (env.BROWSER === 'none') return null;
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd built-in; its first quoted argument is a window title, and cmd treats & as a separator.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  return onPath('xdg-open') ? { command: 'xdg-open', args: [url] } : null;
}
