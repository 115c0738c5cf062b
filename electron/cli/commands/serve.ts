import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { errnoCode } from '../../engine/io/ioError.js';
import { LabError } from '../../engine/errors.js';
import { defaultRendererDir, startServer } from '../../serve/server.js';
import { defineCommand, helpText, intOption, parseCommandArgs } from '../args.js';

const spec = defineCommand({
  name: 'serve',
  summary:
    'Serves the lab UI and its API to a browser (e.g. on a remote GPU machine, through an SSH tunnel). Loopback only unless --host is given; the printed URL carries a random token every request must present.',
  usage: 'serve [--port N] [--host H] [--data-dir DIR]',
  help: [
    '--port N            port (default 8765; 0 picks a free one)',
    '--host H            address to listen on (default 127.0.0.1; anything else is reachable from other machines)',
    '--data-dir DIR      where runs, presets and uploads are kept (default ~/.makemore-lab)',
  ],
  options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } },
});

/**
 * `--host` must be an IP address or a host name; a dotted-number string that is no IPv4 address (256.1.1.1)
 * is refused here rather than handed to a DNS lookup.
 */
export function checkHost(host: string): void {
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  const numeric = /^[\d.]+$/.test(host);
  if (isIP(host) === 0 && (numeric || !hostname.test(host))) {
    throw new LabError('ARGUMENT', `serve: --host '${host}' is not an IP address or host name`);
  }
}

/** Why listening failed, in one line (the port in use, no permission, an address this machine does not have). */
export function listenErrorMessage(e: unknown, host: string, port: number): string | null {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (errnoCode(e)) {
    case 'EADDRINUSE':
      return `serve: ${where} is already in use; choose another --port (0 picks a free one)`;
    case 'EACCES':
    case 'EPERM':
      return `serve: permission denied to listen on ${where} (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `serve: cannot listen on ${where}: no network interface of this machine has that address`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `serve: cannot listen on ${where}: the host name does not resolve`;
    case 'EAFNOSUPPORT':
      return `serve: cannot listen on ${where}: address family not supported here`;
    default:
      return null;
  }
}

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const port = intOption('serve', 'port', values.port, 0, 65535) ?? 8765;
  const host = values.host ?? '127.0.0.1';
  checkHost(host);
  const rendererDir = defaultRendererDir();
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new LabError('ARGUMENT', `serve: the UI is not built yet (${rendererDir} is missing); run 'npm run build' first`);
  }
  const server = await startServer({ port, host, dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : undefined }).catch((e: unknown) => {
    const message = listenErrorMessage(e, host, port);
    throw message ? new LabError('IO', message) : e;
  });
  console.log(`Makemore Lab is serving at ${server.url}`);
  console.log('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
