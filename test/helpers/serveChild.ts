/**
 * The real `lab serve` server (startServer) in a process of its own, for tests that must see whether hostile input
 * kills it: `node --import tsx test/helpers/serveChild.ts <dataDir> <rendererDir>` prints one JSON line
 * `{port, token}` once it listens, then serves until killed. A crash shows up as the process exiting.
 */
import { startServer } from '../../electron/serve/index.js';

const [dataDir, rendererDir] = process.argv.slice(2);
const server = await startServer({ port: 0, dataDir, rendererDir, log: (line) => console.error(line) });
console.log(JSON.stringify({ port: server.port, token: server.token }));
