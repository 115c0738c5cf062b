/**
 * The Node.js versions Makemore Lab needs, stated once (README "Requirements" and package.json "engines" repeat
 * them; test/packaging/launchers.test.ts checks they agree). Plain JavaScript on purpose: it runs before tsx is
 * loaded, so an old Node gets this one line instead of a syntax error from deeper down.
 */

/** The CLI, `lab serve`, the tests and the browser fallback of `npm start`. */
export const MIN_NODE = '20.19.0';
/** Downloading Electron 45's binary (@electron/get 5 requires it); the desktop app itself brings its own Node. */
export const MIN_NODE_ELECTRON_DOWNLOAD = '22.12.0';

/**
 * @param {string} version e.g. '20.19.0' or 'v22.12.1'
 * @param {string} minimum e.g. '20.19.0'
 * @returns {boolean}
 */
export function isAtLeast(version, minimum) {
  const parse = (v) => v.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const a = parse(version);
  const b = parse(minimum);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/**
 * One line saying what is wrong, or null when this Node is new enough.
 * @param {string} what the command being started, e.g. 'lab' or 'npm start'
 * @param {string} version the running Node's version
 * @returns {string | null}
 */
export function nodeVersionProblem(what, version) {
  if (isAtLeast(version, MIN_NODE)) return null;
  return `${what}: Makemore Lab needs Node.js ${MIN_NODE} or newer, this is Node.js ${version.replace(/^v/, '')} (see https://nodejs.org)`;
}

/**
 * Exits with code 1 and the one-line message when the running Node is too old.
 * @param {string} what
 */
export function requireNode(what) {
  const problem = nodeVersionProblem(what, process.versions.node);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}
