/** `lab serve` entry for the CLI: `startServer(opts) → {url, close}`. */
export { startServer, type ServeOptions, type RunningServer } from './server.js';
