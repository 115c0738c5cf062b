/** `lab serve` entry for the CLI: `startServer(opts) → {url, close}`. */
export { startServer, type RunningServer } from './server.js';
