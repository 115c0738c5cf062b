/**
 * `npm start`'s decisions (scripts/start/plan.ts) and the Node version check shared by `npm start` and `lab`
 * (scripts/node-version.js): when to build, when Electron's binary counts as installed, when to try downloading
 * it, which data folder the browser fallback uses, how a URL is opened, and the one-line messages.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAtLeast, MIN_NODE, MIN_NODE_ELECTRON_DOWNLOAD, nodeVersionProblem } from '../../scripts/node-version.js';
import {
  browserOpener,
  downloadDecision,
  downloadFailureReason,
  electronBinary,
  electronUserDataDir,
  fallbackLine,
  needsBuild,
  type ElectronFiles,
} from '../../scripts/start/plan.js';

const repo = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));

describe('Node version check', () => {
  it('compares versions numerically, with or without a leading v', () => {
    expect(isAtLeast('20.19.0', '20.19.0')).toBe(true);
    expect(isAtLeast('v20.20.2', '20.19.0')).toBe(true);
    expect(isAtLeast('20.9.0', '20.19.0')).toBe(false); // 9 < 19, not '9' > '1'
    expect(isAtLeast('22.0.0', '20.19.0')).toBe(true);
    expect(isAtLeast('18.20.4', '20.19.0')).toBe(false);
    expect(isAtLeast('22.11.9', '22.12.0')).toBe(false);
  });

  it('says in one line what is needed and what is running, only when too old', () => {
    expect(nodeVersionProblem('lab', '20.19.0')).toBeNull();
    const line = nodeVersionProblem('lab', 'v18.19.1');
    expect(line).toBe('lab: Makemore Lab needs Node.js 20.19.0 or newer, this is Node.js 18.19.1 (see https://nodejs.org)');
  });

  it('states the requirement once: package.json engines and the README say the same versions', () => {
    expect(pkg.engines.node).toBe(`>=${MIN_NODE}`);
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js ${MIN_NODE}`);
    expect(readme).toContain(`Node.js ${MIN_NODE_ELECTRON_DOWNLOAD}`);
    // Electron's own download needs what electron's package says
    const electron = JSON.parse(readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8'));
    expect(electron.engines.node.replace(/[>= ]/g, '')).toBe(MIN_NODE_ELECTRON_DOWNLOAD);
  });
});

describe('needsBuild', () => {
  it('builds when an output is missing', () => {
    expect(needsBuild([10, null, 10], 5)).toBe(true);
    expect(needsBuild([], 5)).toBe(true);
  });
  it('builds when a source is newer than the oldest output, and not otherwise', () => {
    expect(needsBuild([100, 90, 95], 91)).toBe(true);
    expect(needsBuild([100, 90, 95], 90)).toBe(false);
    expect(needsBuild([100, 90, 95], 20)).toBe(false);
  });
});

function files(map: Record<string, string>): ElectronFiles {
  return { read: (f) => map[f] ?? null, exists: (f) => f in map };
}

describe('electronBinary', () => {
  const linux = path.join('dist', 'electron');
  it('is installed when path.txt, dist/version and the executable agree', () => {
    expect(electronBinary(files({ 'path.txt': 'electron', 'dist/version': 'v45.5.0\n', [linux]: '' }), '45.5.0')).toEqual({ installed: true, executable: linux });
  });
  it('is missing when never downloaded, of another version, or deleted', () => {
    expect(electronBinary(files({}), '45.5.0')).toEqual({ installed: false, reason: 'never downloaded' });
    expect(electronBinary(files({ 'path.txt': 'electron', 'dist/version': '44.0.0', [linux]: '' }), '45.5.0')).toMatchObject({
      installed: false,
      reason: 'the downloaded one is not version 45.5.0',
    });
    expect(electronBinary(files({ 'path.txt': 'electron', 'dist/version': '45.5.0' }), '45.5.0')).toMatchObject({ installed: false, reason: expect.stringContaining('missing') });
  });
});

describe('downloadDecision', () => {
  it('downloads on a new enough Node unless ELECTRON_SKIP_BINARY_DOWNLOAD says not to', () => {
    expect(downloadDecision({}, '22.12.0')).toEqual({ download: true });
    expect(downloadDecision({ ELECTRON_SKIP_BINARY_DOWNLOAD: '0' }, '24.1.0')).toEqual({ download: true });
    expect(downloadDecision({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, '24.1.0')).toEqual({ download: false, reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' });
    expect(downloadDecision({}, 'v20.19.0')).toEqual({ download: false, reason: 'downloading it needs Node.js 22.12.0 or newer, this is 20.19.0' });
  });
  it('keeps the cause of a failed download and drops the stack', () => {
    const output = ['Downloading Electron…', 'TypeError: fetch failed', '    at node:internal/deps/undici/undici:14976:13', '  [cause]: Error: getaddrinfo ENOTFOUND github.com'].join('\n');
    expect(downloadFailureReason(output)).toBe('TypeError: fetch failed');
    expect(downloadFailureReason('HTTPError: Response code 404 (Not Found) status')).toMatch(/404/);
    expect(downloadFailureReason('')).toBe('no output');
  });
  it('the fallback notice is one line that says why', () => {
    const line = fallbackLine('never downloaded; ELECTRON_SKIP_BINARY_DOWNLOAD is set');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^Electron's binary is not available \(never downloaded; ELECTRON_SKIP_BINARY_DOWNLOAD is set\): starting the lab in your browser/);
  });
});

describe('electronUserDataDir: the folder app.getPath("userData") gives the desktop app', () => {
  it('is <appData>/<productName> per platform', () => {
    expect(electronUserDataDir('Makemore Lab', 'linux', {}, '/home/ada')).toBe('/home/ada/.config/Makemore Lab');
    expect(electronUserDataDir('Makemore Lab', 'linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ada')).toBe('/xdg/Makemore Lab');
    expect(electronUserDataDir('Makemore Lab', 'linux', { XDG_CONFIG_HOME: 'relative' }, '/home/ada')).toBe('/home/ada/.config/Makemore Lab');
    expect(electronUserDataDir('Makemore Lab', 'darwin', {}, '/Users/ada')).toBe('/Users/ada/Library/Application Support/Makemore Lab');
    expect(electronUserDataDir('Makemore Lab', 'win32', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'C:\\Users\\ada')).toBe('C:\\Users\\ada\\AppData\\Roaming\\Makemore Lab');
  });
  it('uses the productName Electron takes the app name from', () => {
    expect(pkg.productName).toBe('Makemore Lab');
  });
});

describe('browserOpener', () => {
  const url = 'http://127.0.0.1:4000/?token=a&b';
  it('uses open on macOS and start on Windows (with & escaped for cmd)', () => {
    expect(browserOpener(url, 'darwin', {}, () => false)).toEqual({ command: 'open', args: [url] });
    expect(browserOpener(url, 'win32', {}, () => false)).toEqual({ command: 'cmd', args: ['/c', 'start', '""', 'http://127.0.0.1:4000/?token=a^&b'] });
  });
  it('uses xdg-open on Linux only with a display and xdg-open on the PATH', () => {
    expect(browserOpener(url, 'linux', { DISPLAY: ':0' }, (c) => c === 'xdg-open')).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserOpener(url, 'linux', { WAYLAND_DISPLAY: 'wayland-0' }, () => false)).toBeNull();
    expect(browserOpener(url, 'linux', {}, () => true)).toBeNull();
  });
  it('opens nothing with BROWSER=none', () => {
    expect(browserOpener(url, 'darwin', { BROWSER: 'none' }, () => true)).toBeNull();
  });
});
